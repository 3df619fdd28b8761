//! User–user cosine neighbourhoods, built in parallel and maintained incrementally.
//!
//! `sim(u, v) = (r_u · r_v) / (‖r_u‖ ‖r_v‖) · n / (n + λ)` where the dot product runs over the
//! items both users touched (`n` of them), except items with more than `max_item_users` users,
//! which are left out of the overlap (norms still use whole rows). Every user keeps its top-k
//! neighbours with positive similarity, ordered by similarity (then by user index), plus an upper
//! bound on the best similarity that did not make the list.
//!
//! **Exactness.** A change to user `u`'s row changes only `sim(u, ·)`. The update recomputes
//! `u`'s list from scratch and, for every user `v` that shares an item with `u` after the change
//! or lists `u` before it (the reverse index), fixes `u`'s entry in `v`'s list; only when `u`
//! drops out of a full list below the bound of unlisted candidates is `v`'s list recomputed from
//! scratch. A user that shares nothing with `u` any more and does not list it needs no change.
//! Dot products are summed in item order from whichever side, so the result is bit-for-bit what
//! a full rebuild computes. A heavy user's update splits the other users into ranges handled in
//! parallel; each range owns its users' lists, and what crosses ranges is applied after, so the
//! split does not change the outcome either.
//! An item crossing the `max_item_users` cap changes similarities among all its users; they are
//! recomputed then (rare: once per item and direction).
//!
//! The same machinery computes **item–item** neighbourhoods over the transposed matrix (a
//! [`Side`] whose rows are the item columns): `sim(i, j)` is the shrunk cosine of the two
//! items' user columns, maintained exactly for the items whose columns changed.

mod accumulator;
mod formula;
mod neighbours;
mod repair;
mod shard;
#[cfg(test)]
mod tests;
mod top_k;

use crate::data::sparse::SparseVec;

pub(crate) use accumulator::PairAcc;
pub(crate) use formula::{cosine, SimParams};
pub(crate) use neighbours::Neighbours;

/// (neighbour, similarity)
pub(crate) type Entry = (u32, f32);

/// One orientation of the interaction matrix: similarities are between its rows, over the
/// columns they share, with the rows' norms. Users: the matrix's rows; items: its columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Side<'a> {
    pub rows: &'a [SparseVec],
    pub cols: &'a [SparseVec],
    pub norms: &'a [f64],
}

/// True when two served lists agree within `tolerance` on similarities (entries may name
/// different neighbours only where their similarities are within `tolerance`: ties).
pub(crate) fn same_within(a: &[Entry], b: &[Entry], tolerance: f64) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            (x.1 as f64 - y.1 as f64).abs() <= tolerance
                && (x.0 == y.0 || (x.1 - y.1).abs() as f64 <= tolerance)
        })
}
