//! The interaction log: idempotent multi-row appends, reads after a cursor.
//!
//! Appends take a named lock (`GET_LOCK('craic_log_<db>')`) around each batch's transaction,
//! so batches commit in the order their auto-increment cursors were allocated: a reader that
//! has seen cursor C can never later find a row below C committed by a slower writer.

use craic_core::Interaction;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, TxOpts, Value};

use super::{b, db, groups};
use crate::error::{MalformedRow, Result, StoreError};
use crate::types::{AppendReport, Cursor, LogEntry, LogPage, LogRecord};

/// Rows per multi-row INSERT (and transaction): at most ~7 MB of parameters, under MariaDB's
/// default 16 MB `max_allowed_packet`.
const BATCH: usize = 4_000;

const LOCK: &str = "CONCAT('craic_log_', DATABASE())";

/// Appends validated entries, one transaction per [`BATCH`].
pub(super) async fn append(conn: &mut Conn, entries: &[LogEntry]) -> Result<AppendReport> {
    let mut inserted = 0u64;
    for batch in entries.chunks(BATCH) {
        let got: Option<Option<i64>> = conn
            .query_first(format!("SELECT GET_LOCK({LOCK}, 60)"))
            .await
            .map_err(db)?;
        if got.flatten() != Some(1) {
            return Err(StoreError::Unavailable(
                "timed out waiting for the log's append lock".into(),
            ));
        }
        let written = write_batch(conn, batch).await;
        let released = conn
            .query_drop(format!("DO RELEASE_LOCK({LOCK})"))
            .await
            .map_err(db);
        inserted += written?;
        released?;
    }
    Ok(AppendReport {
        inserted,
        duplicates: entries.len() as u64 - inserted,
    })
}

async fn write_batch(conn: &mut Conn, batch: &[LogEntry]) -> Result<u64> {
    let mut params = Vec::with_capacity(batch.len() * 5);
    for e in batch {
        let x = &e.interaction;
        params.extend([
            b(&e.key),
            b(&x.user_id),
            b(&x.item_id),
            b(&x.kind),
            Value::Int(x.timestamp),
        ]);
    }
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(db)?;
    // A duplicate key "updates" the row to itself: 0 affected rows, so the count is the inserts.
    tx.exec_drop(
        format!(
            "INSERT INTO interactions (idem_key, user_id, item_id, kind, ts) VALUES {}
             ON DUPLICATE KEY UPDATE seq = seq",
            groups(batch.len(), 5)
        ),
        params,
    )
    .await
    .map_err(db)?;
    let inserted = tx.affected_rows();
    tx.commit().await.map_err(db)?;
    Ok(inserted)
}

type Row = (u64, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, i64);

pub(super) async fn read(conn: &mut Conn, after: Cursor, limit: usize) -> Result<LogPage> {
    let rows: Vec<Row> = conn
        .exec(
            "SELECT seq, idem_key, user_id, item_id, kind, ts FROM interactions
             WHERE seq > ? ORDER BY seq LIMIT ?",
            (after.0, limit as u64),
        )
        .await
        .map_err(db)?;
    let mut page = LogPage {
        next: after,
        ..LogPage::default()
    };
    for (seq, key, user, item, kind, ts) in rows {
        let text = |v: Vec<u8>| String::from_utf8(v).map_err(|e| format!("not UTF-8: {e}"));
        let decoded = (|| Ok::<_, String>((text(key)?, text(user)?, text(item)?, text(kind)?)))();
        match decoded {
            Ok((key, user, item, kind)) => page.records.push(LogRecord {
                cursor: Cursor(seq),
                key,
                interaction: Interaction::new(user, item, kind, ts),
            }),
            Err(reason) => page.malformed.push(MalformedRow {
                table: "interactions",
                row_id: seq as i64,
                reason,
            }),
        }
        page.next = Cursor(seq);
    }
    Ok(page)
}

pub(super) async fn head(conn: &mut Conn) -> Result<Cursor> {
    let seq: Option<Option<u64>> = conn
        .query_first("SELECT MAX(seq) FROM interactions")
        .await
        .map_err(db)?;
    Ok(Cursor(seq.flatten().unwrap_or(0)))
}
