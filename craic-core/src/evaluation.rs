//! Offline evaluation the standard way: a time split, then top-k ranking metrics.
//!
//! 1. [`time_split`] puts everything at or after a time quantile into the test set.
//! 2. Train a recommender on [`Split::train`] only, with "now" = [`Split::cutoff`].
//! 3. [`evaluate`] asks it for every test user with at least one relevant item and averages
//!    precision@k, recall@k, NDCG@k and hit-rate@k; coverage is over the whole run.
//!
//! Next to them, [`Metrics`] reports what the lists hold beyond accuracy ([`lists`]):
//! intra-list diversity, novelty, coverage and the Gini index of exposure.
//!
//! A user's relevant items are the items they acted on with a positive kind (`save`, `click`) in
//! the test period and did not hide there; [`Relevance`] changes which kinds count.
//!
//! ```
//! use craic_core::evaluation::{evaluate, score_user, time_split};
//! use craic_core::Interaction;
//!
//! let log = vec![
//!     Interaction::new("ana", "gig-1", "click", 100),
//!     Interaction::new("ana", "gig-2", "save", 200),
//!     Interaction::new("ana", "gig-3", "click", 300),
//!     Interaction::new("bo", "gig-3", "hide", 300),
//! ];
//! let split = time_split(&log, 0.5);
//! assert_eq!(split.cutoff, 300);
//! assert_eq!(split.train.len(), 2);
//! // Only ana has a relevant test item (gig-3); bo only hid something.
//! let m = evaluate(&split.test, 2, 3, |_user| vec!["gig-3".to_string(), "gig-1".to_string()]);
//! assert_eq!(m.users, 1);
//! assert_eq!(m.precision, 0.5);
//! assert_eq!((m.recall, m.ndcg, m.hit_rate), (1.0, 1.0, 1.0));
//! assert!((m.coverage - 2.0 / 3.0).abs() < 1e-12);
//!
//! // Per user, by hand: [relevant, not, relevant] with two relevant items.
//! let s = score_user(&["a", "x", "b"], &["a", "b"], 3);
//! let expected = (1.0 + 1.0 / 4f64.log2()) / (1.0 + 1.0 / 3f64.log2());
//! assert!((s.ndcg - expected).abs() < 1e-12);
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::interaction::{AsInteraction, Interaction, CLICK, HIDE, IMPRESSION, SAVE};

pub mod lists;
pub use lists::{list_metrics, CatalogueInfo, ListMetrics};

/// The two halves of a time split.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// Interactions strictly before `cutoff`, in input order.
    pub train: Vec<Interaction>,
    /// Interactions at or after `cutoff`, in input order.
    pub test: Vec<Interaction>,
    /// The split time (unix seconds). `i64::MAX` when the test set is empty.
    pub cutoff: i64,
}

/// Splits `interactions` (in any order) by time: the cutoff is the timestamp at the
/// `1 - test_fraction` quantile, and everything at or after it goes to test.
///
/// Ties at the cutoff all go to test, so the test share can exceed `test_fraction`. A fraction of
/// 0 (or NaN, or an empty input) puts everything in train with `cutoff == i64::MAX`; a fraction of
/// 1 or more puts everything in test with `cutoff` = the earliest timestamp.
pub fn time_split(interactions: &[Interaction], test_fraction: f64) -> Split {
    let mut ts: Vec<i64> = interactions.iter().map(|i| i.timestamp).collect();
    let cutoff = split_cutoff(&mut ts, test_fraction);
    let (test, train) = interactions
        .iter()
        .cloned()
        .partition(|i| i.timestamp >= cutoff);
    Split {
        train,
        test,
        cutoff,
    }
}

/// The cutoff of [`time_split`] of a log with timestamps `ts` (reordered): the earliest
/// timestamp of the latest `test_fraction` of the log (`i64::MAX` when nothing is held out).
pub(crate) fn split_cutoff(ts: &mut [i64], test_fraction: f64) -> i64 {
    let n = ts.len();
    let fraction = if test_fraction.is_nan() {
        0.0
    } else {
        test_fraction.clamp(0.0, 1.0)
    };
    let test_len = ((n as f64) * fraction).round() as usize;
    if n == 0 || test_len == 0 {
        return i64::MAX;
    }
    let idx = n - test_len.min(n);
    *ts.select_nth_unstable(idx).1
}

/// Which interaction kinds make an item relevant for a user in the test period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relevance {
    /// Kinds that make the item relevant (default `save`, `click`).
    pub positive: Vec<String>,
    /// Kinds that make it irrelevant even if also positive in the period (default `hide`).
    pub negative: Vec<String>,
}

