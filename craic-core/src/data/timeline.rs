//! Start-time order, which the read path uses to touch upcoming events only.
//!
//! Nearly every interaction in an events catalogue is with an event that has already happened,
//! while recommendations may only name events that have not started. [`Timeline`] lists the
//! live events latest start first, so the events starting after any `now` are a prefix of it,
//! and gives each event its position there: per-request scores live in small dense arrays
//! indexed by that position. [`RowsByStart`] keeps every user's cells in the same order, so
//! collaborative scoring stops reading a neighbour's history at their first past event.

use std::cmp::Reverse;

use crate::data::catalog::Catalog;
use crate::data::matrix::Matrix;

/// Timeline positions per chunk in the read path's dense scan: a chunk whose best possible
/// score cannot make the top k is skipped whole.
pub(crate) const CHUNK: usize = 32;

/// Position of an item that is not on the timeline (removed).
pub(crate) const OFF_TIMELINE: u32 = u32::MAX;

/// Live items ordered by start, latest first (then by index); rebuilt when the catalogue changes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timeline {
    /// Items in timeline order.
    pub order: Vec<u32>,
    /// Each item's position in `order` ([`OFF_TIMELINE`] for removed items).
    pub pos: Vec<u32>,
    /// Start of each item in `order` (non-increasing).
    starts: Vec<i64>,
}

impl Timeline {
    pub fn build(catalog: &Catalog) -> Timeline {
        let mut order: Vec<u32> = (0..catalog.len() as u32)
            .filter(|&i| !catalog.removed[i as usize])
            .collect();
        order.sort_unstable_by_key(|&i| (Reverse(catalog.starts[i as usize]), i));
        let mut pos = vec![OFF_TIMELINE; catalog.len()];
        for (p, &i) in order.iter().enumerate() {
            pos[i as usize] = p as u32;
        }
        let starts = order.iter().map(|&i| catalog.starts[i as usize]).collect();
        Timeline { order, pos, starts }
    }

    /// How many live items start after `now`: they are `order[..upcoming(now)]`.
    pub fn upcoming(&self, now: i64) -> usize {
        self.starts.partition_point(|&s| s > now)
    }
}

/// One cell of a user's row: item and value (packed: 12 bytes, so more of a row fits a cache
/// line).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, packed(4))]
pub(crate) struct Cell {
    pub item: u32,
    pub val: f64,
}

/// Every user's row (the same cells and values as [`Matrix::rows`]) ordered by item start,
/// latest first, then by item. Maintained with the matrix; derived, so never serialised.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RowsByStart {
    rows: Vec<Vec<Cell>>,
}

fn key(starts: &[i64], item: u32) -> (Reverse<i64>, u32) {
    (Reverse(starts[item as usize]), item)
}

impl RowsByStart {
    /// All rows, from the matrix.
    pub fn build(m: &Matrix, starts: &[i64]) -> RowsByStart {
        let mut out = RowsByStart {
            rows: Vec::with_capacity(m.rows.len()),
        };
        for u in 0..m.rows.len() as u32 {
            out.rows.push(Vec::new());
            out.resort(m, starts, u);
        }
        out
    }

    /// The user's cells, latest-starting event first.
    pub fn row(&self, u: u32) -> &[Cell] {
        self.rows.get(u as usize).map_or(&[], |r| r)
    }

    /// Copies cell (u, i) from the matrix (inserting, updating or removing it).
    pub fn sync(&mut self, m: &Matrix, starts: &[i64], u: u32, i: u32) {
        if self.rows.len() <= u as usize {
            self.rows.resize_with(u as usize + 1, Vec::new);
        }
        let row = &mut self.rows[u as usize];
        let at = row.binary_search_by_key(&key(starts, i), |c| key(starts, c.item));
        match (at, m.rows[u as usize].get(i)) {
            (Ok(p), Some(val)) => row[p].val = val,
            (Err(p), Some(val)) => row.insert(p, Cell { item: i, val }),
            (Ok(p), None) => {
                row.remove(p);
            }
            (Err(_), None) => {}
        }
    }

    /// Rebuilds user `u`'s row from the matrix (after an item's start moved).
    pub fn resort(&mut self, m: &Matrix, starts: &[i64], u: u32) {
        if self.rows.len() <= u as usize {
            self.rows.resize_with(u as usize + 1, Vec::new);
        }
        let row = &mut self.rows[u as usize];
        row.clear();
        row.extend(
            m.rows[u as usize]
                .iter()
                .map(|(item, val)| Cell { item, val }),
        );
        row.sort_unstable_by_key(|c| key(starts, c.item));
        row.shrink_to_fit();
    }

    /// Multiplies every value by `factor` (the matrix's decay rebase, an exact power of two).
    pub fn rescale(&mut self, factor: f64) {
        for row in &mut self.rows {
            for c in row.iter_mut() {
                c.val *= factor;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::item::Item;

    #[test]
    fn upcoming_items_are_a_prefix_latest_first() {
        let mut cat = Catalog::default();
        for (id, start) in [("a", 10), ("b", 30), ("c", 20), ("d", 30)] {
            cat.upsert(Item::new(id, start));
        }
        cat.removed[2] = true;
        let t = Timeline::build(&cat);
        assert_eq!(t.order, vec![1, 3, 0]);
        assert_eq!(t.pos, vec![2, 0, OFF_TIMELINE, 1]);
        assert_eq!(t.upcoming(30), 0);
        assert_eq!(t.upcoming(29), 2);
        assert_eq!(t.upcoming(9), 3);
    }
}
