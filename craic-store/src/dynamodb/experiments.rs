//! Experiments: definitions (partition `experiment`), first-wins assignments by conditional
//! put (partition `assign·<experiment>`, sort key the user), per-variant counters updated
//! with `ADD` (partition `counts·<experiment>`, sort key the variant), and one idempotency
//! record per exposure or conversion key written in the same transaction as its counter.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use craic_core::validate_id;

use super::attrs::{
    b, get, get_b, get_list, get_n, get_s, key, list, malformed, n, pk, put_all, query, s, sk_text,
    Row, ONE,
};
use super::errors::{build, transact};
use super::Db;
use crate::error::{Result, StoreError};
use crate::types::{
    check_event, check_experiment, Assignment, ExperimentEvent, ExperimentRecord, VariantCounts,
};

fn decode(row: &Row) -> Result<ExperimentRecord> {
    let bad = |r: String| malformed("experiments", 0, r);
    Ok(ExperimentRecord {
        key: sk_text(row).map_err(bad)?,
        definition: get_b(row, "def").map_err(bad)?,
        variants: get_list(row, "variants").map_err(bad)?,
    })
}

async fn find(db: &Db, experiment: &str) -> Result<Option<ExperimentRecord>> {
    if validate_id(experiment).is_err() {
        return Ok(None);
    }
    get(db, pk("experiment", &[]), experiment)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// The experiment, or `NotFound` when it or (if given) its variant does not exist.
pub(super) async fn require(
    db: &Db,
    experiment: &str,
    variant: Option<&str>,
) -> Result<ExperimentRecord> {
    let e = find(db, experiment)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("experiment {experiment:?}")))?;
    match variant {
        Some(v) if !e.variants.iter().any(|x| x == v) => Err(StoreError::NotFound(format!(
            "experiment {experiment:?} has no variant {v:?}"
        ))),
        _ => Ok(e),
    }
}

pub(super) async fn put(db: &Db, e: &ExperimentRecord) -> Result<()> {
    check_experiment(e)?;
    // Variants are only ever added: the stored ones missing from the new list stay, after it.
    let mut variants = e.variants.clone();
    if let Some(old) = find(db, &e.key).await? {
        variants.extend(old.variants.into_iter().filter(|v| !e.variants.contains(v)));
    }
    let mut row = key(pk("experiment", &[]), e.key.as_str());
    row.insert("def".to_owned(), b(e.definition.clone()));
    row.insert("variants".to_owned(), list(&variants));
    put_all(db, vec![row]).await
}

pub(super) async fn all(db: &Db) -> Result<Vec<ExperimentRecord>> {
    let rows = query(db, pk("experiment", &[]), true, usize::MAX).await?;
    rows.iter().map(decode).collect()
}

/// `ADD` to a variant's counters (created at zero on first use).
fn add_counts(db: &Db, experiment: &str, variant: &str, adds: &[(&str, String)]) -> Result<Update> {
    let expr: Vec<String> = adds.iter().map(|(a, _)| format!("{a} :{a}")).collect();
    let mut u = Update::builder()
        .table_name(&db.data)
        .set_key(Some(key(pk("counts", &[experiment]), variant)))
        .update_expression(format!("ADD {}", expr.join(", ")));
    for (a, v) in adds {
        u = u.expression_attribute_values(format!(":{a}"), n(v));
    }
    u.build().map_err(build)
}

fn put_if_absent(db: &Db, row: Row) -> Result<Put> {
    Put::builder()
        .table_name(&db.data)
        .set_item(Some(row))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(build)
}

pub(super) async fn assign(
    db: &Db,
    experiment: &str,
    user: &str,
    variant: &str,
) -> Result<Assignment> {
    validate_id(experiment)?;
    validate_id(user)?;
    validate_id(variant)?;
    require(db, experiment, Some(variant)).await?;
    let mut row = key(pk("assign", &[experiment]), user);
    row.insert("variant".to_owned(), s(variant));
    let actions = vec![
        TransactWriteItem::builder()
            .put(put_if_absent(db, row)?)
            .build(),
        TransactWriteItem::builder()
            .update(add_counts(db, experiment, variant, &[("a", "1".into())])?)
            .build(),
    ];
    match transact(db, actions).await? {
        Ok(()) => Ok(Assignment {
            variant: variant.to_owned(),
            new: true,
        }),
        // The user already has a variant: the first assignment wins.
        Err(_) => match assignment(db, experiment, user).await? {
            Some(variant) => Ok(Assignment {
                variant,
                new: false,
            }),
            None => Err(StoreError::Conflict(format!(
                "assignment of {user:?} in {experiment:?} failed its condition but is absent"
            ))),
        },
    }
}

pub(super) async fn assignment(db: &Db, experiment: &str, user: &str) -> Result<Option<String>> {
    if validate_id(experiment).is_err() || validate_id(user).is_err() {
        return Ok(None);
    }
    let row = get(db, pk("assign", &[experiment]), user).await?;
    row.map(|r| get_s(&r, "variant").map_err(|e| malformed("assignments", 0, e)))
        .transpose()
}

/// Records an exposure, or a conversion when `conversion`: its idempotency record (condition:
/// absent) and its counter `ADD` in one transaction, so each key is counted once.
pub(super) async fn record(db: &Db, conversion: bool, ev: &ExperimentEvent) -> Result<bool> {
    check_event(ev)?;
    require(db, &ev.experiment, Some(&ev.variant)).await?;
    let kind = if conversion { "conversion" } else { "exposure" };
    let mut row = key(pk(kind, &[&ev.experiment, &ev.key]), ONE);
    row.insert("user".to_owned(), s(ev.user.as_str()));
    row.insert("variant".to_owned(), s(ev.variant.as_str()));
    row.insert("at".to_owned(), n(ev.at));
    let adds: Vec<(&str, String)> = if conversion {
        row.insert("value".to_owned(), n(ev.value));
        vec![("c", "1".into()), ("cv", ev.value.to_string())]
    } else {
        vec![("x", "1".into())]
    };
    let actions = vec![
        TransactWriteItem::builder()
            .put(put_if_absent(db, row)?)
            .build(),
        TransactWriteItem::builder()
            .update(add_counts(db, &ev.experiment, &ev.variant, &adds)?)
            .build(),
    ];
    Ok(transact(db, actions).await?.is_ok())
}

pub(super) async fn counts(db: &Db, experiment: &str) -> Result<Vec<VariantCounts>> {
    let e = require(db, experiment, None).await?;
    let rows = query(db, pk("counts", &[experiment]), true, usize::MAX).await?;
    let mut by_variant: HashMap<String, Row> = HashMap::new();
    for row in rows {
        let v = sk_text(&row).map_err(|r| malformed("counts", 0, r))?;
        by_variant.insert(v, row);
    }
    e.variants
        .into_iter()
        .map(|variant| {
            let row = by_variant.remove(&variant).unwrap_or_default();
            let num = |a: &str| -> Result<f64> {
                if !row.contains_key(a) {
                    return Ok(0.0);
                }
                get_n(&row, a).map_err(|r| malformed("counts", 0, r))
            };
            Ok(VariantCounts {
                assignments: num("a")? as u64,
                exposures: num("x")? as u64,
                conversions: num("c")? as u64,
                conversion_value: num("cv")?,
                variant,
            })
        })
        .collect()
}
