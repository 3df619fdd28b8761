//! The interaction log: idempotent multi-row appends, reads after a cursor.
//!
//! Appends take a named lock (`GET_LOCK('craic_log_<db>')`) around each batch's transaction,
//! so batches commit in the order their auto-increment cursors were allocated: a reader that
//! has seen cursor C can never later find a row below C committed by a slower writer.

use std::collections::HashSet;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, TxOpts, Value};

use super::{b, db, groups};
use crate::error::{MalformedRow, Result, StoreError};
use crate::types::{stored_interaction, AppendReport, Cursor, LogEntry, LogPage, LogRecord};

/// Rows per multi-row INSERT (and transaction): at most ~7 MB of parameters, under MariaDB's
/// default 16 MB `max_allowed_packet`.
const BATCH: usize = 4_000;

const LOCK: &str = "CONCAT('craic_log_', DATABASE())";

/// Appends validated entries, one transaction per [`BATCH`].
pub(super) async fn append(conn: &mut Conn, entries: &[LogEntry]) -> Result<AppendReport> {
    let mut report = AppendReport::default();
    for (n, batch) in entries.chunks(BATCH).enumerate() {
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
        report.extend(AppendReport::of(batch.len(), written?), n * BATCH);
        released?;
    }
    Ok(report)
}

/// Writes the entries of `batch` whose keys are not stored yet (the first of each key);
/// returns their positions. The caller holds the append lock, so no other appender can store
/// one of these keys between the look-up and the insert.
async fn write_batch(conn: &mut Conn, batch: &[LogEntry]) -> Result<Vec<usize>> {
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(db)?;
    let keys: Vec<Value> = batch.iter().map(|e| b(&e.key)).collect();
    let stored: Vec<Vec<u8>> = tx
        .exec(
            format!(
                "SELECT idem_key FROM interactions WHERE idem_key IN ({})",
                vec!["?"; batch.len()].join(",")
            ),
            keys,
        )
        .await
        .map_err(db)?;
    let mut seen: HashSet<&[u8]> = stored.iter().map(Vec::as_slice).collect();
    let fresh: Vec<usize> = (0..batch.len())
        .filter(|&n| seen.insert(batch[n].key.as_bytes()))
        .collect();
    if fresh.is_empty() {
        tx.commit().await.map_err(db)?;
        return Ok(fresh);
    }
    let mut params = Vec::with_capacity(fresh.len() * 6);
    for &n in &fresh {
        let (e, x) = (&batch[n], &batch[n].interaction);
        params.extend([
            b(&e.key),
            b(&x.user_id),
            b(&x.item_id),
            b(&x.kind),
            Value::Int(x.timestamp),
            x.rank.map_or(Value::NULL, |r| Value::UInt(r.into())),
        ]);
    }
    // Plain INSERT: a key stored meanwhile (by a writer not holding the lock) is a `Conflict`
    // and the transaction rolls back, so the positions reported are exactly the rows written.
    tx.exec_drop(
        format!(
            "INSERT INTO interactions (idem_key, user_id, item_id, kind, ts, impression_rank) \
             VALUES {}",
            groups(fresh.len(), 6)
        ),
        params,
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(fresh)
}

type Row = (u64, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, i64, Option<i64>);

pub(super) async fn read(conn: &mut Conn, after: Cursor, limit: usize) -> Result<LogPage> {
    let rows: Vec<Row> = conn
        .exec(
            "SELECT seq, idem_key, user_id, item_id, kind, ts, impression_rank FROM interactions
             WHERE seq > ? ORDER BY seq LIMIT ?",
            (after.0, limit as u64),
        )
        .await
        .map_err(db)?;
    let mut page = LogPage {
        next: after,
        ..LogPage::default()
    };
    for (seq, key, user, item, kind, ts, rank) in rows {
        let text = |v: Vec<u8>| String::from_utf8(v).map_err(|e| format!("not UTF-8: {e}"));
        let decoded = (|| {
            let x = stored_interaction(text(user)?, text(item)?, text(kind)?, ts, rank)?;
            Ok::<_, String>((text(key)?, x))
        })();
        match decoded {
            Ok((key, interaction)) => page.records.push(LogRecord {
                cursor: Cursor(seq),
                key,
                interaction,
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
