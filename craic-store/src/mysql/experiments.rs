//! Experiments: definitions and variants, first-wins assignments, exposures and conversions
//! counted once per idempotency key.

use std::collections::HashMap;

use craic_core::validate_id;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, TxOpts};

use super::names::{self, USERS};
use super::{b, db, utf8};
use crate::error::{Result, StoreError};
use crate::types::{
    check_event, check_experiment, Assignment, ExperimentEvent, ExperimentEvents, ExperimentRecord,
    VariantCounts,
};

pub(super) async fn put(conn: &mut Conn, e: &ExperimentRecord) -> Result<()> {
    check_experiment(e)?;
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(db)?;
    tx.exec_drop(
        "INSERT INTO experiments (ext_key, definition) VALUES (?, ?)
         ON DUPLICATE KEY UPDATE definition = VALUES(definition)",
        (b(&e.key), e.definition.clone()),
    )
    .await
    .map_err(db)?;
    let id: Option<u64> = tx
        .exec_first("SELECT id FROM experiments WHERE ext_key = ?", (b(&e.key),))
        .await
        .map_err(db)?;
    let id = id.ok_or_else(|| StoreError::NotFound(format!("experiment {:?}", e.key)))?;
    for (n, v) in e.variants.iter().enumerate() {
        tx.exec_drop(
            "INSERT INTO experiment_variants (experiment_id, position, name) VALUES (?, ?, ?)
             ON DUPLICATE KEY UPDATE position = VALUES(position)",
            (id, n as u64, b(v)),
        )
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

pub(super) async fn all(conn: &mut Conn) -> Result<Vec<ExperimentRecord>> {
    let rows: Vec<(u64, Vec<u8>, Vec<u8>)> = conn
        .query("SELECT id, ext_key, definition FROM experiments ORDER BY ext_key")
        .await
        .map_err(db)?;
    let variants: Vec<(u64, u64, Vec<u8>)> = conn
        .query(
            "SELECT id, experiment_id, name FROM experiment_variants
             ORDER BY experiment_id, position, name",
        )
        .await
        .map_err(db)?;
    let mut by_experiment: HashMap<u64, Vec<String>> = HashMap::new();
    for (id, experiment, name) in variants {
        let name = utf8("experiment_variants", id, name)?;
        by_experiment.entry(experiment).or_default().push(name);
    }
    rows.into_iter()
        .map(|(id, key, definition)| {
            Ok(ExperimentRecord {
                key: utf8("experiments", id, key)?,
                definition,
                variants: by_experiment.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

/// (experiment id, variant id), or `NotFound`.
async fn variant_ids<Q: Queryable + Send>(
    q: &mut Q,
    experiment: &str,
    variant: &str,
) -> Result<(u64, u64)> {
    let ids: Option<(u64, u64)> = q
        .exec_first(
            "SELECT e.id, v.id FROM experiments e
             JOIN experiment_variants v ON v.experiment_id = e.id
             WHERE e.ext_key = ? AND v.name = ?",
            (b(experiment), b(variant)),
        )
        .await
        .map_err(db)?;
    ids.ok_or_else(|| {
        StoreError::NotFound(format!(
            "experiment {experiment:?} has no variant {variant:?}"
        ))
    })
}

async fn user_id<Q: Queryable + Send>(q: &mut Q, user: &str) -> Result<u64> {
    let ids = names::intern(q, USERS, &[user]).await?;
    Ok(ids[user])
}

pub(super) async fn assign(
    conn: &mut Conn,
    experiment: &str,
    user: &str,
    variant: &str,
) -> Result<Assignment> {
    validate_id(experiment)?;
    validate_id(user)?;
    validate_id(variant)?;
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(db)?;
    let (e, v) = variant_ids(&mut tx, experiment, variant).await?;
    let u = user_id(&mut tx, user).await?;
    tx.exec_drop(
        "INSERT INTO assignments (experiment_id, user_id, variant_id) VALUES (?, ?, ?)
         ON DUPLICATE KEY UPDATE variant_id = variant_id",
        (e, u, v),
    )
    .await
    .map_err(db)?;
    let new = tx.affected_rows() == 1;
    let name: Option<Vec<u8>> = tx
        .exec_first(
            "SELECT v.name FROM assignments a JOIN experiment_variants v ON v.id = a.variant_id
             WHERE a.experiment_id = ? AND a.user_id = ?",
            (e, u),
        )
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    let variant = utf8("assignments", u, name.unwrap_or_default())?;
    Ok(Assignment { variant, new })
}

pub(super) async fn assignment(
    conn: &mut Conn,
    experiment: &str,
    user: &str,
) -> Result<Option<String>> {
    let row: Option<(u64, Vec<u8>)> = conn
        .exec_first(
            "SELECT u.id, v.name FROM assignments a
             JOIN experiments e ON e.id = a.experiment_id
             JOIN users u ON u.id = a.user_id
             JOIN experiment_variants v ON v.id = a.variant_id
             WHERE e.ext_key = ? AND u.ext_id = ?",
            (b(experiment), b(user)),
        )
        .await
        .map_err(db)?;
    row.map(|(id, name)| utf8("assignments", id, name))
        .transpose()
}

/// Records an exposure, or a conversion when `conversion`.
pub(super) async fn record(
    conn: &mut Conn,
    conversion: bool,
    ev: &ExperimentEvent,
) -> Result<bool> {
    check_event(ev)?;
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(db)?;
    let (e, v) = variant_ids(&mut tx, &ev.experiment, &ev.variant).await?;
    let u = user_id(&mut tx, &ev.user).await?;
    if conversion {
        tx.exec_drop(
            "INSERT INTO conversions (experiment_id, idem_key, user_id, variant_id, at, value)
             VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id",
            (e, b(&ev.key), u, v, ev.at, ev.value),
        )
        .await
    } else {
        tx.exec_drop(
            "INSERT INTO exposures (experiment_id, idem_key, user_id, variant_id, at)
             VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id",
            (e, b(&ev.key), u, v, ev.at),
        )
        .await
    }
    .map_err(db)?;
    let new = tx.affected_rows() == 1;
    tx.commit().await.map_err(db)?;
    Ok(new)
}

type CountRow = (u64, Vec<u8>, i64, i64, i64, f64);

pub(super) async fn counts(conn: &mut Conn, experiment: &str) -> Result<Vec<VariantCounts>> {
    let rows: Vec<CountRow> = conn
        .exec(
            "SELECT v.id, v.name,
               (SELECT COUNT(*) FROM assignments a WHERE a.variant_id = v.id),
               (SELECT COUNT(*) FROM exposures x WHERE x.variant_id = v.id),
               (SELECT COUNT(*) FROM conversions c WHERE c.variant_id = v.id),
               (SELECT COALESCE(SUM(c.value), 0) FROM conversions c WHERE c.variant_id = v.id)
             FROM experiment_variants v JOIN experiments e ON e.id = v.experiment_id
             WHERE e.ext_key = ? ORDER BY v.position, v.name",
            (b(experiment),),
        )
        .await
        .map_err(db)?;
    if rows.is_empty() {
        return Err(StoreError::NotFound(format!("experiment {experiment:?}")));
    }
    rows.into_iter()
        .map(|(id, name, a, x, c, value)| {
            Ok(VariantCounts {
                variant: utf8("experiment_variants", id, name)?,
                assignments: a as u64,
                exposures: x as u64,
                conversions: c as u64,
                conversion_value: value,
            })
        })
        .collect()
}

type EventRow = (u64, Vec<u8>, Vec<u8>, Vec<u8>, i64, f64);

/// Every exposure and conversion of an experiment, in insertion (id) order.
pub(super) async fn events(conn: &mut Conn, experiment: &str) -> Result<ExperimentEvents> {
    let found: Option<u64> = conn
        .exec_first(
            "SELECT id FROM experiments WHERE ext_key = ?",
            (b(experiment),),
        )
        .await
        .map_err(db)?;
    if found.is_none() {
        return Err(StoreError::NotFound(format!("experiment {experiment:?}")));
    }
    let mut out = ExperimentEvents::default();
    for (table, value) in [("exposures", "1e0"), ("conversions", "x.value")] {
        // `table` and `value` are fixed here, never caller input.
        let rows: Vec<EventRow> = conn
            .exec(
                format!(
                    "SELECT x.id, x.idem_key, u.ext_id, v.name, x.at, {value} FROM {table} x
                     JOIN experiments e ON e.id = x.experiment_id
                     JOIN users u ON u.id = x.user_id
                     JOIN experiment_variants v ON v.id = x.variant_id
                     WHERE e.ext_key = ? ORDER BY x.id"
                ),
                (b(experiment),),
            )
            .await
            .map_err(db)?;
        let events = rows
            .into_iter()
            .map(|(id, key, user, variant, at, value)| {
                Ok(ExperimentEvent {
                    experiment: experiment.to_owned(),
                    key: utf8(table, id, key)?,
                    user: utf8(table, id, user)?,
                    variant: utf8(table, id, variant)?,
                    at,
                    value,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if table == "exposures" {
            out.exposures = events;
        } else {
            out.conversions = events;
        }
    }
    Ok(out)
}
