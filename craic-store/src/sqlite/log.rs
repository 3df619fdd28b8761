//! The interaction log: idempotent appends, reads after a cursor.

use rusqlite::{params, Connection, Row, TransactionBehavior};

use super::db;
use crate::error::{MalformedRow, Result};
use crate::types::{stored_interaction, AppendReport, Cursor, LogEntry, LogPage, LogRecord};
use craic_core::Interaction;

/// Entries written per transaction.
pub(super) const BATCH: usize = 50_000;

/// Appends validated entries in one transaction.
pub(super) fn append(c: &mut Connection, entries: &[LogEntry]) -> Result<AppendReport> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let mut new_indices = Vec::new();
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO interactions (idem_key, user_id, item_id, kind, ts, impression_rank)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (idem_key) DO NOTHING",
            )
            .map_err(db)?;
        for (n, e) in entries.iter().enumerate() {
            let x = &e.interaction;
            let written = stmt
                .execute(params![
                    e.key,
                    x.user_id,
                    x.item_id,
                    x.kind,
                    x.timestamp,
                    x.rank
                ])
                .map_err(db)?;
            if written > 0 {
                new_indices.push(n);
            }
        }
    }
    tx.commit().map_err(db)?;
    Ok(AppendReport::of(entries.len(), new_indices))
}

pub(super) fn read(c: &mut Connection, after: Cursor, limit: usize) -> Result<LogPage> {
    let mut stmt = c
        .prepare_cached(
            "SELECT seq, idem_key, user_id, item_id, kind, ts, impression_rank FROM interactions
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )
        .map_err(db)?;
    let after_i = i64::try_from(after.0).unwrap_or(i64::MAX);
    let limit_i = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows = stmt.query(params![after_i, limit_i]).map_err(db)?;
    let mut page = LogPage {
        next: after,
        ..LogPage::default()
    };
    while let Some(r) = rows.next().map_err(db)? {
        let seq: i64 = r.get(0).map_err(db)?;
        match decode(r) {
            Ok((key, interaction)) => page.records.push(LogRecord {
                cursor: Cursor(seq as u64),
                key,
                interaction,
            }),
            Err(reason) => page.malformed.push(MalformedRow {
                table: "interactions",
                row_id: seq,
                reason,
            }),
        }
        page.next = Cursor(seq as u64);
    }
    Ok(page)
}

fn decode(r: &Row<'_>) -> std::result::Result<(String, Interaction), String> {
    let text = |n: usize| {
        r.get::<_, String>(n)
            .map_err(|e| format!("column {n}: {e}"))
    };
    let ts: i64 = r.get(5).map_err(|e| format!("timestamp: {e}"))?;
    let rank: Option<i64> = r.get(6).map_err(|e| format!("impression_rank: {e}"))?;
    let x = stored_interaction(text(2)?, text(3)?, text(4)?, ts, rank)?;
    Ok((text(1)?, x))
}

pub(super) fn head(c: &mut Connection) -> Result<Cursor> {
    let seq: Option<i64> = c
        .query_row("SELECT MAX(seq) FROM interactions", [], |r| r.get(0))
        .map_err(db)?;
    Ok(Cursor(seq.unwrap_or(0) as u64))
}
