//! The model registry (versions in chunks, the current flag) and retrain history.

use craic_core::validate_id;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, TxOpts, Value};

use super::{b, db, utf8};
use crate::error::{Result, StoreError};
use crate::types::{ModelInfo, ModelVersion, RetrainRun};

/// Snapshot bytes per row of `model_chunks`.
const CHUNK: usize = 1 << 20;

pub(super) async fn publish(conn: &mut Conn, m: &ModelVersion, make_current: bool) -> Result<()> {
    validate_id(&m.version)?;
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(db)?;
    let inserted = tx
        .exec_drop(
            "INSERT INTO model_versions (version, size, metrics, trained_at) VALUES (?, ?, ?, ?)",
            (
                b(&m.version),
                m.bytes.len() as u64,
                b(&m.metrics_json),
                m.trained_at,
            ),
        )
        .await;
    if let Err(e) = inserted {
        return Err(match db(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("model version {:?} already published", m.version))
            }
            other => other,
        });
    }
    let id = tx.last_insert_id().unwrap_or_default();
    for (n, chunk) in m.bytes.chunks(CHUNK).enumerate() {
        tx.exec_drop(
            "INSERT INTO model_chunks (version_id, seq, bytes) VALUES (?, ?, ?)",
            (id, n as u64, Value::Bytes(chunk.to_vec())),
        )
        .await
        .map_err(db)?;
    }
    if make_current {
        point_at(&mut tx, id).await?;
    }
    tx.commit().await.map_err(db)
}

async fn point_at<Q: Queryable + Send>(q: &mut Q, id: u64) -> Result<()> {
    q.exec_drop(
        "UPDATE model_versions SET is_current = NULL WHERE is_current = 1",
        (),
    )
    .await
    .map_err(db)?;
    q.exec_drop(
        "UPDATE model_versions SET is_current = 1 WHERE id = ?",
        (id,),
    )
    .await
    .map_err(db)
}

pub(super) async fn set_current(conn: &mut Conn, version: &str) -> Result<()> {
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(db)?;
    let id: Option<u64> = tx
        .exec_first(
            "SELECT id FROM model_versions WHERE version = ? FOR UPDATE",
            (b(version),),
        )
        .await
        .map_err(db)?;
    let id = id.ok_or_else(|| StoreError::NotFound(format!("model version {version:?}")))?;
    point_at(&mut tx, id).await?;
    tx.commit().await.map_err(db)
}

type Head = (u64, Vec<u8>, u64, Vec<u8>, i64);

/// One version by id, or the current one; read in one consistent transaction.
pub(super) async fn get(conn: &mut Conn, version: Option<&str>) -> Result<Option<ModelVersion>> {
    let mut opts = TxOpts::default();
    opts.with_consistent_snapshot(true).with_readonly(true);
    let mut tx = conn.start_transaction(opts).await.map_err(db)?;
    let head: Option<Head> = match version {
        Some(v) => {
            tx.exec_first(
                "SELECT id, version, size, metrics, trained_at FROM model_versions
                 WHERE version = ?",
                (b(v),),
            )
            .await
        }
        None => {
            tx.exec_first(
                "SELECT id, version, size, metrics, trained_at FROM model_versions
                 WHERE is_current = 1",
                (),
            )
            .await
        }
    }
    .map_err(db)?;
    let Some((id, version, size, metrics, trained_at)) = head else {
        return Ok(None);
    };
    let chunks: Vec<Vec<u8>> = tx
        .exec(
            "SELECT bytes FROM model_chunks WHERE version_id = ? ORDER BY seq",
            (id,),
        )
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    let bytes = chunks.concat();
    if bytes.len() as u64 != size {
        return Err(StoreError::MalformedRow(crate::error::MalformedRow {
            table: "model_versions",
            row_id: id as i64,
            reason: format!("{} bytes stored, {size} recorded", bytes.len()),
        }));
    }
    Ok(Some(ModelVersion {
        version: utf8("model_versions", id, version)?,
        bytes,
        metrics_json: utf8("model_versions", id, metrics)?,
        trained_at,
    }))
}

type InfoRow = (u64, Vec<u8>, u64, Vec<u8>, i64, Option<i64>);

pub(super) async fn list(conn: &mut Conn) -> Result<Vec<ModelInfo>> {
    let rows: Vec<InfoRow> = conn
        .query(
            "SELECT id, version, size, metrics, trained_at, is_current FROM model_versions
             ORDER BY id",
        )
        .await
        .map_err(db)?;
    rows.into_iter()
        .map(|(id, version, size, metrics, trained_at, current)| {
            Ok(ModelInfo {
                version: utf8("model_versions", id, version)?,
                size,
                metrics_json: utf8("model_versions", id, metrics)?,
                trained_at,
                current: current == Some(1),
            })
        })
        .collect()
}

pub(super) async fn record_retrain(conn: &mut Conn, run: &RetrainRun) -> Result<i64> {
    if let Some(v) = &run.version {
        validate_id(v)?;
    }
    conn.exec_drop(
        "INSERT INTO retrain_runs
           (started_at, finished_at, outcome, version, interactions, detail)
         VALUES (?, ?, ?, ?, ?, ?)",
        (
            run.started_at,
            run.finished_at,
            b(&run.outcome),
            run.version.as_deref().map(b).unwrap_or(Value::NULL),
            run.interactions,
            b(&run.detail_json),
        ),
    )
    .await
    .map_err(db)?;
    Ok(conn.last_insert_id().unwrap_or_default() as i64)
}

type RunRow = (u64, i64, i64, Vec<u8>, Option<Vec<u8>>, u64, Vec<u8>);

pub(super) async fn retrain_runs(conn: &mut Conn, limit: usize) -> Result<Vec<RetrainRun>> {
    let rows: Vec<RunRow> = conn
        .exec(
            "SELECT id, started_at, finished_at, outcome, version, interactions, detail
             FROM retrain_runs ORDER BY id DESC LIMIT ?",
            (limit as u64,),
        )
        .await
        .map_err(db)?;
    rows.into_iter()
        .map(
            |(id, started_at, finished_at, outcome, version, interactions, detail)| {
                let text = |v| utf8("retrain_runs", id, v);
                Ok(RetrainRun {
                    id: id as i64,
                    started_at,
                    finished_at,
                    outcome: text(outcome)?,
                    version: version.map(text).transpose()?,
                    interactions,
                    detail_json: text(detail)?,
                })
            },
        )
        .collect()
}
