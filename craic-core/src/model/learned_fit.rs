//! Fitting the learned blend ([`crate::model::learned`]): hold out the latest slice of the log,
//! build on the rest, score a seeded sample of held-out users' candidates with every component
//! ([`sample`]), and search the weight simplex per activity bucket for the surest NDCG@10 gain
//! (`model::learned_weights`, `model::learned_choice`), tuning the hyperparameters on the way
//! (`model::learned_tune`).

use std::collections::HashSet;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::data::interaction::AsInteraction;
use crate::data::item::{Item, Preferences};
use crate::evaluation::{split_cutoff, Relevance};
use crate::model::config::Config;
use crate::model::error::Result;
use crate::model::heap_release::release_free_memory;
use crate::model::learned::{
    Blend, BlendReport, LearnSettings, LearnedBlend, COMPONENTS, MIN_HOLDOUT_USERS, MIN_WARM_USERS,
    N,
};
use crate::model::learned_choice::{group_of, GROUPS};
use crate::model::learned_returning::{warm_users, Returning};
use crate::model::learned_weights::{Relevant, Sample};
use crate::model::state::Model;
use crate::rng::SplitMix64;
use crate::scoring::request::{Request, Strategy, Touched};

/// An activity bucket: name and the (inclusive) range of positive history lengths.
pub(super) type Bounds = (&'static str, u32, Option<u32>);

/// A log the fit reads more than once (checking the rows, finding the cut, each holdout model,
/// the relevant items) instead of keeping it: a slice, or rows a caller can produce again
/// ([`crate::Engine::build_from_reader`]). Every read yields the same rows in the same order.
pub(crate) trait LogReader {
    /// A row.
    type Row: AsInteraction + Sync;
    /// The rows, from the first.
    fn read(&self) -> impl Iterator<Item = Self::Row>;
}

impl<'a, T: AsInteraction + Sync> LogReader for &'a [T] {
    type Row = &'a T;
    fn read(&self) -> impl Iterator<Item = &'a T> {
        self.iter()
    }
}

/// A [`LogReader`] calling a function for every read.
pub(crate) struct FnReader<F>(pub F);

impl<F, I> LogReader for FnReader<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: AsInteraction + Sync,
{
    type Row = I::Item;
    fn read(&self) -> impl Iterator<Item = I::Item> {
        (self.0)()
    }
}

/// Loads the training part of the log into a holdout model.
type LoadTrain<'a> = &'a (dyn Fn(&mut Model) -> Result<()> + Sync);

/// The held-out users scored, per bucket: (user, their relevant held-out items, when they are
/// scored — the cut, or a returning user's own, `model::learned_returning`).
pub(super) type Sampled<'a> = Vec<Vec<(&'a String, &'a Vec<String>, i64)>>;

