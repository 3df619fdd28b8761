//! Events and users' stated preferences.

use craic_core::{validate_id, Item, Preferences};
use rusqlite::{params, Connection, Row, TransactionBehavior};

use super::db;
use crate::changes::{Change, ChangePage};
use crate::error::{MalformedRow, Result, StoreError};
use crate::types::Cursor;

pub(super) fn upsert_items(c: &mut Connection, items: &[Item]) -> Result<()> {
    for item in items {
        item.validate()?;
    }
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO events (id, city, venue, genres, artists, tags, starts_at, ends_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET city = excluded.city, venue = excluded.venue,
                   genres = excluded.genres, artists = excluded.artists, tags = excluded.tags,
                   starts_at = excluded.starts_at, ends_at = excluded.ends_at",
            )
            .map_err(db)?;
        for i in items {
            stmt.execute(params![
                i.id,
                i.city,
                i.venue,
                json(&i.genres),
                json(&i.artists),
                json(&i.tags),
                i.starts_at,
                i.ends_at
            ])
            .map_err(db)?;
        }
    }
    {
        // Upserting a removed event makes it live again.
        let mut revive = tx
            .prepare_cached("DELETE FROM removed_events WHERE id = ?1")
            .map_err(db)?;
        for i in items {
            revive.execute([&i.id]).map_err(db)?;
        }
    }
    record_changes(&tx, &Change::items(items))?;
    tx.commit().map_err(db)
}

/// Marks events removed (all stored, else `NotFound` and nothing changes); returns how many
/// were live.
pub(super) fn remove_items(c: &mut Connection, ids: &[String]) -> Result<usize> {
    for id in ids {
        validate_id(id)?;
    }
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let mut removed = 0;
    {
        let mut exists = tx
            .prepare_cached("SELECT 1 FROM events WHERE id = ?1")
            .map_err(db)?;
        let mut mark = tx
            .prepare_cached("INSERT OR IGNORE INTO removed_events (id) VALUES (?1)")
            .map_err(db)?;
        for id in ids {
            if !exists.exists([id]).map_err(db)? {
                return Err(StoreError::NotFound(format!("event {id:?}")));
            }
            removed += mark.execute([id]).map_err(db)?;
        }
    }
    record_changes(&tx, &Change::removed(ids))?;
    tx.commit().map_err(db)?;
    Ok(removed)
}

/// The removed events' ids, in id order.
pub(super) fn removed_items(c: &mut Connection) -> Result<Vec<String>> {
    let mut stmt = c
        .prepare_cached("SELECT id FROM removed_events ORDER BY id")
        .map_err(db)?;
    let rows = stmt.query_map([], |r| r.get(0)).map_err(db)?;
    rows.collect::<rusqlite::Result<Vec<String>>>().map_err(db)
}

/// Appends change rows (inside the write's transaction: SQLite serialises writers, so rows
/// commit in position order).
fn record_changes(tx: &rusqlite::Transaction<'_>, changes: &[String]) -> Result<()> {
    let mut stmt = tx
        .prepare_cached("INSERT INTO catalog_changes (doc) VALUES (?1)")
        .map_err(db)?;
    for c in changes {
        stmt.execute([c]).map_err(db)?;
    }
    Ok(())
}

/// Up to `limit` changes after `after`, in order.
pub(super) fn read_changes(c: &mut Connection, after: Cursor, limit: usize) -> Result<ChangePage> {
    let mut stmt = c
        .prepare_cached("SELECT seq, doc FROM catalog_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2")
        .map_err(db)?;
    let after_i = i64::try_from(after.0).unwrap_or(i64::MAX);
    let limit_i = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows = stmt.query(params![after_i, limit_i]).map_err(db)?;
    let mut page = ChangePage {
        next: after,
        ..ChangePage::default()
    };
    while let Some(r) = rows.next().map_err(db)? {
        let seq: i64 = r.get(0).map_err(db)?;
        page.push(seq as u64, r.get::<_, String>(1).map_err(|e| e.to_string()));
    }
    Ok(page)
}

