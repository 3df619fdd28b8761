//! The DynamoDB backend (feature `dynamodb`), on aws-sdk-dynamodb.
//!
//! Two tables per store, created on open when missing (see `tables.rs` and docs/storage.md):
//! `<prefix>_log` holds the interaction log in bucketed partitions ordered by a gapless
//! sequence number; `<prefix>_data` holds everything else (idempotency records, catalogue,
//! preferences, experiments, counters, the model registry and its chunks, retrain runs) under
//! binary keys. Writes that must happen together use `TransactWriteItems`.

mod attrs;
mod catalog;
mod changes;
mod errors;
mod experiment_events;
mod experiments;
mod log;
mod models;
mod tables;

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::Client;
use craic_core::{Item, Preferences};

use crate::changes::ChangePage;
use crate::error::{Result, StoreError};
use crate::store::{Store, StoreFuture};
use crate::types::{
    AppendReport, Assignment, CheckedItems, Cursor, ExperimentEvent, ExperimentEvents,
    ExperimentRecord, LogEntry, LogPage, ModelInfo, ModelVersion, RetrainRun, VariantCounts,
};

/// A store in two DynamoDB tables, `<prefix>_log` and `<prefix>_data`. Open it with
/// [`DynamoStore::open`] or [`crate::open`].
#[derive(Debug, Clone)]
pub struct DynamoStore {
    db: Db,
}

/// The client and the two table names.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pub(crate) client: Client,
    pub(crate) log: String,
    pub(crate) data: String,
}

/// `dynamodb://table-prefix?endpoint=...&region=...`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    prefix: String,
    endpoint: Option<String>,
    region: Option<String>,
}

fn parse_url(url: &str) -> Result<Url> {
    let rest = url
        .strip_prefix("dynamodb://")
        .ok_or_else(|| StoreError::invalid_url(url, "expected dynamodb://table-prefix"))?;
    let (prefix, query) = rest.split_once('?').unwrap_or((rest, ""));
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if prefix.is_empty() || prefix.len() > 200 || !prefix.chars().all(ok_char) {
        return Err(StoreError::invalid_url(
            url,
            "the table prefix must be 1..=200 characters of [A-Za-z0-9_.-]",
        ));
    }
    let mut out = Url {
        prefix: prefix.to_owned(),
        endpoint: None,
        region: None,
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value).ok_or_else(|| {
            StoreError::invalid_url(url, format!("bad percent-encoding in {name}"))
        })?;
        match name {
            "endpoint" if !value.is_empty() => out.endpoint = Some(value),
            "region" if !value.is_empty() => out.region = Some(value),
            _ => {
                return Err(StoreError::invalid_url(
                    url,
                    format!("unknown or empty parameter {name:?} (expected endpoint, region)"),
                ))
            }
        }
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl DynamoStore {
    /// Connects to `dynamodb://table-prefix?endpoint=...&region=...` with credentials from the
    /// standard AWS chain (environment, profile, web identity, container or instance metadata)
    /// and creates the two tables if they are missing. `endpoint` (e.g. DynamoDB Local's
    /// `http://127.0.0.1:8000`) and `region` are optional when the chain provides them.
    /// `Unavailable` if the endpoint cannot be reached.
    pub async fn open(url: &str) -> Result<DynamoStore> {
        DynamoStore::connect(url, None).await
    }

    /// Like [`DynamoStore::open`], with fixed credentials instead of the chain: for DynamoDB
    /// Local and tests (any non-empty key works there).
    pub async fn open_with_static_credentials(
        url: &str,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<DynamoStore> {
        let creds = Credentials::new(access_key_id, secret_access_key, None, None, "craic-static");
        DynamoStore::connect(url, Some(creds)).await
    }

    async fn connect(url: &str, creds: Option<Credentials>) -> Result<DynamoStore> {
        let parsed = parse_url(url)?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(std::time::Duration::from_secs(3))
                    .operation_attempt_timeout(std::time::Duration::from_secs(30))
                    .build(),
            )
            // Throttling and transient errors: retried by the SDK with exponential backoff.
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5));
        if let Some(region) = &parsed.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint) = &parsed.endpoint {
            loader = loader.endpoint_url(endpoint.clone());
        }
        if let Some(creds) = creds {
            loader = loader.credentials_provider(creds);
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(StoreError::invalid_url(
                url,
                "no region: add ?region=... or set AWS_REGION",
            ));
        }
        let db = Db {
            client: Client::new(&config),
            log: format!("{}_log", parsed.prefix),
            data: format!("{}_data", parsed.prefix),
        };
        tables::ensure(&db).await?;
        Ok(DynamoStore { db })
    }

    /// The two table names: (log, data).
    pub fn table_names(&self) -> (&str, &str) {
        (&self.db.log, &self.db.data)
    }
}

