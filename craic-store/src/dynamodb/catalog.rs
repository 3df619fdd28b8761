//! Events (partition `event`, sort key the event id) and users' stated preferences (partition
//! `prefs`, sort key the user id), each item's value a JSON document in attribute `doc`. A
//! removed event carries `removed = 1`; upserting it again (a whole put) drops the attribute.

use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use craic_core::{validate_id, Item, Preferences};

use super::attrs::{get, get_s, key, n, pk, put_all, query, s, sk_text, write_batch, Row};
use super::errors::{build, sdk};
use super::Db;
use crate::changes::Change;
use crate::error::{Result, StoreError};

fn doc_row(pk: Vec<u8>, sk: &str, doc: String) -> Row {
    let mut row = key(pk, sk);
    row.insert("doc".to_owned(), s(doc));
    row
}

fn json_error(e: serde_json::Error) -> StoreError {
    StoreError::InvalidInput(e.to_string())
}

pub(super) async fn upsert_items(db: &Db, items: &[Item]) -> Result<()> {
    for item in items {
        item.validate()?;
    }
    let rows = items
        .iter()
        .map(|i| {
            Ok(doc_row(
                pk("event", &[]),
                &i.id,
                serde_json::to_string(i).map_err(json_error)?,
            ))
        })
        .collect::<Result<Vec<Row>>>()?;
    put_all(db, rows).await?;
    super::changes::record(db, &Change::items(items)).await
}

/// Marks events removed (all stored, else `NotFound` and nothing changes), then announces them
/// (two steps, as `upsert_items`); returns how many were live.
pub(super) async fn remove_items(db: &Db, ids: &[String]) -> Result<usize> {
    for id in ids {
        validate_id(id)?;
    }
    for id in ids {
        if get(db, pk("event", &[]), id.as_str()).await?.is_none() {
            return Err(StoreError::NotFound(format!("event {id:?}")));
        }
    }
    let mut removed = 0;
    for id in ids {
        let out = db
            .client
            .update_item()
            .table_name(&db.data)
            .set_key(Some(key(pk("event", &[]), id.as_str())))
            .update_expression("SET removed = :one")
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedOld)
            .send()
            .await
            .map_err(sdk)?;
        if !out.attributes.unwrap_or_default().contains_key("removed") {
            removed += 1;
        }
    }
    super::changes::record(db, &Change::removed(ids)).await?;
    Ok(removed)
}

/// The removed events' ids, in id order.
pub(super) async fn removed_items(db: &Db) -> Result<Vec<String>> {
    let rows = query(db, pk("event", &[]), true, usize::MAX).await?;
    rows.iter()
        .filter(|row| row.contains_key("removed"))
        .map(|row| sk_text(row).map_err(|r| super::attrs::malformed("events", 0, r)))
        .collect()
}

fn decode_item(row: &Row) -> Result<Item> {
    let id = sk_text(row).map_err(|r| super::attrs::malformed("events", 0, r))?;
    let doc = get_s(row, "doc").map_err(|r| super::attrs::malformed("events", 0, r))?;
    serde_json::from_str(&doc)
        .map_err(|e| super::attrs::malformed("events", 0, format!("event {id:?}: {e}")))
}

pub(super) async fn items(db: &Db) -> Result<Vec<Item>> {
    let rows = query(db, pk("event", &[]), true, usize::MAX).await?;
    rows.iter().map(decode_item).collect()
}

pub(super) async fn item(db: &Db, id: &str) -> Result<Option<Item>> {
    if id.is_empty() {
        return Ok(None);
    }
    get(db, pk("event", &[]), id)
        .await?
        .as_ref()
        .map(decode_item)
        .transpose()
}

pub(super) async fn set_preferences(db: &Db, prefs: &[(String, Preferences)]) -> Result<()> {
    for (user, p) in prefs {
        validate_id(user)?;
        crate::types::check_preferences(p)?;
    }
    // Puts and deletes in input order; a later entry for the same user wins.
    let mut puts = Vec::new();
    for (user, p) in prefs {
        let empty = p.genres.is_empty() && p.artists.is_empty() && p.cities.is_empty();
        if empty {
            put_all(db, std::mem::take(&mut puts)).await?;
            let delete = DeleteRequest::builder()
                .set_key(Some(key(pk("prefs", &[]), user.as_str())))
                .build()
                .map_err(build)?;
            write_batch(
                db,
                vec![WriteRequest::builder().delete_request(delete).build()],
            )
            .await?;
        } else {
            puts.push(doc_row(
                pk("prefs", &[]),
                user,
                serde_json::to_string(p).map_err(json_error)?,
            ));
        }
    }
    put_all(db, puts).await?;
    super::changes::record(db, &Change::preferences(prefs)).await
}

pub(super) async fn preferences(db: &Db) -> Result<Vec<(String, Preferences)>> {
    let rows = query(db, pk("prefs", &[]), true, usize::MAX).await?;
    rows.iter()
        .map(|row| {
            let bad = |r: String| super::attrs::malformed("preferences", 0, r);
            let user = sk_text(row).map_err(bad)?;
            let doc = get_s(row, "doc").map_err(bad)?;
            let p = serde_json::from_str(&doc).map_err(|e| bad(format!("user {user:?}: {e}")))?;
            Ok((user, p))
        })
        .collect()
}