/// Fits the blend on `log`, and tunes the hyperparameters of `settings.hyper` on the same
/// holdout (`model::learned_tune`); `None` when the log has no held-out slice to learn from,
/// or one with fewer than [`MIN_HOLDOUT_USERS`] users.
/// The report names the chosen half-life, neighbourhood size, shrinkage and discount.
pub(crate) fn fit<L: LogReader + Sync>(
    config: &Config,
    settings: &LearnSettings,
    items: &[Item],
    preferences: &[(String, Preferences)],
    log: &L,
    removed: &[String],
) -> Result<Option<LearnedBlend>> {
    // The log is read again where it is needed, never copied: a copy would be most of the
    // learned build's extra memory.
    let axes = settings.hyper.resolve(config);
    // The first holdout model's catalogue and preferences check the rows before anything is
    // loaded.
    let first = base_model(config, items, preferences, axes.half_life_secs[0])?;
    let mut ts = check_rows(&first, log)?;
    let cutoff = split_cutoff(&mut ts, settings.holdout_fraction);
    let before = |x: &L::Row| x.as_interaction().timestamp < cutoff;
    let mut train_len = ts.iter().filter(|&&t| t < cutoff).count();
    let mut test_len = ts.len() - train_len;
    drop(ts);
    if train_len == 0 || test_len == 0 {
        return Ok(None);
    }
    // Returning users' own held-out rows, once chosen (`model::learned_returning`), are left out
    // of every holdout model built after.
    let returning: OnceLock<Returning> = OnceLock::new();
    let train = |x: &L::Row| {
        let i = x.as_interaction();
        i.timestamp < cutoff
            && returning
                .get()
                .is_none_or(|r| !r.held_out(i.user_id, i.timestamp))
    };
    let load_train = |m: &mut Model| m.bulk_load_with(log.read().filter(train), false).map(drop);
    let data = Holdout {
        config,
        items,
        preferences,
        load_train: &load_train,
        removed,
    };
    let (mut m, mut gone) = data.fill(first)?;
    let mut relevant = Relevance::default().relevant_of_rows(log.read().filter(|x| !before(x)));
    for items in relevant.values_mut() {
        items.retain(|i| !gone.contains(i));
    }
    relevant.retain(|_, items| !items.is_empty());
    if relevant.len() < MIN_HOLDOUT_USERS {
        // Too few to tell one blend from another: the fixed blend serves.
        return Ok(None);
    }
    if warm_users(&m, &relevant) < MIN_WARM_USERS {
        let r = Returning::pick(&m, log, cutoff, &relevant, settings);
        if r.len() > 0 {
            let (theirs, rows) = r.relevant(log, cutoff, &gone);
            relevant.extend(theirs);
            (train_len, test_len) = (train_len - rows, test_len + rows);
            let _ = returning.set(r);
            drop(m);
            (m, gone) = data.model(axes.half_life_secs[0])?;
        }
    }
    // Light and heavy users split at the median history of users with one.
    let mut lengths: Vec<u32> = (0..m.users.len() as u32)
        .map(|u| m.matrix.positive_count(u) as u32)
        .filter(|&n| n > 0)
        .collect();
    lengths.sort_unstable();
    let median = lengths.get(lengths.len() / 2).copied().unwrap_or(1).max(1);
    let bounds: [Bounds; 3] = [
        ("cold", 0, Some(0)),
        ("light", 1, Some(median)),
        ("heavy", median + 1, None),
    ];
    drop(gone);
    // The item-based component only when the model keeps item lists or a linear item model.
    let active = if m.has_item_side() { N } else { N - 1 };
    let now_of = |u: &str| returning.get().and_then(|r| r.now_of(u)).unwrap_or(cutoff);
    let mut picked: Vec<Vec<(String, i64)>> = Vec::new();
    for (b, &(_, lo, hi)) in bounds.iter().enumerate() {
        let mut users: Vec<(&String, i64)> = relevant
            .keys()
            .map(|u| (u, now_of(u)))
            .filter(|(u, _)| {
                let n = m
                    .users
                    .get(u)
                    .map_or(0, |u| m.matrix.positive_count(u) as u32);
                n >= lo && hi.is_none_or(|h| n <= h)
            })
            .collect();
        let mut rng = SplitMix64::new(settings.seed).fork(b as u64);
        for i in (1..users.len()).rev() {
            users.swap(i, rng.below(i as u64 + 1) as usize);
        }
        users.truncate(settings.users_per_bucket);
        picked.push(users.into_iter().map(|(u, t)| (u.clone(), t)).collect());
    }
    // Only the sampled users' held-out events are scored: the rest of the holdout's (most of
    // it at `medium`) goes before the search builds anything.
    let keep: HashSet<&str> = picked.iter().flatten().map(|(u, _)| u.as_str()).collect();
    relevant.retain(|u, _| keep.contains(u.as_str()));
    let sampled: Sampled = picked
        .iter()
        .map(|users| {
            users
                .iter()
                .filter_map(|(u, t)| relevant.get_key_value(u).map(|(u, items)| (u, items, *t)))
                .collect()
        })
        .collect();
    let search = crate::model::learned_tune::Search {
        data: &data,
        settings,
        axes: &axes,
        bounds: &bounds,
        sampled: &sampled,
        active,
    };
    let (chosen, buckets, grid) = search.run(m)?;
    Ok(Some(LearnedBlend {
        report: BlendReport {
            components: COMPONENTS[..active]
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            cutoff,
            train_interactions: train_len,
            holdout_interactions: test_len,
            buckets,
            half_life_secs: chosen.half_life_secs,
            neighbours: chosen.neighbours,
            shrinkage: chosen.shrinkage,
            discount: chosen.discount,
            grid,
        },
    }))
}

/// Fails as the plain build would on the first bad row of `log` (with its index there), before
/// anything is learned: the holdout models see only part of the log. `m` holds the catalogue
/// and the kinds. Returns the rows' timestamps.
fn check_rows<L: LogReader>(m: &Model, log: &L) -> Result<Vec<i64>> {
    // In chunks, each checked in parallel: the first bad row of the first chunk with one.
    let mut rows = log.read();
    let mut chunk: Vec<L::Row> = Vec::with_capacity(CHECK_CHUNK);
    let mut ts = Vec::new();
    let mut offset = 0;
    loop {
        chunk.clear();
        chunk.extend(rows.by_ref().take(CHECK_CHUNK));
        if chunk.is_empty() {
            return Ok(ts);
        }
        let bad = chunk
            .par_iter()
            .enumerate()
            .find_map_first(|(n, x)| m.resolve_view(x.as_interaction()).err().map(|e| (n, e)));
        if let Some((n, e)) = bad {
            return Err(e.in_row(offset + n));
        }
        ts.extend(chunk.iter().map(|x| x.as_interaction().timestamp));
        offset += chunk.len();
    }
}

