//! The model registry (partition `model`, sort key the version), snapshot bytes in chunks
//! (partition `chunk·<version>`, sort key the chunk number big-endian), the current-version
//! pointer (`current`), and retrain runs (partition `retrain`, sort key the id big-endian).
//!
//! Publishing claims the version with a conditional put (`state = writing`; a second publish
//! of the version is `Conflict`), writes the chunks, then flips `state = ready` and, when asked,
//! the pointer, in one transaction. Readers ignore versions that are not `ready`.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};
use craic_core::validate_id;

use super::attrs::{
    b, get, get_b, get_n, get_s, key, malformed, n, next_id, pk, put_all, query, s, sk_text, Row,
};
use super::errors::{build, sdk, transact};
use super::Db;
use crate::error::{Result, StoreError};
use crate::types::{ModelInfo, ModelVersion, RetrainRun};

/// Snapshot bytes per chunk item: under DynamoDB's 400 KB item limit with room for the keys.
pub(crate) const CHUNK: usize = 350_000;

fn pointer_put(db: &Db, version: &str) -> Result<TransactWriteItem> {
    let mut row = key(pk("current", &[]), "model");
    row.insert("version".to_owned(), s(version));
    let put = Put::builder()
        .table_name(&db.data)
        .set_item(Some(row))
        .build()
        .map_err(build)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub(super) async fn publish(db: &Db, m: &ModelVersion, make_current: bool) -> Result<()> {
    validate_id(&m.version)?;
    let order = next_id(db, "model").await?;
    let chunks = m.bytes.len().div_ceil(CHUNK);
    let mut row = key(pk("model", &[]), m.version.as_str());
    for (name, value) in [
        ("state", s("writing")),
        ("size", n(m.bytes.len())),
        ("chunks", n(chunks)),
        ("metrics", s(m.metrics_json.as_str())),
        ("trained_at", n(m.trained_at)),
        ("published", n(order)),
    ] {
        row.insert(name.to_owned(), value);
    }
    let claimed = db
        .client
        .put_item()
        .table_name(&db.data)
        .set_item(Some(row))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await;
    if let Err(e) = claimed {
        return Err(match sdk(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("model version {:?} already published", m.version))
            }
            other => other,
        });
    }
    let rows: Vec<Row> = m
        .bytes
        .chunks(CHUNK)
        .enumerate()
        .map(|(i, bytes)| {
            let mut row = key(pk("chunk", &[&m.version]), (i as u32).to_be_bytes());
            row.insert("bytes".to_owned(), b(bytes));
            row
        })
        .collect();
    for row in rows {
        put_all(db, vec![row]).await?;
    }
    let ready = Update::builder()
        .table_name(&db.data)
        .set_key(Some(key(pk("model", &[]), m.version.as_str())))
        .update_expression("SET #s = :ready")
        .expression_attribute_names("#s", "state")
        .expression_attribute_values(":ready", s("ready"))
        .build()
        .map_err(build)?;
    let mut actions = vec![TransactWriteItem::builder().update(ready).build()];
    if make_current {
        actions.push(pointer_put(db, &m.version)?);
    }
    transact(db, actions)
        .await?
        .map_err(|r| StoreError::Conflict(format!("publish of {:?} cancelled: {r:?}", m.version)))
}

pub(super) async fn set_current(db: &Db, version: &str) -> Result<()> {
    if validate_id(version).is_err() {
        return Err(StoreError::NotFound(format!("model version {version:?}")));
    }
    let check = ConditionCheck::builder()
        .table_name(&db.data)
        .set_key(Some(key(pk("model", &[]), version)))
        .condition_expression("#s = :ready")
        .expression_attribute_names("#s", "state")
        .expression_attribute_values(":ready", s("ready"))
        .build()
        .map_err(build)?;
    let actions = vec![
        TransactWriteItem::builder().condition_check(check).build(),
        pointer_put(db, version)?,
    ];
    transact(db, actions)
        .await?
        .map_err(|_| StoreError::NotFound(format!("model version {version:?}")))
}

