//! Bulk loading: many interactions into a model at once, streamed.
//!
//! Gives bit-for-bit the state that recording the same interactions one by one gives (every
//! cell's per-kind sums are accumulated in arrival order). The interactions are read once, in
//! chunks: each chunk is validated in parallel, then its users are interned in arrival order and
//! every row is kept only as a compact [`Rows`] entry (17 bytes: user, item, kind, timestamp),
//! never as strings. The rows are then grouped by user with a counting sort, every user's cells
//! are built in parallel straight into exactly sized vectors, the columns are transposed from
//! the rows without an intermediate copy, and every neighbour list is built in one parallel pass.

use rayon::prelude::*;

use crate::data::decay::Decay;
use crate::data::exposure::IMPRESSION_KIND;
use crate::data::ids::Probe;
use crate::data::interaction::AsInteraction;
use crate::data::kinds::{KindEffect, KindTable};
use crate::data::matrix::Part;
use crate::data::sparse::SparseVec;
use crate::data::timeline::RowsByStart;
use crate::model::error::{Error, Result};
use crate::model::state::{Applied, Model};

/// Interactions validated in parallel at a time (bounds what the loader holds besides the
/// compact rows).
const CHUNK: usize = 1 << 16;

/// Validated interactions in arrival order, column by column (17 bytes a row): user (interned),
/// item and kind (resolved), timestamp.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    pub user: Vec<u32>,
    pub item: Vec<u32>,
    pub kind: Vec<u8>,
    pub t: Vec<i64>,
}

impl Rows {
    fn with_capacity(n: usize) -> Rows {
        Rows {
            user: Vec::with_capacity(n),
            item: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            t: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.t.len()
    }

    pub fn push(&mut self, user: u32, item: u32, kind: u8, t: i64) {
        self.user.push(user);
        self.item.push(item);
        self.kind.push(kind);
        self.t.push(t);
    }

    /// Row `n` as (user, item, kind, timestamp).
    pub fn get(&self, n: usize) -> (u32, u32, u8, i64) {
        (self.user[n], self.item[n], self.kind[n], self.t[n])
    }
}

impl Model {
    /// Loads every interaction of `interactions`, read once and in order. Every row is validated
    /// (the first bad one is an [`Error::InvalidRow`] with its index); on an error the model may
    /// hold interned users but no interaction, so callers building a fresh model discard it.
    ///
    /// Into an empty model (and without a decay rebase inside the data) this takes the fast
    /// path: grouping by cell and building every row in parallel. Otherwise it replays the rows
    /// one at a time, which gives the same state.
    pub fn bulk_load<I>(&mut self, interactions: I) -> Result<Applied>
    where
        I: IntoIterator,
        I::Item: AsInteraction + Sync,
    {
        self.bulk_load_with(interactions, true)
    }

