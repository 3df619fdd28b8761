//! The MySQL / MariaDB schema, created by versioned migrations recorded in `schema_migrations`.
//!
//! Ids, names and keys are `VARBINARY`: compared byte for byte (no collation folds `A` into
//! `a`, `ß` into `ss` or ignores trailing spaces), stored exactly (NUL included), decoded as
//! UTF-8 when read.

use mysql_async::prelude::Queryable;
use mysql_async::Conn;

use super::db;
use crate::error::{Result, StoreError};

const NAME_TABLES: [&str; 5] = ["cities", "venues", "genres", "artists", "tags"];

/// Migration 1: the normalised platform schema with the indexes its access paths need.
fn initial() -> Vec<String> {
    let mut s: Vec<String> = NAME_TABLES
        .iter()
        .map(|t| {
            format!(
                "CREATE TABLE IF NOT EXISTS {t} (
                   id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
                   name VARBINARY(256) NOT NULL,
                   UNIQUE KEY {t}_name (name)
                 ) ENGINE=InnoDB"
            )
        })
        .collect();
    s.push(
        "CREATE TABLE IF NOT EXISTS events (
           id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
           ext_id VARBINARY(256) NOT NULL,
           city_id BIGINT UNSIGNED NULL,
           venue_id BIGINT UNSIGNED NULL,
           starts_at BIGINT NOT NULL,
           ends_at BIGINT NULL,
           UNIQUE KEY events_ext (ext_id),
           KEY events_starts (starts_at),
           KEY events_city (city_id),
           CONSTRAINT events_city_fk FOREIGN KEY (city_id) REFERENCES cities(id),
           CONSTRAINT events_venue_fk FOREIGN KEY (venue_id) REFERENCES venues(id)
         ) ENGINE=InnoDB"
            .into(),
    );
    for (link, dim, col) in [
        ("event_genres", "genres", "genre_id"),
        ("event_artists", "artists", "artist_id"),
        ("event_tags", "tags", "tag_id"),
    ] {
        s.push(format!(
            "CREATE TABLE IF NOT EXISTS {link} (
               event_id BIGINT UNSIGNED NOT NULL,
               position SMALLINT UNSIGNED NOT NULL,
               {col} BIGINT UNSIGNED NOT NULL,
               PRIMARY KEY (event_id, position),
               KEY {link}_{col} ({col}),
               CONSTRAINT {link}_event_fk FOREIGN KEY (event_id) REFERENCES events(id),
               CONSTRAINT {link}_{col}_fk FOREIGN KEY ({col}) REFERENCES {dim}(id)
             ) ENGINE=InnoDB"
        ));
    }
    s.push(
        "CREATE TABLE IF NOT EXISTS users (
           id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
           ext_id VARBINARY(256) NOT NULL,
           UNIQUE KEY users_ext (ext_id)
         ) ENGINE=InnoDB"
            .into(),
    );
    for (link, dim, col) in [
        ("user_genre_prefs", "genres", "genre_id"),
        ("user_artist_prefs", "artists", "artist_id"),
        ("user_city_prefs", "cities", "city_id"),
    ] {
        s.push(format!(
            "CREATE TABLE IF NOT EXISTS {link} (
               user_id BIGINT UNSIGNED NOT NULL,
               position SMALLINT UNSIGNED NOT NULL,
               {col} BIGINT UNSIGNED NOT NULL,
               PRIMARY KEY (user_id, position),
               KEY {link}_{col} ({col}),
               CONSTRAINT {link}_user_fk FOREIGN KEY (user_id) REFERENCES users(id),
               CONSTRAINT {link}_{col}_fk FOREIGN KEY ({col}) REFERENCES {dim}(id)
             ) ENGINE=InnoDB"
        ));
    }
    s.extend(REST.iter().map(|x| x.to_string()));
    s
}

