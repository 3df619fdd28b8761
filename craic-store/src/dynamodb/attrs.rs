//! Keys of the data table, attribute encoding and decoding, and the read/write helpers every
//! module uses (consistent gets, paginated queries, batched writes with unprocessed retries).

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use super::errors::{backoff, build, sdk, MAX_ATTEMPTS};
use super::Db;
use crate::error::{Result, StoreError};

/// An item as the SDK sees it.
pub(super) type Row = HashMap<String, AttributeValue>;

/// Partition key attribute of both tables.
pub(super) const PK: &str = "pk";
/// Sort key attribute of both tables.
pub(super) const SK: &str = "sk";

/// Separator inside binary keys: the byte 0xFF never occurs in UTF-8, so `kind 0xFF scope`
/// is unambiguous for any strings.
pub(super) const SEP: u8 = 0xFF;

/// A data-table partition key `kind` or `kind 0xFF scope...`.
pub(super) fn pk(kind: &str, scope: &[&str]) -> Vec<u8> {
    let mut k = kind.as_bytes().to_vec();
    for s in scope {
        k.push(SEP);
        k.extend_from_slice(s.as_bytes());
    }
    k
}

/// The sort key of singleton items (keys must be non-empty).
pub(super) const ONE: &[u8] = b"-";

pub(super) fn b(bytes: impl Into<Vec<u8>>) -> AttributeValue {
    AttributeValue::B(Blob::new(bytes))
}

pub(super) fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

pub(super) fn n(number: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

pub(super) fn list(items: &[String]) -> AttributeValue {
    AttributeValue::L(items.iter().map(|x| s(x.as_str())).collect())
}

/// The key map `{pk, sk}` of a data-table item.
pub(super) fn key(pk: Vec<u8>, sk: impl Into<Vec<u8>>) -> Row {
    HashMap::from([(PK.to_owned(), b(pk)), (SK.to_owned(), b(sk))])
}

/// Decoding errors name the attribute; callers turn them into `MalformedRow`s.
pub(super) fn get_s(row: &Row, name: &str) -> std::result::Result<String, String> {
    match row.get(name) {
        Some(AttributeValue::S(v)) => Ok(v.clone()),
        other => Err(format!(
            "attribute {name}: expected a string, got {other:?}"
        )),
    }
}

pub(super) fn get_n<T: std::str::FromStr>(row: &Row, name: &str) -> std::result::Result<T, String> {
    match row.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| format!("attribute {name}: number {v:?} out of range")),
        other => Err(format!(
            "attribute {name}: expected a number, got {other:?}"
        )),
    }
}

pub(super) fn get_b(row: &Row, name: &str) -> std::result::Result<Vec<u8>, String> {
    match row.get(name) {
        Some(AttributeValue::B(v)) => Ok(v.clone().into_inner()),
        other => Err(format!("attribute {name}: expected bytes, got {other:?}")),
    }
}

pub(super) fn get_list(row: &Row, name: &str) -> std::result::Result<Vec<String>, String> {
    match row.get(name) {
        Some(AttributeValue::L(v)) => v
            .iter()
            .map(|x| match x {
                AttributeValue::S(t) => Ok(t.clone()),
                other => Err(format!("attribute {name}: list of {other:?}")),
            })
            .collect(),
        other => Err(format!("attribute {name}: expected a list, got {other:?}")),
    }
}

/// The sort key of a data-table row, as UTF-8 text.
pub(super) fn sk_text(row: &Row) -> std::result::Result<String, String> {
    String::from_utf8(get_b(row, SK)?).map_err(|e| format!("sort key not UTF-8: {e}"))
}

/// A row that cannot be decoded, as an error naming its table and id.
pub(super) fn malformed(table: &'static str, row_id: i64, reason: String) -> StoreError {
    StoreError::MalformedRow(crate::error::MalformedRow {
        table,
        row_id,
        reason,
    })
}

/// One data-table item by key, strongly consistent.
pub(super) async fn get(db: &Db, pk: Vec<u8>, sk: impl Into<Vec<u8>>) -> Result<Option<Row>> {
    let out = db
        .client
        .get_item()
        .table_name(&db.data)
        .set_key(Some(key(pk, sk)))
        .consistent_read(true)
        .send()
        .await
        .map_err(sdk)?;
    Ok(out.item)
}

/// Every data-table item of a partition in sort-key order (or reversed), strongly
/// consistent, up to `limit` items.
pub(super) async fn query(db: &Db, pk: Vec<u8>, forward: bool, limit: usize) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut start: Option<Row> = None;
    if limit == 0 {
        return Ok(rows);
    }
    loop {
        let out = db
            .client
            .query()
            .table_name(&db.data)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", b(pk.clone()))
            .consistent_read(true)
            .scan_index_forward(forward)
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit - rows.len()).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(sdk)?;
        rows.extend(out.items.unwrap_or_default());
        start = out.last_evaluated_key;
        if start.is_none() || rows.len() >= limit {
            return Ok(rows);
        }
    }
}

/// Allocates the next number of a counter (`pk seq, sk name`): 1, 2, 3, ...
pub(super) async fn next_id(db: &Db, name: &str) -> Result<u64> {
    let out = db
        .client
        .update_item()
        .table_name(&db.data)
        .set_key(Some(key(pk("seq", &[]), name)))
        .update_expression("ADD n :one")
        .expression_attribute_values(":one", n(1))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
        .send()
        .await
        .map_err(sdk)?;
    let row = out.attributes.unwrap_or_default();
    get_n(&row, "n").map_err(|reason| malformed("counters", 0, reason))
}

/// Writes (puts) data-table items with `BatchWriteItem`, 25 per request, retrying unprocessed
/// items with backoff. Not atomic across requests; a later put of the same key wins.
pub(super) async fn put_all(db: &Db, rows: Vec<Row>) -> Result<()> {
    let mut batch: Vec<WriteRequest> = Vec::new();
    let mut keys: HashSet<(Vec<u8>, Vec<u8>)> = HashSet::new();
    for row in rows {
        let k = (
            get_b(&row, PK).unwrap_or_default(),
            get_b(&row, SK).unwrap_or_default(),
        );
        // A request may not name a key twice: flush before a repeated key.
        if batch.len() == 25 || keys.contains(&k) {
            write_batch(db, std::mem::take(&mut batch)).await?;
            keys.clear();
        }
        keys.insert(k);
        let put = PutRequest::builder()
            .set_item(Some(row))
            .build()
            .map_err(build)?;
        batch.push(WriteRequest::builder().put_request(put).build());
    }
    if !batch.is_empty() {
        write_batch(db, batch).await?;
    }
    Ok(())
}

/// One `BatchWriteItem` of the data table (deletes or puts), unprocessed items retried.
pub(super) async fn write_batch(db: &Db, mut batch: Vec<WriteRequest>) -> Result<()> {
    for attempt in 0..MAX_ATTEMPTS {
        let out = db
            .client
            .batch_write_item()
            .request_items(&db.data, batch)
            .send()
            .await
            .map_err(sdk)?;
        match out
            .unprocessed_items
            .and_then(|mut m| m.remove(&db.data))
            .filter(|left| !left.is_empty())
        {
            None => return Ok(()),
            Some(left) => {
                batch = left;
                backoff(attempt).await;
            }
        }
    }
    Err(StoreError::Unavailable(format!(
        "batch write still throttled after {MAX_ATTEMPTS} attempts"
    )))
}
