//! Upper bounds on every count a caller supplies.
//!
//! A number passed in by a caller (a `k`, a configuration field, a number of variations, a batch
//! size, ...) never sizes an allocation unchecked: each is checked against one of these limits
//! first, and a value outside its range fails with a typed [`crate::Error`] (never a panic or an
//! aborted allocation). The bindings (Python, Node) call the same checks, so they inherit the
//! limits. `docs/limits.md` lists them with the error kind each one reports.
//!
//! | what | limit | error kind |
//! |---|---|---|
//! | `Request::k` | `1..=Config::max_k` | `invalid_k` |
//! | `Config::max_k` | `1..=`[`MAX_K`] | `invalid_config` |
//! | `Config::neighbours` | `1..=`[`MAX_NEIGHBOURS`] | `invalid_config` |
//! | `Config::item_neighbours` | `0..=`[`MAX_ITEM_NEIGHBOURS`] (0: off) | `invalid_config` |
//! | `Config::max_user_items` | `2..=`[`MAX_USER_ITEMS`] | `invalid_config` |
//! | `Config::linear_items` | `0..=`[`MAX_LINEAR_ITEMS`] (0: off) | `invalid_config` |
//! | `Config::neighbour_buffer` | `0..=`[`MAX_NEIGHBOUR_BUFFER`] | `invalid_config` |
//! | `Config::kinds` | at most [`MAX_KINDS`] | `invalid_config` |
//! | variations of an experiment, `get_equal_weights`, `get_bucket_ranges` | at most [`MAX_VARIATIONS`] | `invalid_experiment` |
//! | rows of one `record` / `upsert_items` / `remove_items` call | at most [`MAX_BATCH`] | `out_of_range` |
//! | users × `k` of one `recommend_many` call | at most [`MAX_RECOMMEND_MANY_RESULTS`] | `out_of_range` |
//! | drift quantile bins | `1..=`[`MAX_DRIFT_BINS`] | `invalid_config` |
//! | synthetic dataset sizes | clamped to [`MAX_SYNTHETIC_USERS`], ... | (clamped, no error) |
//!
//! Ids are bounded by [`crate::MAX_ID_LEN`] bytes and timestamps by [`crate::MIN_TIMESTAMP`]
//! `..=` [`crate::MAX_TIMESTAMP`].

use crate::model::error::{Error, Result};

/// Largest `Config::max_k` (and so the largest `k` any request may ask for).
pub const MAX_K: usize = 10_000;

/// Largest `Config::neighbours`.
pub const MAX_NEIGHBOURS: usize = 10_000;

/// Largest `Config::item_neighbours`.
pub const MAX_ITEM_NEIGHBOURS: usize = 1_000;

/// Largest `Config::max_user_items` (the item side's cost guard: users with more items leave
/// item–item overlap; default [`crate::DEFAULT_MAX_USER_ITEMS`], 100). Until 2026-12-05 this
/// constant was the guard itself (100).
pub const MAX_USER_ITEMS: usize = 100_000;

/// Largest `Config::linear_items`: the linear item model holds `4 n²` bytes (64 MB at this
/// limit) and its fit `16 n²` at its peak and about `n³ / 2` multiply–adds.
pub const MAX_LINEAR_ITEMS: usize = 4_000;

/// Largest `Config::neighbour_buffer`.
pub const MAX_NEIGHBOUR_BUFFER: usize = 10_000;

/// Most interaction kinds a configuration may define (kinds are stored in a byte).
pub const MAX_KINDS: usize = 250;

/// Most variations of one experiment, and the largest `n` / `num_variations` that
/// [`crate::experiments::growthbook::get_equal_weights`] and
/// [`crate::experiments::growthbook::get_bucket_ranges`] accept.
pub const MAX_VARIATIONS: usize = 1_000;

/// Most rows in one incremental write (`Engine::record`, `Engine::upsert_items`,
/// `Engine::remove_items`). Larger loads go through `Engine::build_from_iter`, which streams.
pub const MAX_BATCH: usize = 1_000_000;

/// Most recommendations one `Engine::recommend_many` call may ask for: the number of users times
/// `k`.
pub const MAX_RECOMMEND_MANY_RESULTS: usize = 10_000_000;

/// Most quantile bins of a drift histogram (`QuantileBins::from_reference`, `psi_numeric`).
pub const MAX_DRIFT_BINS: usize = 1_000;

/// The synthetic generator clamps `users` to this (twice the `large` preset).
pub const MAX_SYNTHETIC_USERS: usize = 2_000_000;

/// The synthetic generator clamps `items` to this (twice the `large` preset).
pub const MAX_SYNTHETIC_ITEMS: usize = 200_000;

/// The synthetic generator clamps `interactions` to this (twice the `large` preset).
pub const MAX_SYNTHETIC_INTERACTIONS: usize = 40_000_000;

/// The synthetic generator clamps `cities`, `genres`, `artists`, `venues_per_city` and
/// `clusters` to this.
pub const MAX_SYNTHETIC_NAMES: usize = 100_000;

/// Fails with [`Error::OutOfRange`] unless `value <= max`.
pub(crate) fn at_most(what: &'static str, value: usize, max: usize) -> Result<()> {
    if value <= max {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            what: what.into(),
            value: value as i128,
            min: 0,
            max: max as i128,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn at_most_is_inclusive_and_typed() {
        assert!(at_most("rows", MAX_BATCH, MAX_BATCH).is_ok());
        let e = at_most("rows", MAX_BATCH + 1, MAX_BATCH).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutOfRange);
    }
}
