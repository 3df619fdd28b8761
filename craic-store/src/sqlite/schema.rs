//! The SQLite schema, created by versioned migrations recorded in `schema_migrations`.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::db;
use crate::error::Result;

/// (version, name, SQL). Append new migrations; never edit an applied one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema",
        "
    CREATE TABLE IF NOT EXISTS events (
        id TEXT PRIMARY KEY NOT NULL,
        city TEXT NOT NULL,
        venue TEXT NOT NULL,
        genres TEXT NOT NULL,   -- JSON array of strings, in order
        artists TEXT NOT NULL,  -- JSON array
        tags TEXT NOT NULL,     -- JSON array
        starts_at INTEGER NOT NULL,
        ends_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS user_preferences (
        user_id TEXT PRIMARY KEY NOT NULL,
        genres TEXT NOT NULL,   -- JSON arrays
        artists TEXT NOT NULL,
        cities TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS interactions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the cursor: never reused
        idem_key TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        ts INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS experiments (
        key TEXT PRIMARY KEY NOT NULL,
        definition BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS experiment_variants (
        experiment TEXT NOT NULL REFERENCES experiments(key),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (experiment, name)
    );
    CREATE TABLE IF NOT EXISTS assignments (
        experiment TEXT NOT NULL,
        user_id TEXT NOT NULL,
        variant TEXT NOT NULL,
        PRIMARY KEY (experiment, user_id),
        FOREIGN KEY (experiment, variant) REFERENCES experiment_variants(experiment, name)
    );
    CREATE TABLE IF NOT EXISTS exposures (
        experiment TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        variant TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (experiment, idem_key),
        FOREIGN KEY (experiment, variant) REFERENCES experiment_variants(experiment, name)
    );
    CREATE INDEX IF NOT EXISTS exposures_by_variant ON exposures(experiment, variant);
    CREATE TABLE IF NOT EXISTS conversions (
        experiment TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        variant TEXT NOT NULL,
        at INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (experiment, idem_key),
        FOREIGN KEY (experiment, variant) REFERENCES experiment_variants(experiment, name)
    );
    CREATE INDEX IF NOT EXISTS conversions_by_variant ON conversions(experiment, variant);
    CREATE TABLE IF NOT EXISTS model_versions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        version TEXT NOT NULL UNIQUE,
        bytes BLOB NOT NULL,
        metrics TEXT NOT NULL,
        trained_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS model_current (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        version TEXT NOT NULL REFERENCES model_versions(version)
    );
    CREATE TABLE IF NOT EXISTS retrain_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        version TEXT,
        interactions INTEGER NOT NULL,
        detail TEXT NOT NULL
    );
    ",
    ),
    (
        2,
        "catalogue change feed",
        "
    CREATE TABLE IF NOT EXISTS catalog_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the change cursor: never reused
        doc TEXT NOT NULL  -- JSON: {\"item\": {...}} or {\"preferences\": [user, {...}]}
    );
    ",
    ),
    (
        3,
        "removed events",
        "
    CREATE TABLE IF NOT EXISTS removed_events (
        id TEXT PRIMARY KEY NOT NULL REFERENCES events(id)
    );
    ",
    ),
    (
        4,
        "impression rank",
        // NULL for every row written before (and for every kind but `impression`).
        "ALTER TABLE interactions ADD COLUMN impression_rank INTEGER;",
    ),
];

/// Applies every migration not yet recorded, each in its own transaction with its record.
/// Returns how many ran (0 when the schema is current).
pub(super) fn migrate(conn: &mut Connection) -> Result<usize> {
    migrate_up_to(conn, i64::MAX)
}

/// [`migrate`], stopping after version `last` (tests build older schemas with it).
fn migrate_up_to(conn: &mut Connection, last: i64) -> Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            applied_at INTEGER NOT NULL DEFAULT (unixepoch())
        )",
    )
    .map_err(db)?;
    let mut ran = 0;
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 <= last) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if done.is_none() {
            tx.execute_batch(sql).map_err(db)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
                params![version, name],
            )
            .map_err(db)?;
            ran += 1;
        }
        tx.commit().map_err(db)?;
    }
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::{migrate, migrate_up_to};
    use crate::types::Cursor;

    /// A file created by the schema before the impression rank (version 3) upgrades in place:
    /// its rows read back without a rank, new rows keep theirs, and migrating again does
    /// nothing.
    #[test]
    fn a_version_3_database_gains_the_rank_column() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(migrate_up_to(&mut c, 3).unwrap(), 3);
        c.execute(
            "INSERT INTO interactions (idem_key, user_id, item_id, kind, ts)
             VALUES ('old', 'ana', 'gig', 'impression', 1700000000)",
            [],
        )
        .unwrap();
        assert_eq!(migrate(&mut c).unwrap(), 1);
        assert_eq!(migrate(&mut c).unwrap(), 0);
        let shown = craic_core::Interaction::impression("ben", "gig", 1_700_000_001, 4);
        let entry = crate::types::LogEntry::new(shown.clone());
        super::super::log::append(&mut c, &[entry]).unwrap();
        let page = super::super::log::read(&mut c, Cursor::START, 10).unwrap();
        let ranks: Vec<_> = page.records.iter().map(|r| r.interaction.rank).collect();
        assert_eq!(ranks, [None, Some(4)]);
        assert_eq!(page.records[1].interaction, shown);
    }
}