impl Default for Relevance {
    fn default() -> Self {
        Relevance {
            positive: vec![SAVE.to_string(), CLICK.to_string()],
            negative: vec![HIDE.to_string()],
        }
    }
}

impl Relevance {
    /// Each test user's relevant items, sorted, by user id; users with none are left out.
    /// Impressions (kind `impression`) are never engagement: they count neither way, whatever
    /// the kinds listed.
    pub fn relevant_items(&self, test: &[Interaction]) -> BTreeMap<String, Vec<String>> {
        self.relevant_of_rows(test)
    }

    /// [`Relevance::relevant_items`] of rows of any type (their ids copied).
    pub(crate) fn relevant_of_rows<R: AsInteraction>(
        &self,
        test: impl IntoIterator<Item = R>,
    ) -> BTreeMap<String, Vec<String>> {
        let mut per_user: HashMap<String, (HashSet<String>, HashSet<String>)> = HashMap::new();
        for row in test {
            let i = row.as_interaction();
            if i.kind == IMPRESSION {
                continue;
            }
            let positive = self.positive.iter().any(|k| k == i.kind);
            let negative = self.negative.iter().any(|k| k == i.kind);
            if !(positive || negative) {
                continue;
            }
            // Ids are copied once per user and item, not per row.
            if !per_user.contains_key(i.user_id) {
                per_user.insert(i.user_id.to_owned(), Default::default());
            }
            let Some((pos, neg)) = per_user.get_mut(i.user_id) else {
                continue;
            };
            for (set, on) in [(neg, negative), (pos, positive)] {
                if on && !set.contains(i.item_id) {
                    set.insert(i.item_id.to_owned());
                }
            }
        }
        per_user
            .into_iter()
            .filter_map(|(user, (pos, neg))| {
                let mut items: Vec<String> = pos.difference(&neg).cloned().collect();
                items.sort_unstable();
                (!items.is_empty()).then_some((user, items))
            })
            .collect()
    }
}

/// Metrics of one user's top-k list.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct UserScore {
    /// Relevant items in the top k (each item counted once).
    pub hits: usize,
    /// `hits / k`.
    pub precision: f64,
    /// `hits / |relevant|`.
    pub recall: f64,
    /// DCG / IDCG with binary gains, `1 / log2(rank + 1)` discounts (rank from 1) and IDCG over
    /// `min(|relevant|, k)` positions.
    pub ndcg: f64,
    /// 1 when `hits > 0`, else 0.
    pub hit: f64,
}

/// Scores one ranked list against a user's relevant items. Pure, for tests and custom loops.
///
/// Only the first `k` entries count; a repeated item counts only at its first position. `k == 0`
/// or no relevant items give all zeros.
pub fn score_user<S: AsRef<str>, R: AsRef<str>>(
    recommended: &[S],
    relevant: &[R],
    k: usize,
) -> UserScore {
    let relevant: HashSet<&str> = relevant.iter().map(AsRef::as_ref).collect();
    if k == 0 || relevant.is_empty() {
        return UserScore::default();
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut hits = 0usize;
    let mut dcg = 0.0;
    for (rank, item) in recommended.iter().take(k).enumerate() {
        let item = item.as_ref();
        if seen.insert(item) && relevant.contains(item) {
            hits += 1;
            dcg += 1.0 / ((rank + 2) as f64).log2();
        }
    }
    let idcg: f64 = (0..relevant.len().min(k))
        .map(|rank| 1.0 / ((rank + 2) as f64).log2())
        .sum();
    UserScore {
        hits,
        precision: hits as f64 / k as f64,
        recall: hits as f64 / relevant.len() as f64,
        ndcg: dcg / idcg,
        hit: if hits > 0 { 1.0 } else { 0.0 },
    }
}

/// Averages over the evaluated users, plus catalogue coverage.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Metrics {
    /// The cut-off k.
    pub k: usize,
    /// Users evaluated (test users with at least one relevant item).
    pub users: usize,
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k.
    pub recall: f64,
    /// Mean NDCG@k.
    pub ndcg: f64,
    /// Share of users with at least one hit in the top k.
    pub hit_rate: f64,
    /// Distinct items in all top-k lists / catalogue size (0 for an empty catalogue).
    pub coverage: f64,
    /// Mean pairwise `1 − Jaccard` distance of genres and artists within a list
    /// ([`ListMetrics::intra_list_diversity`]; 0 when the items' metadata is not known).
    #[serde(default)]
    pub intra_list_diversity: f64,
    /// Mean self-information of the recommended items, in bits ([`ListMetrics::novelty`];
    /// 0 when the training users are not known).
    #[serde(default)]
    pub novelty: f64,
    /// Gini index of exposure across the catalogue's items ([`ListMetrics::gini`]).
    #[serde(default)]
    pub gini: f64,
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "users={} P@{k}={:.4} R@{k}={:.4} NDCG@{k}={:.4} HR@{k}={:.4} coverage={:.4} \
             ILD={:.4} novelty={:.4} gini={:.4}",
            self.users,
            self.precision,
            self.recall,
            self.ndcg,
            self.hit_rate,
            self.coverage,
            self.intra_list_diversity,
            self.novelty,
            self.gini,
            k = self.k
        )
    }
}