/// Rows checked at a time.
const CHECK_CHUNK: usize = 1 << 16;

/// The configuration an engine with a learned blend serves: `config` with the hyperparameters
/// `learned` chose, and its grid spelled out (so a retrain from the served configuration tries
/// the same values, not values around the chosen ones).
pub(crate) fn served_config(
    config: &Config,
    settings: &LearnSettings,
    learned: &LearnedBlend,
) -> Config {
    let r = &learned.report;
    Config {
        half_life_secs: r.half_life_secs,
        neighbours: r.neighbours,
        shrinkage: r.shrinkage,
        blend: Blend::Learned(LearnSettings {
            hyper: settings.hyper.spelled_out(config),
            ..settings.clone()
        }),
        ..config.clone()
    }
}

/// A holdout model's catalogue and preferences at decay `half_life_secs`, with the fixed blend;
/// a bad preference fails with its index, as in the plain build.
fn base_model(
    config: &Config,
    items: &[Item],
    preferences: &[(String, Preferences)],
    half_life_secs: Option<f64>,
) -> Result<Model> {
    let mut m = Model::new(Config {
        blend: Blend::Fixed,
        half_life_secs,
        ..config.clone()
    })?;
    m.upsert_items(items.to_vec())?;
    for (n, (user, prefs)) in preferences.iter().enumerate() {
        m.set_preferences(user, prefs.clone())
            .map_err(|e| e.in_row(n))?;
    }
    Ok(m)
}

/// What every holdout model is built from.
pub(super) struct Holdout<'a> {
    pub config: &'a Config,
    pub items: &'a [Item],
    pub preferences: &'a [(String, Preferences)],
    /// Loads the training part of the log.
    pub load_train: LoadTrain<'a>,
    pub removed: &'a [String],
}

impl Holdout<'_> {
    /// The model the holdout is scored with at decay `half_life_secs`: the catalogue, the
    /// preferences and the training part of the log, the fixed blend, no neighbour lists (the
    /// search computes the sampled users' own), and `removed` (those in the catalogue,
    /// returned) removed — removed events are never served, so the holdout model never offers
    /// them and a held-out interaction with one is no evidence for or against any component.
    /// The pages of the holdout model dropped before this one go back to the kernel first
    /// (`model::heap_release`): one holdout model's worth of memory at a time.
    pub(super) fn model(&self, half_life_secs: Option<f64>) -> Result<(Model, Vec<String>)> {
        release_free_memory();
        let m = base_model(self.config, self.items, self.preferences, half_life_secs)?;
        self.fill(m)
    }

    /// [`Holdout::model`] from its catalogue and preferences: the training part loaded and the
    /// removed events removed.
    fn fill(&self, mut m: Model) -> Result<(Model, Vec<String>)> {
        (self.load_train)(&mut m)?;
        let gone: Vec<String> = self
            .removed
            .iter()
            .filter(|id| m.catalog.ids.get(id).is_some())
            .cloned()
            .collect();
        if !gone.is_empty() {
            let ids: Vec<&str> = gone.iter().map(String::as_str).collect();
            m.remove_items(&ids)?;
        }
        Ok((m, gone))
    }
}

/// A held-out user's candidates: every single component's top `k` as of `now`, the user's
/// touched events left out when `exclude_touched` (as requests that exclude them serve).
fn candidates(
    m: &Model,
    user: &str,
    (now, k, exclude_touched): (i64, usize, bool),
) -> Result<Vec<u32>> {
    let mut items: Vec<u32> = Vec::new();
    let item_based = m.has_item_side().then_some(Strategy::ItemBased);
    let single = [
        Strategy::Popularity,
        Strategy::Collaborative,
        Strategy::Content,
    ];
    for s in single.into_iter().chain(item_based) {
        let mut req = Request::new(k).strategy(s).now(now);
        if exclude_touched {
            req = req.exclude_touched(Touched::Any);
        }
        items.extend(
            m.recommend(user, &req)?
                .iter()
                .filter_map(|r| m.catalog.ids.get(&r.item_id)),
        );
    }
    items.sort_unstable();
    items.dedup();
    Ok(items)
}

