//! The interaction log: a gapless sequence in bucketed partitions, appended by transactions
//! that move the head counter conditionally, read back in order up to the first gap.
//!
//! An append of up to [`GROUP`] new entries is one `TransactWriteItems`: the head counter
//! `SET n = H + k` on condition `n = H` (the value just read), the log rows `H+1..=H+k`, and
//! one idempotency record per entry on condition `attribute_not_exists(pk)`. Two appenders
//! that read the same head cannot both commit, so sequence numbers are gapless and become
//! visible in order; a loser re-reads the head and retries (bounded, with backoff). A reader
//! returns rows only up to the first missing number, so it never moves its cursor past a row
//! that is still being committed.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{KeysAndAttributes, Put, TransactWriteItem, Update};

use super::attrs::{get_n, get_s, key, n, pk, s, Row, ONE, PK, SK};
use super::errors::{backoff, build, sdk, transact, MAX_ATTEMPTS};
use super::Db;
use crate::error::{MalformedRow, Result, StoreError};
use crate::types::{stored_interaction, AppendReport, Cursor, LogEntry, LogPage, LogRecord};

/// Entries per transaction: 2 actions each plus the head update, under DynamoDB's 100.
const GROUP: usize = 49;

/// Sequence numbers per log partition (`pk = "b<seq / BUCKET>"`).
pub(crate) const BUCKET: u64 = 100_000;

/// The log table's partition key of a sequence number.
pub(crate) fn bucket(seq: u64) -> String {
    format!("b{}", seq / BUCKET)
}

fn head_key() -> Row {
    key(pk("log-head", &[]), ONE)
}

fn idem_key(k: &str) -> Row {
    key(pk("logkey", &[k]), ONE)
}

/// The last sequence number committed (0 when the log is empty).
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
                table: "log_head",
                row_id: 0,
                reason,
            })
        }),
    }
}

pub(super) async fn append(db: &Db, entries: &[LogEntry]) -> Result<AppendReport> {
    // The first entry of each key in the batch (with its position); later ones are duplicates.
    let mut seen = HashSet::new();
    let distinct: Vec<(usize, &LogEntry)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| seen.insert(e.key.as_str()))
        .collect();
    let mut new_indices = Vec::new();
    for group in distinct.chunks(GROUP) {
        new_indices.extend(append_group(db, group).await?);
    }
    Ok(AppendReport::of(entries.len(), new_indices))
}

/// Appends the entries of `group` whose keys are not stored yet; returns their positions.
async fn append_group(db: &Db, group: &[(usize, &LogEntry)]) -> Result<Vec<usize>> {
    for attempt in 0..MAX_ATTEMPTS {
        let stored = stored_keys(db, group.iter().map(|(_, e)| *e)).await?;
        let (positions, fresh): (Vec<usize>, Vec<&LogEntry>) = group
            .iter()
            .copied()
            .filter(|(_, e)| !stored.contains(&e.key))
            .unzip();
        if fresh.is_empty() {
            return Ok(positions);
        }
        let h = head(db).await?;
        match transact(db, append_actions(db, h, &fresh)?).await? {
            Ok(()) => return Ok(positions),
            // Actions: the head, then (log row, idempotency record) pairs. A log row that
            // exists although the head is below it is not contention: the head was moved
            // behind the store's back, and retrying cannot help.
            Err(reasons) if log_row_exists(&reasons) => {
                return Err(StoreError::Backend {
                    backend: "dynamodb",
                    message: format!(
                        "log rows after head {h} already exist: the head counter is behind the log"
                    ),
                })
            }
            // Another appender moved the head, or stored one of these keys: re-read both.
            Err(_) => backoff(attempt).await,
        }
    }
    Err(StoreError::Unavailable(format!(
        "log append still contended after {MAX_ATTEMPTS} attempts"
    )))
}

/// True when a log-row put (odd action index) failed its condition while the head's condition
/// held (under contention both fail: the other appender wrote those rows and moved the head).
fn log_row_exists(reasons: &[String]) -> bool {
    reasons.first().map(String::as_str) == Some("None")
        && reasons
            .iter()
            .enumerate()
            .any(|(i, r)| i % 2 == 1 && r == "ConditionalCheckFailed")
}

/// The transaction appending `fresh` after head `h`.
fn append_actions(db: &Db, h: u64, fresh: &[&LogEntry]) -> Result<Vec<TransactWriteItem>> {
    let new_head = h + fresh.len() as u64;
    let mut head_update = Update::builder()
        .table_name(&db.data)
        .set_key(Some(head_key()))
        .update_expression("SET n = :new")
        .expression_attribute_values(":new", n(new_head));
    head_update = if h == 0 {
        head_update.condition_expression("attribute_not_exists(n)")
    } else {
        head_update
            .condition_expression("n = :old")
            .expression_attribute_values(":old", n(h))
    };
    let mut actions = vec![TransactWriteItem::builder()
        .update(head_update.build().map_err(build)?)
        .build()];
    for (i, e) in fresh.iter().enumerate() {
        let seq = h + 1 + i as u64;
        let x = &e.interaction;
        let mut row = Row::from([
            (PK.to_owned(), s(bucket(seq))),
            (SK.to_owned(), n(seq)),
            ("k".to_owned(), s(e.key.as_str())),
            ("u".to_owned(), s(x.user_id.as_str())),
            ("i".to_owned(), s(x.item_id.as_str())),
            ("t".to_owned(), s(x.kind.as_str())),
            ("ts".to_owned(), n(x.timestamp)),
        ]);
        if let Some(rank) = x.rank {
            row.insert("r".to_owned(), n(rank));
        }
        let log_put = Put::builder()
            .table_name(&db.log)
            .set_item(Some(row))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build)?;
        let mut idem = idem_key(&e.key);
        idem.insert("seq".to_owned(), n(seq));
        let idem_put = Put::builder()
            .table_name(&db.data)
            .set_item(Some(idem))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build)?;
        actions.push(TransactWriteItem::builder().put(log_put).build());
        actions.push(TransactWriteItem::builder().put(idem_put).build());
    }
    Ok(actions)
}

