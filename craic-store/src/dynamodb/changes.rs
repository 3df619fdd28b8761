//! The catalogue change feed: a second gapless sequence in the log table (partitions
//! `c<seq / BUCKET>`, attribute `doc`), with its own head counter (`chg-head` in the data
//! table), appended and read exactly like the interaction log (see `log.rs`).
//!
//! The events or preferences are written first, then their change rows: a reader that sees a
//! change row finds the state it describes stored. If the call fails in between, the state is
//! stored but not announced to replicas until the caller re-sends (as it must after an error).

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use super::attrs::{get_n, get_s, key, n, pk, s, Row, ONE, PK, SK};
use super::errors::{backoff, build, sdk, transact, MAX_ATTEMPTS};
use super::log::BUCKET;
use super::Db;
use crate::changes::ChangePage;
use crate::error::{MalformedRow, Result, StoreError};
use crate::types::Cursor;

/// Change rows per transaction (plus the head update, under DynamoDB's 100 actions).
const GROUP: usize = 99;

fn head_key() -> Row {
    key(pk("chg-head", &[]), ONE)
}

fn bucket(seq: u64) -> String {
    format!("c{}", seq / BUCKET)
}

/// The position of the last change (0 when none).
pub(super) async fn head(db: &Db) -> Result<u64> {
    let out = db
        .client
        .get_item()
        .table_name(&db.data)
        .set_key(Some(head_key()))
        .consistent_read(true)
        .send()
        .await
        .map_err(sdk)?;
    match out.item {
        None => Ok(0),
        Some(row) => get_n(&row, "n").map_err(|reason| {
            StoreError::MalformedRow(MalformedRow {
                table: "catalog_changes_head",
                row_id: 0,
                reason,
            })
        }),
    }
}

/// Appends change rows, in order.
pub(super) async fn record(db: &Db, changes: &[String]) -> Result<()> {
    for group in changes.chunks(GROUP) {
        record_group(db, group).await?;
    }
    Ok(())
}

async fn record_group(db: &Db, group: &[String]) -> Result<()> {
    for attempt in 0..MAX_ATTEMPTS {
        let h = head(db).await?;
        match transact(db, actions(db, h, group)?).await? {
            Ok(()) => return Ok(()),
            // Another writer moved the head: re-read it.
            Err(_) => backoff(attempt).await,
        }
    }
    Err(StoreError::Unavailable(format!(
        "change feed append still contended after {MAX_ATTEMPTS} attempts"
    )))
}

fn actions(db: &Db, h: u64, group: &[String]) -> Result<Vec<TransactWriteItem>> {
    let mut head_update = Update::builder()
        .table_name(&db.data)
        .set_key(Some(head_key()))
        .update_expression("SET n = :new")
        .expression_attribute_values(":new", n(h + group.len() as u64));
    head_update = if h == 0 {
        head_update.condition_expression("attribute_not_exists(n)")
    } else {
        head_update
            .condition_expression("n = :old")
            .expression_attribute_values(":old", n(h))
    };
    let mut out = vec![TransactWriteItem::builder()
        .update(head_update.build().map_err(build)?)
        .build()];
    for (i, doc) in group.iter().enumerate() {
        let seq = h + 1 + i as u64;
        let row = Row::from([
            (PK.to_owned(), s(bucket(seq))),
            (SK.to_owned(), n(seq)),
            ("doc".to_owned(), s(doc.as_str())),
        ]);
        let put = Put::builder()
            .table_name(&db.log)
            .set_item(Some(row))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build)?;
        out.push(TransactWriteItem::builder().put(put).build());
    }
    Ok(out)
}

/// Up to `limit` changes after `after`, up to the first position not committed yet.
pub(super) async fn read(db: &Db, after: Cursor, limit: usize) -> Result<ChangePage> {
    let mut page = ChangePage {
        next: after,
        ..ChangePage::default()
    };
    let h = head(db).await?;
    if limit == 0 || h <= after.0 {
        return Ok(page);
    }
    let upto = h.min(after.0.saturating_add(limit as u64));
    let mut expected = after.0 + 1;
    'buckets: while expected <= upto {
        let last = upto.min((expected / BUCKET + 1) * BUCKET - 1);
        let rows = super::log::query_range(db, &bucket(expected), expected, last).await?;
        for row in rows {
            let seq: u64 = get_n(&row, SK).unwrap_or(0);
            if seq != expected {
                break 'buckets;
            }
            page.push(seq, get_s(&row, "doc"));
            expected += 1;
        }
        if expected <= last {
            break;
        }
    }
    Ok(page)
}