    /// [`Model::bulk_load`]; with `lists` false every user's neighbour list is left empty (the
    /// cap flags and the item lists are still built): the learned blend's holdout models
    /// compute only the few user lists they score with.
    pub(crate) fn bulk_load_with<I>(&mut self, interactions: I, lists: bool) -> Result<Applied>
    where
        I: IntoIterator,
        I::Item: AsInteraction + Sync,
    {
        let mut it = interactions.into_iter();
        let mut rows = Rows::with_capacity(it.size_hint().0);
        let mut decay = self.matrix.decay.clone();
        // A rebase in the middle (or a model already holding interactions) takes the general
        // path, which rescales as it goes.
        let mut sequential = self.events > 0;
        let mut chunk: Vec<I::Item> = Vec::with_capacity(CHUNK);
        loop {
            chunk.clear();
            chunk.extend(it.by_ref().take(CHUNK));
            if chunk.is_empty() {
                break;
            }
            // Validated, resolved and the user looked up in parallel; users are then interned
            // in arrival order.
            let resolved: Vec<Result<(u32, u8, Probe)>> = chunk
                .par_iter()
                .map(|x| {
                    let r = self.resolve_view(x.as_interaction())?;
                    Ok((r.item, r.kind, self.users.probe(r.user)))
                })
                .collect();
            for (x, r) in chunk.iter().zip(resolved) {
                let (item, kind, probe) = r.map_err(|e| e.in_row(rows.len()))?;
                let x = x.as_interaction();
                if rows.len() >= u32::MAX as usize {
                    return Err(Error::InvalidConfig(format!(
                        "more than {} interactions in one build",
                        u32::MAX
                    ))
                    .in_row(rows.len()));
                }
                // Impressions never reach the matrix, so they never move its decay epoch.
                if !sequential && kind != IMPRESSION_KIND && decay.prepare(x.timestamp).is_some() {
                    sequential = true;
                }
                let user = self.users.intern_probed(x.user_id, probe);
                self.matrix.ensure_user(user);
                rows.push(user, item, kind, x.timestamp);
            }
        }
        drop(chunk);
        self.exposure.fit(self.matrix.rows.len());
        if sequential {
            return self.bulk_sequential(&rows, lists);
        }
        self.matrix.decay = decay;
        self.watermark = rows.t.iter().copied().max();
        self.events = rows.len() as u64;
        let n = rows.len();
        for x in 0..n {
            let (_, i, k, t) = rows.get(x);
            self.observe_appeal(i, k, t);
        }
        let rows = self.split_impressions(rows);
        let mut applied = self.bulk_fresh(rows, lists)?;
        applied.interactions = n;
        Ok(applied)
    }

    /// Replays every row, in arrival order, into the exposure (impressions add to it, any other
    /// row ends its cell's) and returns the rows without the impressions. A no-op without
    /// impressions.
    fn split_impressions(&mut self, rows: Rows) -> Rows {
        if !rows.kind.contains(&IMPRESSION_KIND) {
            return rows;
        }
        let mut kept = Rows::with_capacity(rows.len());
        for n in 0..rows.len() {
            let (u, i, k, t) = rows.get(n);
            if k == IMPRESSION_KIND {
                self.exposure.show(u, i, t);
            } else {
                self.exposure.engage(u, i);
                kept.push(u, i, k, t);
            }
        }
        kept
    }

    /// The fast path into an empty model whose decay epoch stays put over `rows`.
    fn bulk_fresh(&mut self, rows: Rows, lists: bool) -> Result<Applied> {
        let n = rows.len();
        let users = self.matrix.rows.len();

        let (order, start) = group_by_user(&rows.user, users);
        let Rows {
            user,
            item,
            kind,
            t,
            ..
        } = rows;
        drop(user);

        // Every user's parts, row and norm, in parallel; within a cell the interactions are
        // replayed in arrival order, so the sums equal the one-by-one ones bit for bit.
        let kinds = &self.kinds;
        let (order, start) = (&order, &start);
        let m = &mut self.matrix;
        let decay = &m.decay;
        (&mut m.parts, &mut m.rows, &mut m.norms)
            .into_par_iter()
            .enumerate()
            .for_each_init(Scratch::default, |s, (u, (parts, row, norm))| {
                let ids = &order[start[u]..start[u + 1]];
                if ids.is_empty() {
                    return;
                }
                s.clear();
                s.by_item.extend(ids.iter().map(|&x| (item[x as usize], x)));
                s.by_item.sort_unstable();
                let mut a = 0;
                while a < s.by_item.len() {
                    let i = s.by_item[a].0;
                    let b = a + s.by_item[a..].partition_point(|e| e.0 == i);
                    replay_cell(&mut s.cell, &s.by_item[a..b], kinds, decay, (&kind, &t));
                    a = b;
                    if s.cell.is_empty() {
                        continue;
                    }
                    s.cell.sort_unstable_by_key(|c| c.0);
                    let value = kinds.cell_value(s.cell.iter().copied());
                    s.parts.extend(
                        s.cell
                            .iter()
                            .map(|&(kind, sum)| Part { item: i, kind, sum }),
                    );
                    s.row.idx.push(i);
                    s.row.val.push(value);
                }
                // Exactly sized copies: no growth slack kept per user.
                *parts = s.parts.as_slice().to_vec();
                *row = SparseVec {
                    idx: s.row.idx.as_slice().to_vec(),
                    val: s.row.val.as_slice().to_vec(),
                };
                *norm = row.norm();
            });
        drop((item, kind, t));
        self.finish_bulk(lists)?;
        Ok(Applied {
            interactions: n,
            users_changed: users,
            lists_recomputed: users,
            entries_touched: 0,
            full_rebuild: true,
        })
    }