/// The keys of `group` that have an idempotency record (strongly consistent batch get).
async fn stored_keys<'e>(
    db: &Db,
    group: impl Iterator<Item = &'e LogEntry>,
) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    let keys: Vec<Row> = group.map(|e| idem_key(&e.key)).collect();
    let mut request = Some(
        KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(build)?,
    );
    let mut attempt = 0;
    while let Some(req) = request.take() {
        let out = db
            .client
            .batch_get_item()
            .request_items(&db.data, req)
            .send()
            .await
            .map_err(sdk)?;
        for row in out
            .responses
            .and_then(|mut r| r.remove(&db.data))
            .unwrap_or_default()
        {
            // pk = "logkey" 0xFF key
            let key = super::attrs::get_b(&row, PK).ok();
            if let Some(k) = key.as_ref().and_then(|k| k.get("logkey".len() + 1..)) {
                found.insert(String::from_utf8_lossy(k).into_owned());
            }
        }
        request = out
            .unprocessed_keys
            .and_then(|mut u| u.remove(&db.data))
            .filter(|k| !k.keys.is_empty());
        if request.is_some() {
            if attempt >= MAX_ATTEMPTS {
                return Err(StoreError::Unavailable("batch get still throttled".into()));
            }
            backoff(attempt).await;
            attempt += 1;
        }
    }
    Ok(found)
}

pub(super) async fn read(db: &Db, after: Cursor, limit: usize) -> Result<LogPage> {
    let mut page = LogPage {
        next: after,
        ..LogPage::default()
    };
    let h = head(db).await?;
    if limit == 0 || h <= after.0 {
        return Ok(page);
    }
    let upto = h.min(after.0.saturating_add(limit as u64));
    let mut expected = after.0 + 1;
    'buckets: while expected <= upto {
        let last = upto.min((expected / BUCKET + 1) * BUCKET - 1);
        for row in query_range(db, &bucket(expected), expected, last).await? {
            let seq: u64 = get_n(&row, SK).unwrap_or(0);
            if seq != expected {
                // A row still being committed (or removed behind the store's back): stop
                // before it, so the cursor never passes a row that appears later.
                break 'buckets;
            }
            decode(&mut page, seq, &row);
            page.next = Cursor(seq);
            expected += 1;
        }
        if expected <= last {
            break;
        }
    }
    Ok(page)
}

/// Rows of partition `part` of the log table with `first <= seq <= last`, in order, strongly
/// consistent.
pub(super) async fn query_range(db: &Db, part: &str, first: u64, last: u64) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut start: Option<Row> = None;
    loop {
        let out = db
            .client
            .query()
            .table_name(&db.log)
            .key_condition_expression("pk = :pk AND sk BETWEEN :a AND :b")
            .expression_attribute_values(":pk", s(part))
            .expression_attribute_values(":a", n(first))
            .expression_attribute_values(":b", n(last))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk)?;
        rows.extend(out.items.unwrap_or_default());
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(rows);
        }
    }
}

fn decode(page: &mut LogPage, seq: u64, row: &Row) {
    let fields = || -> std::result::Result<LogRecord, String> {
        Ok(LogRecord {
            cursor: Cursor(seq),
            key: get_s(row, "k")?,
            interaction: stored_interaction(
                get_s(row, "u")?,
                get_s(row, "i")?,
                get_s(row, "t")?,
                get_n(row, "ts")?,
                row.contains_key("r").then(|| get_n(row, "r")).transpose()?,
            )?,
        })
    };
    match fields() {
        Ok(record) => page.records.push(record),
        Err(reason) => page.malformed.push(MalformedRow {
            table: "interactions",
            row_id: seq as i64,
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_log_row_ahead_of_the_head_is_not_contention() {
        let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cc = "ConditionalCheckFailed";
        assert!(super::log_row_exists(&r(&["None", cc, "None"])));
        assert!(!super::log_row_exists(&r(&[cc, cc, "None"])), "contention");
        assert!(
            !super::log_row_exists(&r(&["None", "None", cc])),
            "a duplicate key"
        );
    }

    #[test]
    fn buckets_split_the_sequence() {
        assert_eq!(super::bucket(1), "b0");
        assert_eq!(super::bucket(super::BUCKET - 1), "b0");
        assert_eq!(super::bucket(super::BUCKET), "b1");
    }
}