/// One held-out user's candidates ([`candidates`]) and their values.
pub(super) fn sample(
    m: &Model,
    user: &str,
    relevant: &[String],
    (now, k, exclude_touched): (i64, usize, bool),
) -> Result<Sample> {
    let items = candidates(m, user, (now, k, exclude_touched))?;
    let values = m.component_values(m.users.get(user), now, &items);
    // An event without history at the cut is new; one outside the catalogue cannot be offered
    // and counts as new too.
    let kind = |i: u32| {
        if m.matrix.cols.get(i as usize).is_none_or(|c| c.len() == 0) {
            Relevant::New
        } else {
            Relevant::Known
        }
    };
    let rel: Vec<(u32, Relevant)> = relevant
        .iter()
        .filter_map(|r| m.catalog.ids.get(r))
        .map(|i| (i, kind(i)))
        .collect();
    let known = rel.iter().filter(|x| x.1 == Relevant::Known).count();
    // Per event group, known and new; events outside the catalogue fall in the first.
    let mut by_group = [(0, 0); GROUPS];
    by_group[0].1 = relevant.len() - rel.len();
    for &(i, k) in &rel {
        let g = &mut by_group[group_of(i) as usize];
        match k {
            Relevant::Known => g.0 += 1,
            _ => g.1 += 1,
        }
    }
    Ok(Sample {
        values,
        relevant: items
            .iter()
            .map(|i| rel.iter().find(|x| x.0 == *i).map_or(Relevant::No, |x| x.1))
            .collect(),
        group: items.iter().map(|&i| group_of(i)).collect(),
        known,
        new: relevant.len() - known,
        by_group,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::interaction::Interaction;

    /// Before: the holdout model ignored removed events, so users whose held-out interactions
    /// were all with a removed event were scored (on an event nobody can be served).
    #[test]
    fn removed_events_are_neither_offered_nor_relevant_in_the_holdout() {
        let t0 = 1_700_000_000;
        let items: Vec<Item> = ["a", "b", "x"]
            .iter()
            .map(|id| Item::new(*id, t0 + 10_000_000))
            .collect();
        let mut log = Vec::new();
        for u in 0..400 {
            let user = format!("u{u}");
            log.push(Interaction::new(&user, "a", "save", t0 + u));
            log.push(Interaction::new(&user, "b", "click", t0 + 100 + u));
        }
        // The latest fifth of the log: saves of x only.
        for u in 0..200 {
            log.push(Interaction::new(
                format!("u{u}"),
                "x",
                "save",
                t0 + 1_000 + u,
            ));
        }
        let config = Config::default();
        let settings = LearnSettings::default();
        let users = |removed: &[String]| {
            let fitted = fit(&config, &settings, &items, &[], &log.as_slice(), removed).unwrap();
            fitted.map_or(0, |l| {
                l.report.buckets.iter().map(|b| b.users).sum::<usize>()
            })
        };
        assert!(users(&[]) > 0);
        assert_eq!(users(&["x".to_owned()]), 0);
        // An unknown removed id changes nothing.
        assert_eq!(users(&["gone".to_owned()]), users(&[]));
    }

    /// With `exclude_touched` the holdout offers none of the user's touched events (clicked
    /// ones included), as requests that exclude them serve; without it clicked events are
    /// offered (saved ones never are).
    #[test]
    fn the_holdout_offers_touched_events_only_when_requests_would() {
        let t0 = 1_700_000_000;
        let items: Vec<Item> = (0..12)
            .map(|i| Item::new(format!("e{i}"), t0 + 10_000_000))
            .collect();
        let mut log = Vec::new();
        for u in 0..60 {
            for s in 0..4 {
                let kind = if s % 2 == 0 { "save" } else { "click" };
                let item = format!("e{}", (u + 3 * s) % 12);
                log.push(Interaction::new(
                    format!("u{u}"),
                    item,
                    kind,
                    t0 + 10 * u + s,
                ));
            }
        }
        let config = Config {
            blend: Blend::Fixed,
            ..Config::default()
        };
        let e = crate::Engine::build(items, &log, vec![], config).unwrap();
        let m = e.read();
        let u = m.users.get("u5").unwrap();
        let touched: Vec<u32> = m.matrix.rows[u as usize].iter().map(|(i, _)| i).collect();
        let clicked: Vec<u32> = ["e8", "e2"]
            .map(|id| m.catalog.ids.get(id).unwrap())
            .to_vec();
        let now = t0 + 1_000;
        let kept = candidates(&m, "u5", (now, 10, false)).unwrap();
        let left_out = candidates(&m, "u5", (now, 10, true)).unwrap();
        assert!(clicked.iter().all(|i| kept.contains(i)), "{kept:?}");
        assert!(
            touched.iter().all(|i| !left_out.contains(i)),
            "{left_out:?}"
        );
        assert!(!left_out.is_empty());
    }
}