/// [`evaluate_with`] using the default [`Relevance`] (`save`/`click`, minus `hide`).
pub fn evaluate<F>(test: &[Interaction], k: usize, catalogue_size: usize, recommend: F) -> Metrics
where
    F: Fn(&str) -> Vec<String> + Sync,
{
    evaluate_with(test, k, catalogue_size, &Relevance::default(), recommend)
}

/// Evaluates `recommend` (user id → ranked item ids) on the test interactions.
///
/// Calls `recommend` once per user with relevant items, in parallel (rayon), then sums in user-id
/// order, so the result is deterministic when `recommend` is. Lists longer than `k` are cut.
pub fn evaluate_with<F>(
    test: &[Interaction],
    k: usize,
    catalogue_size: usize,
    relevance: &Relevance,
    recommend: F,
) -> Metrics
where
    F: Fn(&str) -> Vec<String> + Sync,
{
    evaluate_relevant(
        &relevance.relevant_items(test),
        k,
        catalogue_size,
        recommend,
    )
}

/// Evaluates against precomputed relevant items ([`Relevance::relevant_items`]), e.g. to compare
/// several recommenders on the same split without recomputing them. Knowing only the
/// catalogue's size, it reports intra-list diversity and novelty as 0 ([`evaluate_lists`]
/// computes them).
pub fn evaluate_relevant<F>(
    relevant: &BTreeMap<String, Vec<String>>,
    k: usize,
    catalogue_size: usize,
    recommend: F,
) -> Metrics
where
    F: Fn(&str) -> Vec<String> + Sync,
{
    evaluate_lists(
        relevant,
        k,
        &CatalogueInfo::of_size(catalogue_size),
        recommend,
    )
}

/// [`evaluate_relevant`] with what the beyond-accuracy metrics need to know about the
/// catalogue (`Engine::catalogue_info`).
pub fn evaluate_lists<F>(
    relevant: &BTreeMap<String, Vec<String>>,
    k: usize,
    catalogue: &CatalogueInfo,
    recommend: F,
) -> Metrics
where
    F: Fn(&str) -> Vec<String> + Sync,
{
    let users: Vec<(&String, &Vec<String>)> =
        relevant.iter().filter(|(_, r)| !r.is_empty()).collect();
    let scored: Vec<(UserScore, Vec<String>)> = users
        .par_iter()
        .map(|(user, rel)| {
            let mut list = recommend(user);
            list.truncate(k);
            (score_user(&list, rel, k), list)
        })
        .collect();
    let n = scored.len();
    let mut m = Metrics {
        k,
        users: n,
        ..Metrics::default()
    };
    if n == 0 {
        return m;
    }
    for (s, _) in &scored {
        m.precision += s.precision;
        m.recall += s.recall;
        m.ndcg += s.ndcg;
        m.hit_rate += s.hit;
    }
    let nf = n as f64;
    m.precision /= nf;
    m.recall /= nf;
    m.ndcg /= nf;
    m.hit_rate /= nf;
    let lists: Vec<Vec<String>> = scored.into_iter().map(|x| x.1).collect();
    let l = list_metrics(&lists, catalogue);
    m.coverage = l.coverage;
    m.intra_list_diversity = l.intra_list_diversity;
    m.novelty = l.novelty;
    m.gini = l.gini;
    m
}