const REST: &[&str] = &[
    // The log keeps ids as written (no foreign keys): it is append-only and never rewritten by
    // catalogue changes; rows naming unknown items are reported when loading.
    "CREATE TABLE IF NOT EXISTS interactions (
       seq BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
       idem_key VARBINARY(1024) NOT NULL,
       user_id VARBINARY(256) NOT NULL,
       item_id VARBINARY(256) NOT NULL,
       kind VARBINARY(256) NOT NULL,
       ts BIGINT NOT NULL,
       UNIQUE KEY interactions_key (idem_key)
     ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS experiments (
       id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
       ext_key VARBINARY(256) NOT NULL,
       definition LONGBLOB NOT NULL,
       UNIQUE KEY experiments_key (ext_key)
     ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS experiment_variants (
       id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
       experiment_id BIGINT UNSIGNED NOT NULL,
       position INT UNSIGNED NOT NULL,
       name VARBINARY(256) NOT NULL,
       UNIQUE KEY experiment_variants_name (experiment_id, name),
       CONSTRAINT experiment_variants_fk FOREIGN KEY (experiment_id) REFERENCES experiments(id)
     ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS assignments (
       experiment_id BIGINT UNSIGNED NOT NULL,
       user_id BIGINT UNSIGNED NOT NULL,
       variant_id BIGINT UNSIGNED NOT NULL,
       assigned_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       PRIMARY KEY (experiment_id, user_id),
       KEY assignments_variant (variant_id),
       CONSTRAINT assignments_experiment_fk FOREIGN KEY (experiment_id) REFERENCES experiments(id),
       CONSTRAINT assignments_user_fk FOREIGN KEY (user_id) REFERENCES users(id),
       CONSTRAINT assignments_variant_fk FOREIGN KEY (variant_id) REFERENCES experiment_variants(id)
     ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS exposures (
       id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
       experiment_id BIGINT UNSIGNED NOT NULL,
       idem_key VARBINARY(1024) NOT NULL,
       user_id BIGINT UNSIGNED NOT NULL,
       variant_id BIGINT UNSIGNED NOT NULL,
       at BIGINT NOT NULL,
       UNIQUE KEY exposures_key (experiment_id, idem_key),
       KEY exposures_variant (variant_id),
       CONSTRAINT exposures_experiment_fk FOREIGN KEY (experiment_id) REFERENCES experiments(id),
       CONSTRAINT exposures_user_fk FOREIGN KEY (user_id) REFERENCES users(id),
       CONSTRAINT exposures_variant_fk FOREIGN KEY (variant_id) REFERENCES experiment_variants(id)
     ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS conversions (
       id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
       experiment_id BIGINT UNSIGNED NOT NULL,
       idem_key VARBINARY(1024) NOT NULL,
       user_id BIGINT UNSIGNED NOT NULL,
       variant_id BIGINT UNSIGNED NOT NULL,
       at BIGINT NOT NULL,
       value DOUBLE NOT NULL,
       UNIQUE KEY conversions_key (experiment_id, idem_key),
       KEY conversions_variant (variant_id),
       CONSTRAINT conversions_experiment_fk FOREIGN KEY (experiment_id) REFERENCES experiments(id),
       CONSTRAINT conversions_user_fk FOREIGN KEY (user_id) REFERENCES users(id),
       CONSTRAINT conversions_variant_fk FOREIGN KEY (variant_id) REFERENCES experiment_variants(id)
     ) ENGINE=InnoDB",
    // `is_current` is 1 on the current version and NULL elsewhere: the unique key allows one.
    "CREATE TABLE IF NOT EXISTS model_versions (
       id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
       version VARBINARY(256) NOT NULL,
       size BIGINT UNSIGNED NOT NULL,
       metrics LONGBLOB NOT NULL,
       trained_at BIGINT NOT NULL,
       is_current TINYINT NULL,
       UNIQUE KEY model_versions_version (version),
       UNIQUE KEY model_versions_current (is_current)
     ) ENGINE=InnoDB",
    // Snapshot bytes in chunks, so no single value nears max_allowed_packet.
    "CREATE TABLE IF NOT EXISTS model_chunks (
       version_id BIGINT UNSIGNED NOT NULL,
       seq INT UNSIGNED NOT NULL,
       bytes LONGBLOB NOT NULL,
       PRIMARY KEY (version_id, seq),
       CONSTRAINT model_chunks_fk FOREIGN KEY (version_id) REFERENCES model_versions(id)
     ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS retrain_runs (
       id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
       started_at BIGINT NOT NULL,
       finished_at BIGINT NOT NULL,
       outcome BLOB NOT NULL,
       version VARBINARY(256) NULL,
       interactions BIGINT UNSIGNED NOT NULL,
       detail LONGBLOB NOT NULL,
       KEY retrain_runs_started (started_at)
     ) ENGINE=InnoDB",
];

/// Migration 2: the change feed of events and preferences (a replica tails it by `seq`).
fn change_feed() -> Vec<String> {
    vec!["CREATE TABLE IF NOT EXISTS catalog_changes (
           seq BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
           doc LONGBLOB NOT NULL
         ) ENGINE=InnoDB"
        .to_owned()]
}

/// Removed events (`Store::remove_items`): a row per removed event, deleted when it is upserted
/// again.
fn removed_events() -> Vec<String> {
    vec!["CREATE TABLE IF NOT EXISTS removed_events (
           event_id BIGINT UNSIGNED PRIMARY KEY,
           removed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
           CONSTRAINT removed_events_fk FOREIGN KEY (event_id) REFERENCES events(id)
         ) ENGINE=InnoDB"
        .to_owned()]
}

/// Migration 4: an impression's rank, NULL for every row written before (and for every kind
/// but `impression`). Re-running it after an interruption finds the column and skips it
/// ([`apply`]).
fn impression_rank() -> Vec<String> {
    vec!["ALTER TABLE interactions ADD COLUMN impression_rank INT UNSIGNED NULL".to_owned()]
}

/// MySQL's "duplicate column name": an `ADD COLUMN` that already ran.
const DUPLICATE_COLUMN: u16 = 1060;

/// Applies every migration not yet recorded, under a named lock so that concurrent openers
/// do not race. Returns how many ran (0 when the schema is current).
pub(super) async fn migrate(conn: &mut Conn) -> Result<usize> {
    conn.query_drop(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
           version INT UNSIGNED PRIMARY KEY,
           name VARCHAR(200) NOT NULL,
           applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
         ) ENGINE=InnoDB",
    )
    .await
    .map_err(db)?;
    let got: Option<Option<i64>> = conn
        .query_first("SELECT GET_LOCK(CONCAT('craic_migrate_', DATABASE()), 60)")
        .await
        .map_err(db)?;
    if got.flatten() != Some(1) {
        return Err(StoreError::Unavailable(
            "timed out waiting for another process's migrations".into(),
        ));
    }
    let result = apply(conn).await;
    let released = conn
        .query_drop("DO RELEASE_LOCK(CONCAT('craic_migrate_', DATABASE()))")
        .await
        .map_err(db);
    let ran = result?;
    released?;
    Ok(ran)
}

async fn apply(conn: &mut Conn) -> Result<usize> {
    let migrations: [(u32, &str, Vec<String>); 4] = [
        (1, "initial schema", initial()),
        (2, "catalogue change feed", change_feed()),
        (3, "removed events", removed_events()),
        (4, "impression rank", impression_rank()),
    ];
    let mut ran = 0;
    for (version, name, statements) in migrations {
        let done: Option<u32> = conn
            .exec_first(
                "SELECT version FROM schema_migrations WHERE version = ?",
                (version,),
            )
            .await
            .map_err(db)?;
        if done.is_some() {
            continue;
        }
        // DDL commits implicitly: every statement is idempotent (IF NOT EXISTS, or an
        // ADD COLUMN whose column exists is skipped), so a migration interrupted half-way is
        // completed by the next run.
        for sql in &statements {
            match conn.query_drop(sql.as_str()).await {
                Err(mysql_async::Error::Server(e)) if e.code == DUPLICATE_COLUMN => {}
                done => done.map_err(db)?,
            }
        }
        conn.exec_drop(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
            (version, name),
        )
        .await
        .map_err(db)?;
        ran += 1;
    }
    Ok(ran)
}
