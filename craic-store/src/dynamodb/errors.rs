//! Mapping SDK errors to the store's kinds, bounded retries with backoff, and transactions
//! whose cancellations are retried (contention) or reported with their reasons.

use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use super::Db;
use crate::error::{Result, StoreError};

/// Attempts of a transaction cancelled by contention (conflicting transactions, throttling,
/// another writer moving the log head) before it is reported as `Unavailable`.
pub(super) const MAX_ATTEMPTS: u32 = 40;

/// Error codes after which retrying later may succeed: reported as `Unavailable` (the SDK has
/// already retried them with backoff).
const UNAVAILABLE: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
    "TransactionInProgressException",
    "LimitExceededException",
];

/// The store's kind for a DynamoDB error code.
pub(super) fn classify(code: Option<&str>, message: String) -> StoreError {
    match code {
        Some(c) if UNAVAILABLE.contains(&c) => StoreError::Unavailable(message),
        Some("ConditionalCheckFailedException" | "TransactionCanceledException") => {
            StoreError::Conflict(message)
        }
        Some("ValidationException" | "ItemCollectionSizeLimitExceededException") => {
            StoreError::InvalidInput(message)
        }
        _ => StoreError::Backend {
            backend: "dynamodb",
            message,
        },
    }
}

/// Maps any SDK error: transport failures (refused, timed out, unreadable response) are
/// `Unavailable`; service errors by their code.
pub(crate) fn sdk<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let SdkError::ServiceError(s) = &e {
        let (code, text) = (s.err().code(), s.err().message().unwrap_or_default());
        return classify(code, format!("{}: {text}", code.unwrap_or("unknown error")));
    }
    let message = DisplayErrorContext(&e).to_string();
    // Resolving credentials fails inside the dispatch too: a configuration problem, not an
    // outage (the SDK's error names it only in its text).
    if let SdkError::DispatchFailure(d) = &e {
        if d.is_other() && message.contains("loading credentials") {
            return StoreError::Backend {
                backend: "dynamodb",
                message: format!("no usable AWS credentials: {message}"),
            };
        }
    }
    match &e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(message)
        }
        _ => StoreError::Backend {
            backend: "dynamodb",
            message,
        },
    }
}

/// A request that could not be built (a bug: required fields are always set).
pub(super) fn build(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend {
        backend: "dynamodb",
        message: format!("request not built: {e}"),
    }
}

/// Sleeps before retry `attempt` (0-based): exponential from 5 ms, capped at 500 ms, jittered.
pub(super) async fn backoff(attempt: u32) {
    let base = 5u64 << attempt.min(7);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    let ms = base.min(500) / 2 + nanos % (base.min(500) / 2 + 1);
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Why a transaction was cancelled: one code per action, `"None"` for the ones that did not
/// fail (`"ConditionalCheckFailed"`, `"TransactionConflict"`, ...).
pub(super) type Reasons = Vec<String>;

const RETRYABLE_REASONS: &[&str] = &[
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
];

/// Runs a transaction. Cancellations caused only by contention or throttling are retried
/// (bounded, with backoff); a cancellation with a failed condition is returned as
/// `Ok(Err(reasons))` for the caller to interpret; anything else is an error.
pub(super) async fn transact(
    db: &Db,
    items: Vec<TransactWriteItem>,
) -> Result<std::result::Result<(), Reasons>> {
    for attempt in 0..MAX_ATTEMPTS {
        let sent = db
            .client
            .transact_write_items()
            .set_transact_items(Some(items.clone()))
            .send()
            .await;
        let err = match sent {
            Ok(_) => return Ok(Ok(())),
            Err(e) => e,
        };
        let reasons = match err.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(t)) => {
                let mut r: Reasons = t
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or("None").to_owned())
                    .collect();
                if r.is_empty() {
                    r = reasons_from_message(t.message().unwrap_or_default());
                }
                r
            }
            // Throttling and transport errors were already retried by the SDK: `Unavailable`.
            _ => return Err(sdk(err)),
        };
        if reasons.iter().any(|r| r == "ConditionalCheckFailed") {
            return Ok(Err(reasons));
        }
        if reasons.iter().any(|r| r == "ValidationError") {
            return Err(StoreError::InvalidInput(format!(
                "transaction rejected: {reasons:?}"
            )));
        }
        if !reasons
            .iter()
            .all(|r| r == "None" || RETRYABLE_REASONS.contains(&r.as_str()))
        {
            return Err(StoreError::Backend {
                backend: "dynamodb",
                message: format!("transaction cancelled: {reasons:?}"),
            });
        }
        backoff(attempt).await;
    }
    Err(StoreError::Unavailable(format!(
        "transaction still contended or throttled after {MAX_ATTEMPTS} attempts"
    )))
}

/// `"Transaction cancelled, please refer cancellation reasons for specific reasons
/// [ConditionalCheckFailed, None]"`: the reasons, for servers that only put them in the text.
pub(super) fn reasons_from_message(message: &str) -> Reasons {
    let Some(start) = message.rfind('[') else {
        return Vec::new();
    };
    let end = message[start..]
        .find(']')
        .map_or(message.len(), |e| start + e);
    message[start + 1..end]
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreErrorKind as K;

    #[test]
    fn codes_map_to_kinds() {
        let kind = |c: &str| classify(Some(c), c.into()).kind();
        assert_eq!(
            kind("ProvisionedThroughputExceededException"),
            K::Unavailable
        );
        assert_eq!(kind("ThrottlingException"), K::Unavailable);
        assert_eq!(kind("TransactionConflictException"), K::Unavailable);
        assert_eq!(kind("ConditionalCheckFailedException"), K::Conflict);
        assert_eq!(kind("TransactionCanceledException"), K::Conflict);
        assert_eq!(kind("ValidationException"), K::InvalidInput);
        assert_eq!(kind("AccessDeniedException"), K::Backend);
        assert_eq!(classify(None, String::new()).kind(), K::Backend);
    }

    #[test]
    fn reasons_are_read_from_the_message() {
        let m = "Transaction cancelled, please refer cancellation reasons for specific reasons \
                 [None, ConditionalCheckFailed]";
        assert_eq!(reasons_from_message(m), ["None", "ConditionalCheckFailed"]);
        assert!(reasons_from_message("no list").is_empty());
    }
}
