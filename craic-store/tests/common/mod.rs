//! The test suite every backend runs: `suite!(fixture)` instantiates it for one backend.
#![allow(dead_code)]

pub mod data;
pub mod dynamodb_local;
pub mod kill;
pub mod suite;

use craic_store::{Store, StoreFuture};

/// One backend's fresh, empty store plus raw SQL access to plant malformed rows (DynamoDB's
/// fixture translates the suite's `INSERT INTO interactions` into a raw item write).
pub trait Fixture {
    /// The store under test.
    fn store(&self) -> &dyn Store;
    /// Runs SQL behind the store's back (test-only fixed statements).
    fn raw<'a>(&'a self, sql: &'a str) -> StoreFuture<'a, ()>;
    /// SQL planting the event `backwards`, which ends before it starts, as this backend's
    /// schema stores events.
    fn bad_event_sql(&self) -> &'static str;
}

/// Instantiates every shared test for a backend whose fixture is built by `$make().await`.
#[macro_export]
macro_rules! suite {
    ($make:path) => {
        $crate::suite!(@tests $make;
            idempotent_reappend, cursor_paging, hostile_strings, malformed_rows,
            model_registry, experiments, experiment_definitions_round_trip, retrain_history, load_then_tail_equals_load_at_end,
            a_load_fits_the_learned_blend_without_removed_events,
            bad_input_is_typed, tail_fetches_new_events, concurrent_appends_are_tailed_without_gaps,
            repeated_ids_in_one_write_keep_the_last, malformed_events_are_reported_by_row_id,
            catalogue_changes_are_a_feed, removed_events_stay_in_the_catalogue_and_the_feed,
            impression_ranks_are_stored);
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
