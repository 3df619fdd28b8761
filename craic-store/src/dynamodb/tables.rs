//! Creating the two tables on open (idempotent: existing tables are kept, a concurrent
//! creator is tolerated), then waiting until both are `ACTIVE`.

use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
};

use super::attrs::{PK, SK};
use super::errors::{backoff, build, sdk};
use super::Db;
use crate::error::{Result, StoreError};

/// Polls of a table being created before giving up (~1 minute).
const WAIT_POLLS: u32 = 150;

/// Creates `<prefix>_log` (pk S, sk N) and `<prefix>_data` (pk B, sk B) if missing.
pub(super) async fn ensure(db: &Db) -> Result<()> {
    ensure_table(db, &db.log, ScalarAttributeType::S, ScalarAttributeType::N).await?;
    ensure_table(db, &db.data, ScalarAttributeType::B, ScalarAttributeType::B).await
}

async fn ensure_table(
    db: &Db,
    name: &str,
    pk_type: ScalarAttributeType,
    sk_type: ScalarAttributeType,
) -> Result<()> {
    if status(db, name).await?.is_none() {
        let created = db
            .client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr(PK, pk_type)?)
            .attribute_definitions(attr(SK, sk_type)?)
            .key_schema(key_elem(PK, KeyType::Hash)?)
            .key_schema(key_elem(SK, KeyType::Range)?)
            .send()
            .await;
        match created {
            Ok(_) => {}
            // Another opener created it first.
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(CreateTableError::ResourceInUseException(_))
                ) => {}
            Err(e) => return Err(sdk(e)),
        }
    }
    for attempt in 0..WAIT_POLLS {
        if status(db, name).await? == Some(TableStatus::Active) {
            return Ok(());
        }
        backoff(attempt.min(6)).await;
    }
    Err(StoreError::Unavailable(format!(
        "table {name} did not become ACTIVE"
    )))
}

/// The table's status, `None` when it does not exist.
async fn status(db: &Db, name: &str) -> Result<Option<TableStatus>> {
    match db.client.describe_table().table_name(name).send().await {
        Ok(out) => Ok(out.table.and_then(|t| t.table_status)),
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(DescribeTableError::ResourceNotFoundException(_))
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk(e)),
    }
}

fn attr(name: &str, t: ScalarAttributeType) -> Result<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(t)
        .build()
        .map_err(build)
}

fn key_elem(name: &str, t: KeyType) -> Result<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(t)
        .build()
        .map_err(build)
}