fn info(row: &Row, current: Option<&str>) -> std::result::Result<(u64, ModelInfo), String> {
    let version = sk_text(row)?;
    Ok((
        get_n(row, "published")?,
        ModelInfo {
            size: get_n(row, "size")?,
            metrics_json: get_s(row, "metrics")?,
            trained_at: get_n(row, "trained_at")?,
            current: current == Some(version.as_str()),
            version,
        },
    ))
}

async fn current_version(db: &Db) -> Result<Option<String>> {
    let row = get(db, pk("current", &[]), "model").await?;
    row.map(|r| get_s(&r, "version").map_err(|e| malformed("model_versions", 0, e)))
        .transpose()
}

/// One version by id, or the current one.
pub(super) async fn get_model(db: &Db, version: Option<&str>) -> Result<Option<ModelVersion>> {
    let version = match version {
        Some(v) if validate_id(v).is_ok() => v.to_owned(),
        Some(_) => return Ok(None),
        None => match current_version(db).await? {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    let Some(row) = get(db, pk("model", &[]), version.as_str()).await? else {
        return Ok(None);
    };
    if get_s(&row, "state").as_deref() != Ok("ready") {
        return Ok(None);
    }
    let (order, head) = info(&row, None).map_err(|e| malformed("model_versions", 0, e))?;
    let bad = |reason: String| malformed("model_versions", order as i64, reason);
    let mut bytes = Vec::with_capacity(head.size as usize);
    for chunk in query(db, pk("chunk", &[&version]), true, usize::MAX).await? {
        bytes.extend(get_b(&chunk, "bytes").map_err(bad)?);
    }
    if bytes.len() as u64 != head.size {
        return Err(bad(format!(
            "{} bytes stored, {} recorded",
            bytes.len(),
            head.size
        )));
    }
    Ok(Some(ModelVersion {
        version,
        bytes,
        metrics_json: head.metrics_json,
        trained_at: head.trained_at,
    }))
}

pub(super) async fn list(db: &Db) -> Result<Vec<ModelInfo>> {
    let current = current_version(db).await?;
    let mut out = Vec::new();
    for row in query(db, pk("model", &[]), true, usize::MAX).await? {
        if get_s(&row, "state").as_deref() != Ok("ready") {
            continue;
        }
        out.push(info(&row, current.as_deref()).map_err(|e| malformed("model_versions", 0, e))?);
    }
    out.sort_by_key(|(order, _)| *order);
    Ok(out.into_iter().map(|(_, m)| m).collect())
}

pub(super) async fn record_retrain(db: &Db, run: &RetrainRun) -> Result<i64> {
    if let Some(v) = &run.version {
        validate_id(v)?;
    }
    let id = next_id(db, "retrain").await?;
    let mut row = key(pk("retrain", &[]), id.to_be_bytes());
    for (name, value) in [
        ("started_at", n(run.started_at)),
        ("finished_at", n(run.finished_at)),
        ("outcome", s(run.outcome.as_str())),
        ("interactions", n(run.interactions)),
        ("detail", s(run.detail_json.as_str())),
    ] {
        row.insert(name.to_owned(), value);
    }
    if let Some(v) = &run.version {
        row.insert("version".to_owned(), s(v.as_str()));
    }
    put_all(db, vec![row]).await?;
    Ok(id as i64)
}

pub(super) async fn retrain_runs(db: &Db, limit: usize) -> Result<Vec<RetrainRun>> {
    let rows = query(db, pk("retrain", &[]), false, limit).await?;
    rows.iter()
        .map(|row| {
            let id = get_b(row, "sk")
                .ok()
                .and_then(|k| <[u8; 8]>::try_from(k.as_slice()).ok())
                .map_or(0, |k| u64::from_be_bytes(k) as i64);
            let decode = || -> std::result::Result<RetrainRun, String> {
                Ok(RetrainRun {
                    id,
                    started_at: get_n(row, "started_at")?,
                    finished_at: get_n(row, "finished_at")?,
                    outcome: get_s(row, "outcome")?,
                    version: row
                        .contains_key("version")
                        .then(|| get_s(row, "version"))
                        .transpose()?,
                    interactions: get_n(row, "interactions")?,
                    detail_json: get_s(row, "detail")?,
                })
            };
            decode().map_err(|e| malformed("retrain_runs", id, e))
        })
        .collect()
}