/// Evaluates an [`Engine`](crate::Engine) on test interactions: every test user with a relevant
/// item ([`Relevance`]) is asked for `request.k` recommendations, in parallel.
///
/// Train the engine on the split's train part only. `request.now` defaults to the earliest test
/// timestamp (the split's cutoff), not the clock, so that the test period's events are still
/// upcoming. Catalogue coverage and the Gini index are over the engine's live items; diversity
/// and novelty use its catalogue and interactions (`Engine::catalogue_info`). The first error a request
/// raises (`invalid_k`, …) is returned instead of the metrics. This is what the bindings'
/// `evaluate` calls.
pub fn evaluate_engine(
    engine: &crate::Engine,
    test: &[Interaction],
    request: &crate::Request,
    relevance: &Relevance,
) -> crate::Result<Metrics> {
    let mut request = request.clone();
    request.now = request
        .now
        .or_else(|| test.iter().map(|i| i.timestamp).min());
    let relevant = relevance.relevant_items(test);
    let catalogue = engine.catalogue_info();
    let first_error: std::sync::Mutex<Option<crate::Error>> = std::sync::Mutex::new(None);
    let metrics = evaluate_lists(&relevant, request.k, &catalogue, |user| {
        match engine.recommend(user, &request) {
            Ok(recs) => recs.into_iter().map(|r| r.item_id).collect(),
            Err(e) => {
                first_error
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get_or_insert(e);
                Vec::new()
            }
        }
    });
    match first_error
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok(metrics),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{Dataset, SyntheticConfig};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn ix(user: &str, item: &str, kind: &str, ts: i64) -> Interaction {
        Interaction::new(user, item, kind, ts)
    }

    #[test]
    fn ndcg_precision_recall_by_hand() {
        let s = score_user(&["a", "x", "b"], &["a", "b"], 3);
        assert_eq!(s.hits, 2);
        assert!(close(s.precision, 2.0 / 3.0));
        assert!(close(s.recall, 1.0));
        let want = (1.0 + 1.0 / 4f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!(close(s.ndcg, want));
        assert_eq!(s.hit, 1.0);

        // One hit at rank 2 of 3 relevant, k = 2: IDCG over min(3, 2) = 2 positions.
        let s = score_user(&["x", "b", "c"], &["a", "b", "c"], 2);
        assert_eq!(s.hits, 1);
        assert!(close(s.precision, 0.5));
        assert!(close(s.recall, 1.0 / 3.0));
        assert!(close(
            s.ndcg,
            (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2())
        ));

        // Perfect ranking.
        assert!(close(score_user(&["b", "a"], &["a", "b"], 2).ndcg, 1.0));
    }

    #[test]
    fn edge_cases() {
        let none: [&str; 0] = [];
        // No relevant items, k = 0, empty list.
        assert_eq!(score_user(&["a"], &none, 5), UserScore::default());
        assert_eq!(score_user(&["a"], &["a"], 0), UserScore::default());
        assert_eq!(score_user(&none, &["a"], 3).hits, 0);
        // k larger than the list: precision still divides by k.
        let s = score_user(&["a"], &["a"], 10);
        assert!(close(s.precision, 0.1) && close(s.recall, 1.0) && close(s.ndcg, 1.0));
        // Duplicates count once.
        let s = score_user(&["a", "a", "a"], &["a", "b"], 3);
        assert_eq!(s.hits, 1);
        assert!(s.ndcg <= 1.0 && s.precision <= 1.0);
        // Duplicate relevant entries do not inflate |relevant|.
        assert!(close(score_user(&["a"], &["a", "a"], 1).recall, 1.0));
        // Empty test set / no users.
        let m = evaluate(&[], 10, 100, |_| vec!["a".into()]);
        assert_eq!(m.users, 0);
        assert_eq!(m.ndcg, 0.0);
        let m = evaluate(&[ix("u", "a", "click", 1)], 3, 0, |_| vec!["a".into()]);
        assert_eq!((m.users, m.coverage, m.hit_rate), (1, 0.0, 1.0));
    }

    #[test]
    fn relevance_rules() {
        let test = vec![
            ix("u1", "a", "click", 10),
            ix("u1", "b", "save", 11),
            ix("u1", "b", "hide", 12),
            ix("u1", "a", "save", 13),
            ix("u2", "c", "hide", 10),
            ix("u3", "d", "unsave", 10),
            ix("u4", "e", "purchase", 10),
        ];
        let rel = Relevance::default().relevant_items(&test);
        assert_eq!(rel.len(), 1);
        assert_eq!(rel["u1"], vec!["a".to_string()]);
        let saves_only = Relevance {
            positive: vec!["save".into(), "purchase".into()],
            negative: vec![],
        };
        let rel = saves_only.relevant_items(&test);
        assert_eq!(rel["u1"], vec!["a".to_string(), "b".to_string()]);
        assert_eq!(rel["u4"], vec!["e".to_string()]);
        assert!(!rel.contains_key("u2"));
    }

    #[test]
    fn time_split_quantiles() {
        let log: Vec<Interaction> = (0..10)
            .rev()
            .map(|t| ix("u", "a", "click", t * 10))
            .collect();
        let s = time_split(&log, 0.2);
        assert_eq!(s.cutoff, 80);
        assert_eq!(s.test.len(), 2);
        assert_eq!(s.train.len(), 8);
        assert!(s.train.iter().all(|i| i.timestamp < s.cutoff));
        assert_eq!(s.test[0].timestamp, 90, "input order is kept");
        let all_train = time_split(&log, 0.0);
        assert_eq!((all_train.train.len(), all_train.cutoff), (10, i64::MAX));
        assert_eq!(time_split(&log, f64::NAN).train.len(), 10);
        let all_test = time_split(&log, 1.5);
        assert_eq!((all_test.test.len(), all_test.cutoff), (10, 0));
        let empty = time_split(&[], 0.5);
        assert!(empty.train.is_empty() && empty.test.is_empty());
        // Ties at the cutoff all go to test.
        let tied = vec![ix("u", "a", "click", 5); 4];
        assert_eq!(time_split(&tied, 0.25).test.len(), 4);
    }

    #[test]
    fn metrics_are_averaged_and_deterministic() {
        let test = vec![
            ix("u1", "a", "click", 1),
            ix("u2", "b", "save", 1),
            ix("u2", "c", "click", 2),
        ];
        let rec = |u: &str| -> Vec<String> {
            match u {
                "u1" => vec!["a".into(), "x".into()],
                _ => vec!["x".into(), "c".into(), "b".into()],
            }
        };
        let m = evaluate(&test, 2, 10, rec);
        assert_eq!(m.users, 2);
        assert!(close(m.precision, (0.5 + 0.5) / 2.0));
        assert!(close(m.recall, (1.0 + 0.5) / 2.0));
        assert!(close(m.hit_rate, 1.0));
        let u2 = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!(close(m.ndcg, (1.0 + u2) / 2.0));
        assert!(close(m.coverage, 3.0 / 10.0), "a, x, c (b is past k)");
        assert_eq!(m, evaluate(&test, 2, 10, rec));
        assert!(m.to_string().contains("NDCG@2="));
    }

    /// Ranks upcoming items (start after the cutoff) by `score`, best first, ties by id.
    fn top_k(
        data: &Dataset,
        cutoff: i64,
        k: usize,
        mut score: impl FnMut(usize) -> f64,
    ) -> Vec<String> {
        let mut scored: Vec<(f64, usize)> = (0..data.items.len())
            .filter(|&i| data.items[i].starts_at > cutoff)
            .map(|i| (score(i), i))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .take(k)
            .map(|(_, i)| data.items[i].id.clone())
            .collect()
    }

    #[test]
    fn synthetic_data_has_popularity_and_personal_signal() {
        let data = Dataset::generate(&SyntheticConfig::small());
        let split = time_split(&data.interactions, 0.2);
        let k = 10;
        let mut counts = vec![0usize; data.items.len()];
        for i in &split.train {
            if i.kind != HIDE {
                counts[data.item_index(&i.item_id).unwrap()] += 1;
            }
        }
        let popular = top_k(&data, split.cutoff, k, |i| counts[i] as f64);
        let pop = evaluate(&split.test, k, data.items.len(), |_| popular.clone());
        let random = evaluate(&split.test, k, data.items.len(), |u| {
            let mut rng = crate::rng::SplitMix64::new(data.user_index(u).unwrap() as u64);
            top_k(&data, split.cutoff, k, |_| rng.next_f64())
        });
        let oracle = evaluate(&split.test, k, data.items.len(), |u| {
            let user = data.user_index(u).unwrap();
            top_k(&data, split.cutoff, k, |i| data.affinity_by_index(user, i))
        });
        assert!(pop.users > 500, "{pop}");
        assert!(pop.ndcg > 0.05, "popularity {pop}");
        assert!(
            pop.ndcg > 2.0 * random.ndcg,
            "popularity {pop} random {random}"
        );
        assert!(
            oracle.ndcg > 1.5 * pop.ndcg,
            "oracle {oracle} popularity {pop}"
        );
        assert!(oracle.coverage > pop.coverage);
    }
}
