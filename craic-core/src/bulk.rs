//! Bulk loading: many interactions into an empty model at once.
//!
//! Gives bit-for-bit the state that recording the same interactions one by one gives (every
//! cell's per-kind sums are accumulated in arrival order), but validates in parallel, groups
//! the interactions by cell with a parallel sort instead of inserting them one at a time, and
//! builds every neighbour list in one parallel pass.

use rayon::prelude::*;

use crate::error::Result;
use crate::interaction::Interaction;
use crate::kinds::KindEffect;
use crate::matrix::Part;
use crate::model::{Applied, Model, Resolved};
use crate::timeline::RowsByStart;

impl Model {
    /// Loads `batch`; validated whole first (nothing changes on a bad row).
    pub fn bulk_load(&mut self, batch: &[Interaction]) -> Result<Applied> {
        let resolved: Vec<Result<Resolved<'_>>> =
            batch.par_iter().map(|x| self.resolve(x)).collect();
        if let Some(n) = resolved.iter().position(|r| r.is_err()) {
            let err = resolved.into_iter().nth(n).and_then(|r| r.err());
            return Err(err.map_or_else(
                || crate::Error::InvalidConfig("bad row".into()),
                |e| e.in_row(n),
            ));
        }
        let resolved: Vec<Resolved<'_>> = resolved.into_iter().flatten().collect();
        if self.events > 0 {
            return self.bulk_sequential(&resolved);
        }
        // Users are interned in arrival order; decay weights need the same sequential pass.
        let mut events: Vec<(u32, u32, u32)> = Vec::with_capacity(resolved.len()); // (user, item, index)
        let mut weights: Vec<f64> = Vec::with_capacity(resolved.len());
        let mut decay = self.matrix.decay.clone();
        for (n, r) in resolved.iter().enumerate() {
            if decay.prepare(r.t).is_some() {
                // A rebase in the middle: take the general path, which rescales as it goes.
                return self.bulk_sequential(&resolved);
            }
            weights.push(decay.factor(r.t));
            let u = self.intern_user(r.user);
            events.push((u, r.item, n as u32));
        }
        self.matrix.decay = decay;
        self.watermark = resolved.iter().map(|r| r.t).max();
        self.events = resolved.len() as u64;
        events.par_sort_unstable();

        // Walk cells in (user, item) order, replaying each cell's interactions in arrival order.
        let kinds = &self.kinds;
        let mut cell: Vec<(u8, f64)> = Vec::new();
        let mut start = 0;
        while start < events.len() {
            let (u, i, _) = events[start];
            let mut end = start;
            cell.clear();
            while end < events.len() && events[end].0 == u && events[end].1 == i {
                let n = events[end].2 as usize;
                let k = resolved[n].kind;
                match kinds.effects[k as usize] {
                    KindEffect::Retract(target) => cell.retain(|c| c.0 != target),
                    _ => match cell.iter_mut().find(|c| c.0 == k) {
                        Some(c) => c.1 += weights[n],
                        None => cell.push((k, weights[n])),
                    },
                }
                end += 1;
            }
            start = end;
            if cell.is_empty() {
                continue;
            }
            cell.sort_unstable_by_key(|c| c.0);
            let value = kinds.cell_value(cell.iter().copied());
            let parts = &mut self.matrix.parts[u as usize];
            parts.extend(cell.iter().map(|&(kind, sum)| Part { item: i, kind, sum }));
            let row = &mut self.matrix.rows[u as usize];
            row.idx.push(i);
            row.val.push(value);
        }
        let users = self.matrix.rows.len();
        for u in 0..users as u32 {
            self.matrix.refresh_norm(u);
        }
        self.finish_bulk();
        Ok(Applied {
            interactions: resolved.len(),
            users_changed: users,
            lists_recomputed: users,
            entries_touched: 0,
            full_rebuild: true,
        })
    }

    /// One interaction at a time into the parts (handles decay rebases and non-empty models).
    fn bulk_sequential(&mut self, resolved: &[Resolved<'_>]) -> Result<Applied> {
        let (touched, _) = self.add_parts(resolved);
        let mut users: Vec<u32> = touched.iter().map(|t| t.0).collect();
        users.dedup();
        for &(u, i) in &touched {
            self.matrix.sync_row_only(&self.kinds, u, i);
        }
        for &u in &users {
            self.matrix.refresh_norm(u);
        }
        self.finish_bulk();
        Ok(Applied {
            interactions: resolved.len(),
            users_changed: users.len(),
            lists_recomputed: self.matrix.rows.len(),
            entries_touched: 0,
            full_rebuild: true,
        })
    }

    /// Columns, popularity and every neighbour list from the rows.
    fn finish_bulk(&mut self) {
        self.matrix.rebuild_columns();
        self.by_start = RowsByStart::build(&self.matrix, &self.catalog.starts);
        for i in 0..self.matrix.cols.len() as u32 {
            self.popularity.set(i, self.matrix.cols[i as usize].sum());
        }
        self.rebuild_neighbours();
    }
}
