//! The model registry (versions, the current pointer) and retrain history.

use craic_core::validate_id;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::db;
use crate::error::{Result, StoreError};
use crate::types::{ModelInfo, ModelVersion, RetrainRun};

pub(super) fn publish(c: &mut Connection, m: &ModelVersion, make_current: bool) -> Result<()> {
    validate_id(&m.version)?;
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let n = tx
        .execute(
            "INSERT INTO model_versions (version, bytes, metrics, trained_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (version) DO NOTHING",
            params![m.version, m.bytes, m.metrics_json, m.trained_at],
        )
        .map_err(db)?;
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "model version {:?} already published",
            m.version
        )));
    }
    if make_current {
        point_at(&tx, &m.version)?;
    }
    tx.commit().map_err(db)
}

fn point_at(c: &Connection, version: &str) -> Result<()> {
    c.execute(
        "INSERT INTO model_current (singleton, version) VALUES (1, ?1)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
        [version],
    )
    .map_err(db)?;
    Ok(())
}

pub(super) fn set_current(c: &mut Connection, version: &str) -> Result<()> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let known: Option<i64> = tx
        .query_row(
            "SELECT seq FROM model_versions WHERE version = ?1",
            [version],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    if known.is_none() {
        return Err(StoreError::NotFound(format!("model version {version:?}")));
    }
    point_at(&tx, version)?;
    tx.commit().map_err(db)
}

/// One version by id, or the current one.
pub(super) fn get(c: &mut Connection, version: Option<&str>) -> Result<Option<ModelVersion>> {
    let sql = match version {
        Some(_) => {
            "SELECT version, bytes, metrics, trained_at FROM model_versions WHERE version = ?1"
        }
        None => {
            "SELECT m.version, m.bytes, m.metrics, m.trained_at
             FROM model_current c JOIN model_versions m ON m.version = c.version
             WHERE ?1 IS NULL"
        }
    };
    c.query_row(sql, [version], |r| {
        Ok(ModelVersion {
            version: r.get(0)?,
            bytes: r.get(1)?,
            metrics_json: r.get(2)?,
            trained_at: r.get(3)?,
        })
    })
    .optional()
    .map_err(db)
}

pub(super) fn list(c: &mut Connection) -> Result<Vec<ModelInfo>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT m.version, length(m.bytes), m.metrics, m.trained_at, c.version IS NOT NULL
             FROM model_versions m LEFT JOIN model_current c ON c.version = m.version
             ORDER BY m.seq",
        )
        .map_err(db)?;
    let list = stmt
        .query_map([], |r| {
            Ok(ModelInfo {
                version: r.get(0)?,
                size: r.get::<_, i64>(1)? as u64,
                metrics_json: r.get(2)?,
                trained_at: r.get(3)?,
                current: r.get(4)?,
            })
        })
        .map_err(db)?
        .collect::<rusqlite::Result<_>>()
        .map_err(db)?;
    Ok(list)
}

pub(super) fn record_retrain(c: &mut Connection, run: &RetrainRun) -> Result<i64> {
    if let Some(v) = &run.version {
        validate_id(v)?;
    }
    c.execute(
        "INSERT INTO retrain_runs (started_at, finished_at, outcome, version, interactions, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            run.started_at,
            run.finished_at,
            run.outcome,
            run.version,
            i64::try_from(run.interactions).unwrap_or(i64::MAX),
            run.detail_json
        ],
    )
    .map_err(db)?;
    Ok(c.last_insert_rowid())
}

pub(super) fn retrain_runs(c: &mut Connection, limit: usize) -> Result<Vec<RetrainRun>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT id, started_at, finished_at, outcome, version, interactions, detail
             FROM retrain_runs ORDER BY id DESC LIMIT ?1",
        )
        .map_err(db)?;
    let runs = stmt
        .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(RetrainRun {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                outcome: r.get(3)?,
                version: r.get(4)?,
                interactions: r.get::<_, i64>(5)? as u64,
                detail_json: r.get(6)?,
            })
        })
        .map_err(db)?
        .collect::<rusqlite::Result<_>>()
        .map_err(db)?;
    Ok(runs)
}