impl Store for DynamoStore {
    fn backend(&self) -> &'static str {
        "dynamodb"
    }

    fn upsert_items<'a>(&'a self, items: &'a [Item]) -> StoreFuture<'a, ()> {
        Box::pin(catalog::upsert_items(&self.db, items))
    }

    fn remove_items<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, usize> {
        Box::pin(catalog::remove_items(&self.db, ids))
    }

    fn removed_items(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(catalog::removed_items(&self.db))
    }

    fn items(&self) -> StoreFuture<'_, Vec<Item>> {
        Box::pin(catalog::items(&self.db))
    }

    /// DynamoDB has no row ids: a malformed event's `row_id` is its 1-based position in the
    /// catalogue (id order).
    fn checked_items(&self) -> StoreFuture<'_, CheckedItems> {
        Box::pin(async move {
            let items = catalog::items(&self.db).await?;
            Ok(CheckedItems::split(
                (1i64..).zip(items).collect::<Vec<(i64, Item)>>(),
            ))
        })
    }

    fn item<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Item>> {
        Box::pin(catalog::item(&self.db, id))
    }

    fn set_preferences<'a>(
        &'a self,
        preferences: &'a [(String, Preferences)],
    ) -> StoreFuture<'a, ()> {
        Box::pin(catalog::set_preferences(&self.db, preferences))
    }

    fn preferences(&self) -> StoreFuture<'_, Vec<(String, Preferences)>> {
        Box::pin(catalog::preferences(&self.db))
    }

    fn append<'a>(&'a self, entries: &'a [LogEntry]) -> StoreFuture<'a, AppendReport> {
        Box::pin(async move {
            for e in entries {
                e.validate()?;
            }
            log::append(&self.db, entries).await
        })
    }

    fn read_log(&self, after: Cursor, limit: usize) -> StoreFuture<'_, LogPage> {
        Box::pin(log::read(&self.db, after, limit))
    }

    fn log_head(&self) -> StoreFuture<'_, Cursor> {
        Box::pin(async move { Ok(Cursor(log::head(&self.db).await?)) })
    }

    fn read_changes(&self, after: Cursor, limit: usize) -> StoreFuture<'_, ChangePage> {
        Box::pin(changes::read(&self.db, after, limit))
    }

    fn changes_head(&self) -> StoreFuture<'_, Cursor> {
        Box::pin(async move { Ok(Cursor(changes::head(&self.db).await?)) })
    }

    fn put_experiment<'a>(&'a self, experiment: &'a ExperimentRecord) -> StoreFuture<'a, ()> {
        Box::pin(experiments::put(&self.db, experiment))
    }

    fn experiments(&self) -> StoreFuture<'_, Vec<ExperimentRecord>> {
        Box::pin(experiments::all(&self.db))
    }

    fn assign<'a>(
        &'a self,
        experiment: &'a str,
        user: &'a str,
        variant: &'a str,
    ) -> StoreFuture<'a, Assignment> {
        Box::pin(experiments::assign(&self.db, experiment, user, variant))
    }

    fn assignment<'a>(
        &'a self,
        experiment: &'a str,
        user: &'a str,
    ) -> StoreFuture<'a, Option<String>> {
        Box::pin(experiments::assignment(&self.db, experiment, user))
    }

    fn record_exposure<'a>(&'a self, event: &'a ExperimentEvent) -> StoreFuture<'a, bool> {
        Box::pin(experiments::record(&self.db, false, event))
    }

    fn record_conversion<'a>(&'a self, event: &'a ExperimentEvent) -> StoreFuture<'a, bool> {
        Box::pin(experiments::record(&self.db, true, event))
    }

    fn experiment_events<'a>(&'a self, experiment: &'a str) -> StoreFuture<'a, ExperimentEvents> {
        Box::pin(experiment_events::events(&self.db, experiment))
    }

    fn experiment_counts<'a>(&'a self, experiment: &'a str) -> StoreFuture<'a, Vec<VariantCounts>> {
        Box::pin(experiments::counts(&self.db, experiment))
    }

    fn publish_model<'a>(
        &'a self,
        model: &'a ModelVersion,
        make_current: bool,
    ) -> StoreFuture<'a, ()> {
        Box::pin(models::publish(&self.db, model, make_current))
    }

    fn set_current_model<'a>(&'a self, version: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(models::set_current(&self.db, version))
    }

    fn model<'a>(&'a self, version: &'a str) -> StoreFuture<'a, Option<ModelVersion>> {
        Box::pin(models::get_model(&self.db, Some(version)))
    }

    fn current_model(&self) -> StoreFuture<'_, Option<ModelVersion>> {
        Box::pin(models::get_model(&self.db, None))
    }

    fn models(&self) -> StoreFuture<'_, Vec<ModelInfo>> {
        Box::pin(models::list(&self.db))
    }

    fn record_retrain<'a>(&'a self, run: &'a RetrainRun) -> StoreFuture<'a, i64> {
        Box::pin(models::record_retrain(&self.db, run))
    }

    fn retrain_runs(&self, limit: usize) -> StoreFuture<'_, Vec<RetrainRun>> {
        Box::pin(models::retrain_runs(&self.db, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse() {
        let u = parse_url("dynamodb://craic-prod?endpoint=http://127.0.0.1:8000&region=eu-west-1")
            .unwrap();
        assert_eq!(
            u,
            Url {
                prefix: "craic-prod".into(),
                endpoint: Some("http://127.0.0.1:8000".into()),
                region: Some("eu-west-1".into()),
            }
        );
        let u = parse_url("dynamodb://p?endpoint=http%3A%2F%2Fh%3A1").unwrap();
        assert_eq!(u.endpoint.as_deref(), Some("http://h:1"));
        assert_eq!(parse_url("dynamodb://p").unwrap().region, None);
        for bad in [
            "dynamodb://",
            "dynamodb://a b",
            "dynamodb://p?nope=1",
            "dynamodb://p?region=",
            "dynamodb://p?endpoint=%zz",
            "dynamo://p",
        ] {
            let err = parse_url(bad).unwrap_err();
            assert_eq!(err.kind(), crate::StoreErrorKind::InvalidUrl, "{bad}");
        }
    }
}