    /// One interaction at a time into the parts (handles decay rebases and non-empty models).
    fn bulk_sequential(&mut self, rows: &Rows, lists: bool) -> Result<Applied> {
        let (touched, _) = self.add_parts((0..rows.len()).map(|n| rows.get(n)));
        let mut users: Vec<u32> = touched.iter().map(|t| t.0).collect();
        users.dedup();
        for &(u, i) in &touched {
            self.matrix.sync_row_only(&self.kinds, u, i);
        }
        for &u in &users {
            self.matrix.refresh_norm(u);
        }
        self.finish_bulk(lists)?;
        Ok(Applied {
            interactions: rows.len(),
            users_changed: users.len(),
            lists_recomputed: self.matrix.rows.len(),
            entries_touched: 0,
            full_rebuild: true,
        })
    }

    /// Columns, popularity, the linear item model (when kept) and (with `lists`) every
    /// neighbour list from the rows.
    fn finish_bulk(&mut self, lists: bool) -> Result<()> {
        self.matrix.rebuild_columns();
        self.by_start = RowsByStart::build(&self.matrix, &self.catalog.starts);
        for i in 0..self.matrix.cols.len() as u32 {
            self.popularity.set(i, self.matrix.cols[i as usize].sum());
        }
        self.refresh_discount();
        self.rebuild_artist_prior();
        self.fit_linear_items()?;
        if lists {
            self.rebuild_neighbours();
        } else {
            // The item lists (if kept) are built: item-based scoring reads every item's.
            self.refresh_caps_all();
            self.neighbours.fit(self.matrix.rows.len());
            self.rebuild_item_neighbours();
        }
        Ok(())
    }
}

/// Replays one cell's interactions (`(item, arrival index)`, in arrival order; `kind` and `t`
/// by arrival index) into `cell` as (kind, decayed sum): a retraction drops its target's sum.
fn replay_cell(
    cell: &mut Vec<(u8, f64)>,
    arrivals: &[(u32, u32)],
    kinds: &KindTable,
    decay: &Decay,
    (kind, t): (&[u8], &[i64]),
) {
    cell.clear();
    for &(_, x) in arrivals {
        let k = kind[x as usize];
        match kinds.effects[k as usize] {
            KindEffect::Retract(target) => cell.retain(|c| c.0 != target),
            _ => {
                let w = decay.factor(t[x as usize]);
                match cell.iter_mut().find(|c| c.0 == k) {
                    Some(c) => c.1 += w,
                    None => cell.push((k, w)),
                }
            }
        }
    }
}

/// Per-thread buffers of the fast path.
#[derive(Default)]
struct Scratch {
    /// The user's interactions as (item, arrival index), sorted.
    by_item: Vec<(u32, u32)>,
    /// One cell's (kind, decayed sum), in first-seen order.
    cell: Vec<(u8, f64)>,
    parts: Vec<Part>,
    row: SparseVec,
}

impl Scratch {
    fn clear(&mut self) {
        self.by_item.clear();
        self.cell.clear();
        self.parts.clear();
        self.row.idx.clear();
        self.row.val.clear();
    }
}

/// Row indices grouped by user, in arrival order within a user (a counting sort): user `u`'s
/// rows are `order[start[u]..start[u + 1]]`.
fn group_by_user(user: &[u32], users: usize) -> (Vec<u32>, Vec<usize>) {
    let mut start = vec![0usize; users + 1];
    for &u in user {
        start[u as usize + 1] += 1;
    }
    for u in 0..users {
        start[u + 1] += start[u];
    }
    let mut order = vec![0u32; user.len()];
    let mut next = start.clone();
    for (x, &u) in user.iter().enumerate() {
        order[next[u as usize]] = x as u32;
        next[u as usize] += 1;
    }
    (order, start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::interaction::Interaction;
    use crate::model::config::Config;
    use crate::synthetic::{Dataset, SyntheticConfig};

    /// The tiny synthetic log with some unsaves (retractions) and impressions mixed in.
    fn log() -> (Vec<crate::data::item::Item>, Vec<Interaction>) {
        let data = Dataset::generate(&SyntheticConfig::tiny());
        let mut log = Vec::new();
        for (n, x) in data.interactions.iter().enumerate() {
            log.push(x.clone());
            if n % 3 == 0 {
                for dt in 0..2 {
                    log.insert(
                        log.len() - 1,
                        Interaction::new(&x.user_id, &x.item_id, "impression", x.timestamp - dt),
                    );
                }
                let other = &data.items[n % data.items.len()].id;
                log.push(Interaction::new(
                    &x.user_id,
                    other,
                    "impression",
                    x.timestamp,
                ));
            }
            if n % 7 == 0 {
                log.push(Interaction::new(
                    &x.user_id,
                    &x.item_id,
                    "unsave",
                    x.timestamp,
                ));
            }
        }
        (data.items, log)
    }

    fn one_by_one(
        config: &Config,
        items: &[crate::data::item::Item],
        log: &[Interaction],
    ) -> Model {
        let mut m = Model::new(config.clone()).unwrap();
        m.upsert_items(items.to_vec()).unwrap();
        for x in log {
            m.apply(std::slice::from_ref(x)).unwrap();
        }
        m
    }

    fn assert_same(bulk: &Model, inc: &Model) {
        assert_eq!(bulk.users, inc.users);
        assert_eq!(
            bulk.matrix, inc.matrix,
            "parts, rows, columns and norms bit for bit"
        );
        assert_eq!(bulk.by_start, inc.by_start);
        assert_eq!((bulk.watermark, bulk.events), (inc.watermark, inc.events));
        assert_eq!(bulk.exposure, inc.exposure, "exposure bit for bit");
        assert!(bulk.exposure.users.iter().any(|l| !l.is_empty()));
        assert!(bulk.rows_by_start_consistent());
    }

    #[test]
    fn fast_path_equals_recording_one_by_one() {
        let (items, log) = log();
        let config = Config::default();
        let mut bulk = Model::new(config.clone()).unwrap();
        bulk.upsert_items(items.clone()).unwrap();
        // Owned rows from an iterator with no size hint.
        let mut rows = log.clone().into_iter();
        let applied = bulk.bulk_load(std::iter::from_fn(|| rows.next())).unwrap();
        assert_eq!(applied.interactions, log.len());
        assert_same(&bulk, &one_by_one(&config, &items, &log));
        // The fast path sizes every user's vectors exactly.
        let m = &bulk.matrix;
        assert!(m.parts.iter().all(|p| p.capacity() == p.len()));
        assert!(m.rows.iter().all(|r| r.idx.capacity() == r.len()));
        assert!(m.cols.iter().all(|c| c.idx.capacity() == c.len()));
    }

    #[test]
    fn rebase_path_equals_recording_one_by_one() {
        let (items, log) = log();
        // Sixty days are about 260 half-lives: the epoch moves a few times mid-stream.
        let config = Config {
            half_life_secs: Some(20_000.0),
            exposure_half_life_secs: 10_000.0,
            ..Config::default()
        };
        let mut bulk = Model::new(config.clone()).unwrap();
        bulk.upsert_items(items.clone()).unwrap();
        bulk.bulk_load(&log).unwrap();
        assert_same(&bulk, &one_by_one(&config, &items, &log));
    }

    #[test]
    fn borrowed_rows_equal_owned_rows() {
        let (items, log) = log();
        let config = Config::default();
        let mut owned = Model::new(config.clone()).unwrap();
        owned.upsert_items(items.clone()).unwrap();
        owned.bulk_load(log.clone()).unwrap();
        let mut borrowed = Model::new(config).unwrap();
        borrowed.upsert_items(items).unwrap();
        borrowed
            .bulk_load(log.iter().map(Interaction::view))
            .unwrap();
        assert_same(&borrowed, &owned);
    }
}
