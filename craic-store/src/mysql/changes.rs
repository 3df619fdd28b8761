//! The catalogue change feed (`catalog_changes`): rows written in the same transaction as the
//! events or preferences they describe, under a named lock (`GET_LOCK('craic_changes_<db>')`)
//! so transactions commit in the order their positions were allocated (as the log's appends).

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Value};

use super::{b, db, groups};
use crate::changes::ChangePage;
use crate::error::{Result, StoreError};
use crate::types::Cursor;

const LOCK: &str = "CONCAT('craic_changes_', DATABASE())";

/// Takes the change feed's lock (release it with [`unlock`] on every path).
pub(super) async fn lock(conn: &mut Conn) -> Result<()> {
    let got: Option<Option<i64>> = conn
        .query_first(format!("SELECT GET_LOCK({LOCK}, 60)"))
        .await
        .map_err(db)?;
    if got.flatten() != Some(1) {
        return Err(StoreError::Unavailable(
            "timed out waiting for the change feed's lock".into(),
        ));
    }
    Ok(())
}

pub(super) async fn unlock(conn: &mut Conn) -> Result<()> {
    conn.query_drop(format!("DO RELEASE_LOCK({LOCK})"))
        .await
        .map_err(db)
}

/// Appends change rows (inside the caller's transaction, under the lock).
pub(super) async fn record<Q: Queryable + Send>(q: &mut Q, changes: &[String]) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let params: Vec<Value> = changes.iter().map(|c| b(c)).collect();
    q.exec_drop(
        format!(
            "INSERT INTO catalog_changes (doc) VALUES {}",
            groups(changes.len(), 1)
        ),
        params,
    )
    .await
    .map_err(db)
}

pub(super) async fn read(conn: &mut Conn, after: Cursor, limit: usize) -> Result<ChangePage> {
    let rows: Vec<(u64, Vec<u8>)> = conn
        .exec(
            "SELECT seq, doc FROM catalog_changes WHERE seq > ? ORDER BY seq LIMIT ?",
            (after.0, limit as u64),
        )
        .await
        .map_err(db)?;
    let mut page = ChangePage {
        next: after,
        ..ChangePage::default()
    };
    for (seq, doc) in rows {
        page.push(
            seq,
            String::from_utf8(doc).map_err(|e| format!("not UTF-8: {e}")),
        );
    }
    Ok(page)
}

pub(super) async fn head(conn: &mut Conn) -> Result<Cursor> {
    let seq: Option<Option<u64>> = conn
        .query_first("SELECT MAX(seq) FROM catalog_changes")
        .await
        .map_err(db)?;
    Ok(Cursor(seq.flatten().unwrap_or(0)))
}
