//! Listing an experiment's exposures and conversions (what a restarted service replays).
//!
//! Each event is its own idempotency item (partition `exposure·<experiment>·<key>` or
//! `conversion·…`, see `experiments.rs`), so listing them is a filtered scan of the data table
//! by partition-key prefix: correct, but it reads the whole table — fine for a restart, not for
//! a request path. DynamoDB keeps no insertion order: events come back in time order (`at`),
//! ties by key.

use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::{b, get_b, get_n, get_s, malformed, pk, Row, PK, SEP};
use super::errors::sdk;
use super::experiments::require;
use super::Db;
use crate::error::Result;
use crate::types::{ExperimentEvent, ExperimentEvents};

/// Every exposure and conversion of `experiment` (`NotFound` if it does not exist).
pub(super) async fn events(db: &Db, experiment: &str) -> Result<ExperimentEvents> {
    require(db, experiment, None).await?;
    Ok(ExperimentEvents {
        exposures: scan(db, "exposure", experiment).await?,
        conversions: scan(db, "conversion", experiment).await?,
    })
}

async fn scan(db: &Db, kind: &str, experiment: &str) -> Result<Vec<ExperimentEvent>> {
    let mut prefix = pk(kind, &[experiment]);
    prefix.push(SEP);
    let mut events = Vec::new();
    let mut start = None;
    loop {
        let out = db
            .client
            .scan()
            .table_name(&db.data)
            .filter_expression("begins_with(#pk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":prefix", b(prefix.clone()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk)?;
        for row in out.items.unwrap_or_default() {
            events.push(decode(&row, experiment, prefix.len())?);
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    events.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key)));
    Ok(events)
}

fn decode(row: &Row, experiment: &str, prefix_len: usize) -> Result<ExperimentEvent> {
    let bad = |r: String| malformed("experiment_events", 0, r);
    let key_bytes = get_b(row, PK).map_err(bad)?;
    let key = String::from_utf8(key_bytes[prefix_len.min(key_bytes.len())..].to_vec())
        .map_err(|e| bad(format!("event key is not UTF-8: {e}")))?;
    let value = match row.get("value") {
        Some(AttributeValue::N(_)) => get_n(row, "value").map_err(bad)?,
        _ => 1.0,
    };
    Ok(ExperimentEvent {
        experiment: experiment.to_owned(),
        user: get_s(row, "user").map_err(bad)?,
        variant: get_s(row, "variant").map_err(bad)?,
        key,
        at: get_n(row, "at").map_err(bad)?,
        value,
    })
}
