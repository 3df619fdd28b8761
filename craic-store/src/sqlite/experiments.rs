//! Experiments: definitions, first-wins assignments, exposures and conversions once per key.

use craic_core::validate_id;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::db;
use crate::error::{Result, StoreError};
use crate::types::{
    check_event, check_experiment, Assignment, ExperimentEvent, ExperimentEvents, ExperimentRecord,
    VariantCounts,
};

pub(super) fn put(c: &mut Connection, e: &ExperimentRecord) -> Result<()> {
    check_experiment(e)?;
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    tx.execute(
        "INSERT INTO experiments (key, definition) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET definition = excluded.definition",
        params![e.key, e.definition],
    )
    .map_err(db)?;
    for (n, v) in e.variants.iter().enumerate() {
        tx.execute(
            "INSERT INTO experiment_variants (experiment, position, name) VALUES (?1, ?2, ?3)
             ON CONFLICT (experiment, name) DO UPDATE SET position = excluded.position",
            params![e.key, n as i64, v],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

pub(super) fn all(c: &mut Connection) -> Result<Vec<ExperimentRecord>> {
    let mut stmt = c
        .prepare_cached("SELECT key, definition FROM experiments ORDER BY key")
        .map_err(db)?;
    let list: Vec<(String, Vec<u8>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db)?
        .collect::<rusqlite::Result<_>>()
        .map_err(db)?;
    drop(stmt);
    list.into_iter()
        .map(|(key, definition)| {
            let variants = variants(c, &key)?;
            Ok(ExperimentRecord {
                key,
                definition,
                variants,
            })
        })
        .collect()
}

fn variants(c: &Connection, experiment: &str) -> Result<Vec<String>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT name FROM experiment_variants WHERE experiment = ?1 ORDER BY position, name",
        )
        .map_err(db)?;
    let names = stmt
        .query_map([experiment], |r| r.get(0))
        .map_err(db)?
        .collect::<rusqlite::Result<_>>()
        .map_err(db)?;
    Ok(names)
}

fn require_variant(c: &Connection, experiment: &str, variant: &str) -> Result<()> {
    let found: Option<i64> = c
        .query_row(
            "SELECT 1 FROM experiment_variants WHERE experiment = ?1 AND name = ?2",
            params![experiment, variant],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound(format!(
            "experiment {experiment:?} has no variant {variant:?}"
        ))),
    }
}

pub(super) fn assign(
    c: &mut Connection,
    experiment: &str,
    user: &str,
    variant: &str,
) -> Result<Assignment> {
    validate_id(experiment)?;
    validate_id(user)?;
    validate_id(variant)?;
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    require_variant(&tx, experiment, variant)?;
    let new = tx
        .execute(
            "INSERT INTO assignments (experiment, user_id, variant) VALUES (?1, ?2, ?3)
             ON CONFLICT (experiment, user_id) DO NOTHING",
            params![experiment, user, variant],
        )
        .map_err(db)?
        == 1;
    let variant: String = tx
        .query_row(
            "SELECT variant FROM assignments WHERE experiment = ?1 AND user_id = ?2",
            params![experiment, user],
            |r| r.get(0),
        )
        .map_err(db)?;
    tx.commit().map_err(db)?;
    Ok(Assignment { variant, new })
}

pub(super) fn assignment(
    c: &mut Connection,
    experiment: &str,
    user: &str,
) -> Result<Option<String>> {
    c.query_row(
        "SELECT variant FROM assignments WHERE experiment = ?1 AND user_id = ?2",
        params![experiment, user],
        |r| r.get(0),
    )
    .optional()
    .map_err(db)
}

/// Records into `exposures` or `conversions` (a fixed table name, never caller input).
pub(super) fn record(c: &mut Connection, table: &'static str, e: &ExperimentEvent) -> Result<bool> {
    check_event(e)?;
    require_variant(c, &e.experiment, &e.variant)?;
    let n = if table == "conversions" {
        c.execute(
            "INSERT INTO conversions (experiment, idem_key, user_id, variant, at, value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (experiment, idem_key) DO NOTHING",
            params![e.experiment, e.key, e.user, e.variant, e.at, e.value],
        )
    } else {
        c.execute(
            "INSERT INTO exposures (experiment, idem_key, user_id, variant, at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (experiment, idem_key) DO NOTHING",
            params![e.experiment, e.key, e.user, e.variant, e.at],
        )
    }
    .map_err(db)?;
    Ok(n == 1)
}

pub(super) fn counts(c: &mut Connection, experiment: &str) -> Result<Vec<VariantCounts>> {
    let names = variants(c, experiment)?;
    if names.is_empty() {
        return Err(StoreError::NotFound(format!("experiment {experiment:?}")));
    }
    let mut stmt = c
        .prepare_cached(
            "SELECT
               (SELECT COUNT(*) FROM assignments WHERE experiment = ?1 AND variant = ?2),
               (SELECT COUNT(*) FROM exposures WHERE experiment = ?1 AND variant = ?2),
               (SELECT COUNT(*) FROM conversions WHERE experiment = ?1 AND variant = ?2),
               (SELECT COALESCE(SUM(value), 0.0) FROM conversions
                  WHERE experiment = ?1 AND variant = ?2)",
        )
        .map_err(db)?;
    names
        .into_iter()
        .map(|variant| {
            let (a, x, k, v): (i64, i64, i64, f64) = stmt
                .query_row(params![experiment, variant], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .map_err(db)?;
            Ok(VariantCounts {
                variant,
                assignments: a as u64,
                exposures: x as u64,
                conversions: k as u64,
                conversion_value: v,
            })
        })
        .collect()
}

/// Every exposure and conversion of an experiment, in insertion (rowid) order.
pub(super) fn events(c: &mut Connection, experiment: &str) -> Result<ExperimentEvents> {
    if variants(c, experiment)?.is_empty() {
        return Err(StoreError::NotFound(format!("experiment {experiment:?}")));
    }
    let read = |sql: &str| -> Result<Vec<ExperimentEvent>> {
        let mut stmt = c.prepare_cached(sql).map_err(db)?;
        let rows = stmt
            .query_map(params![experiment], |r| {
                Ok(ExperimentEvent {
                    experiment: experiment.to_owned(),
                    key: r.get(0)?,
                    user: r.get(1)?,
                    variant: r.get(2)?,
                    at: r.get(3)?,
                    value: r.get(4)?,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    };
    Ok(ExperimentEvents {
        exposures: read(
            "SELECT idem_key, user_id, variant, at, 1.0 FROM exposures
             WHERE experiment = ?1 ORDER BY rowid",
        )?,
        conversions: read(
            "SELECT idem_key, user_id, variant, at, value FROM conversions
             WHERE experiment = ?1 ORDER BY rowid",
        )?,
    })
}