/// The position of the last change ([`Cursor::START`] when none).
pub(super) fn changes_head(c: &mut Connection) -> Result<Cursor> {
    let seq: Option<i64> = c
        .query_row("SELECT MAX(seq) FROM catalog_changes", [], |r| r.get(0))
        .map_err(db)?;
    Ok(Cursor(seq.unwrap_or(0) as u64))
}

/// Every event (or the one with `id`), in id order. An event whose columns cannot be decoded
/// is a `MalformedRow` error naming its rowid.
pub(super) fn items(c: &mut Connection, id: Option<&str>) -> Result<Vec<(i64, Item)>> {
    let columns = "SELECT rowid, id, city, venue, genres, artists, tags, starts_at, ends_at
                   FROM events";
    let mut stmt = match id {
        Some(_) => c.prepare_cached(&format!("{columns} WHERE id = ?1")),
        None => c.prepare_cached(&format!("{columns} ORDER BY id")),
    }
    .map_err(db)?;
    let mut rows = match id {
        Some(id) => stmt.query([id]),
        None => stmt.query([]),
    }
    .map_err(db)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db)? {
        let rowid: i64 = r.get(0).map_err(db)?;
        let item = decode_item(r).map_err(|reason| malformed("events", rowid, reason))?;
        out.push((rowid, item));
    }
    Ok(out)
}

fn decode_item(r: &Row<'_>) -> std::result::Result<Item, String> {
    let text = |n: usize| r.get::<_, String>(n).map_err(|e| e.to_string());
    let list = |n: usize| -> std::result::Result<Vec<String>, String> {
        serde_json::from_str(&text(n)?).map_err(|e| format!("column {n}: {e}"))
    };
    Ok(Item {
        id: text(1)?,
        city: text(2)?,
        venue: text(3)?,
        genres: list(4)?,
        artists: list(5)?,
        tags: list(6)?,
        starts_at: r.get(7).map_err(|e| e.to_string())?,
        ends_at: r.get(8).map_err(|e| e.to_string())?,
    })
}

pub(super) fn set_preferences(c: &mut Connection, prefs: &[(String, Preferences)]) -> Result<()> {
    for (user, p) in prefs {
        validate_id(user)?;
        crate::types::check_preferences(p)?;
    }
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    {
        let mut put = tx
            .prepare_cached(
                "INSERT INTO user_preferences (user_id, genres, artists, cities)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id) DO UPDATE SET genres = excluded.genres,
                   artists = excluded.artists, cities = excluded.cities",
            )
            .map_err(db)?;
        let mut clear = tx
            .prepare_cached("DELETE FROM user_preferences WHERE user_id = ?1")
            .map_err(db)?;
        for (user, p) in prefs {
            if p.is_empty() {
                clear.execute([user]).map_err(db)?;
            } else {
                put.execute(params![
                    user,
                    json(&p.genres),
                    json(&p.artists),
                    json(&p.cities)
                ])
                .map_err(db)?;
            }
        }
    }
    record_changes(&tx, &Change::preferences(prefs))?;
    tx.commit().map_err(db)
}

pub(super) fn preferences(c: &mut Connection) -> Result<Vec<(String, Preferences)>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT rowid, user_id, genres, artists, cities FROM user_preferences ORDER BY user_id",
        )
        .map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db)? {
        let rowid: i64 = r.get(0).map_err(db)?;
        let decoded = (|| -> std::result::Result<_, String> {
            let text = |n: usize| r.get::<_, String>(n).map_err(|e| e.to_string());
            let list = |n: usize| -> std::result::Result<Vec<String>, String> {
                serde_json::from_str(&text(n)?).map_err(|e| e.to_string())
            };
            Ok((
                text(1)?,
                Preferences {
                    genres: list(2)?,
                    artists: list(3)?,
                    cities: list(4)?,
                },
            ))
        })();
        out.push(decoded.map_err(|reason| malformed("user_preferences", rowid, reason))?);
    }
    Ok(out)
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

pub(super) fn malformed(table: &'static str, row_id: i64, reason: String) -> StoreError {
    StoreError::MalformedRow(MalformedRow {
        table,
        row_id,
        reason,
    })
}
