//! The test suite every backend runs: `suite!(fixture)` instantiates it for one backend.
#![allow(dead_code)]

pub mod data;
pub mod dynamodb_local;
pub mod suite;

use craic_store::{Store, StoreFuture};

/// One backend's fresh, empty store plus raw SQL access to plant malformed rows (DynamoDB's
/// fixture translates the suite's `INSERT INTO interactions` into a raw item write).
pub trait Fixture {
    /// The store under test.
    fn store(&self) -> &dyn Store;
    /// Runs SQL behind the store's back (test-only fixed statements).
    fn raw<'a>(&'a self, sql: &'a str) -> StoreFuture<'a, ()>;
}

/// Instantiates every shared test for a backend whose fixture is built by `$make().await`.
#[macro_export]
macro_rules! suite {
    ($make:path) => {
        $crate::suite!(@tests $make;
            idempotent_reappend, cursor_paging, hostile_strings, malformed_rows,
            model_registry, experiments, retrain_history, load_then_tail_equals_load_at_end,
            bad_input_is_typed, tail_fetches_new_events);
    };
    (@tests $make:path; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let fixture = $make().await;
                common::suite::$name(&fixture).await;
            }
        )*
    };
}
