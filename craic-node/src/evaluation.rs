//! Offline evaluation: a time split, relevant items, and top-k metrics of an engine. The loop is
//! the core's (`evaluate_engine`), run off the JS thread.

use std::collections::HashMap;
use std::sync::Arc;

use craic_core as core;
use craic_core::evaluation as eval;
use craic_core::ErrorKind;
use napi::bindgen_prelude::{AsyncTask, Object};
use napi::Env;
use napi_derive::napi;

use crate::convert::{self, options, strict};
use crate::engine::Engine;
use crate::errors::OrThrow;
use crate::values::{self, Interaction};
use crate::work::{spawn, Work};

/// The two halves of a time split.
#[napi(object)]
pub struct Split {
    /// Interactions before the cutoff.
    pub train: Vec<Interaction>,
    /// Interactions at or after the cutoff.
    pub test: Vec<Interaction>,
    /// The first test timestamp.
    pub cutoff: f64,
}

/// Splits interactions (any order) by time: the cutoff is the timestamp at the
/// `1 - testFraction` quantile and everything at or after it is test (ties at the cutoff all
/// go to test). A fraction of 0 (or NaN) puts everything in train; 1 or more everything in test.
#[napi(catch_unwind)]
pub fn time_split(
    env: Env,
    interactions: Vec<Interaction>,
    test_fraction: f64,
) -> napi::Result<Split> {
    let rows = values::interactions(interactions).or_throw(&env)?;
    let split = eval::time_split(&rows, test_fraction);
    let js = |rows: Vec<core::Interaction>| rows.into_iter().map(Interaction::from).collect();
    Ok(Split {
        train: js(split.train),
        test: js(split.test),
        cutoff: split.cutoff as f64,
    })
}

options! {
    /// Which interaction kinds make an item relevant in the test period.
    pub struct RelevanceOptions: "relevance options" {
        /// Kinds that make the item relevant (default `["save", "click"]`).
        pub positive: [Option<Vec<String>>],
        /// Kinds that make it irrelevant even if also positive (default `["hide"]`).
        pub negative: [Option<Vec<String>>],
    }
}

impl From<RelevanceOptions> for eval::Relevance {
    fn from(o: RelevanceOptions) -> Self {
        let d = eval::Relevance::default();
        eval::Relevance {
            positive: o.positive.unwrap_or(d.positive),
            negative: o.negative.unwrap_or(d.negative),
        }
    }
}

/// Each test user's relevant items (sorted), by user id: the items they acted on with a
/// `positive` kind in the test interactions and did not act on with a `negative` one there.
/// Users with none are left out.
#[napi(catch_unwind)]
pub fn relevant_items(
    env: Env,
    test_interactions: Vec<Interaction>,
    #[napi(ts_arg_type = "RelevanceOptions")] options: Option<Object>,
) -> napi::Result<HashMap<String, Vec<String>>> {
    let rows = values::interactions(test_interactions).or_throw(&env)?;
    let relevance: eval::Relevance = strict::<RelevanceOptions>(&env, options)?
        .unwrap_or_default()
        .into();
    Ok(relevance.relevant_items(&rows).into_iter().collect())
}

/// Averages over the evaluated users, plus catalogue coverage.
#[napi(object)]
pub struct Metrics {
    /// The cut-off k.
    pub k: u32,
    /// Users evaluated (test users with at least one relevant item).
    pub users: u32,
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k.
    pub recall: f64,
    /// Mean NDCG@k.
    pub ndcg: f64,
    /// Share of users with at least one hit in the top k.
    pub hit_rate: f64,
    /// Share of the live catalogue recommended to anyone.
    pub coverage: f64,
    /// Mean pairwise `1 − Jaccard` distance of genres and artists within a list.
    pub intra_list_diversity: f64,
    /// Mean self-information of the recommended items, in bits.
    pub novelty: f64,
    /// Gini index of exposure across the live catalogue's items.
    pub gini: f64,
}

impl From<eval::Metrics> for Metrics {
    fn from(m: eval::Metrics) -> Self {
        Metrics {
            k: values::saturate(m.k),
            users: values::saturate(m.users),
            precision: m.precision,
            recall: m.recall,
            ndcg: m.ndcg,
            hit_rate: m.hit_rate,
            coverage: m.coverage,
            intra_list_diversity: m.intra_list_diversity,
            novelty: m.novelty,
            gini: m.gini,
        }
    }
}

options! {
    /// Options of `evaluate`.
    pub struct EvaluateOptions: "evaluate options" {
        /// The cut-off (default 10).
        pub k: [Option<f64>],
        /// The strategy to evaluate (default `"hybrid"`).
        pub strategy: [Option<String>],
        /// "Now" for every request, unix seconds (default: the earliest test timestamp).
        pub now: [Option<f64>],
        /// Kinds that make an item relevant (default `["save", "click"]`).
        pub positive: [Option<Vec<String>>],
        /// Kinds that make it irrelevant (default `["hide"]`).
        pub negative: [Option<Vec<String>>],
        /// Re-ranking as in `recommend`: the score–variety trade-off in [0, 1].
        pub diversity: [Option<f64>],
        /// Re-ranking as in `recommend`: at most this many items of one artist.
        pub max_per_artist: [Option<f64>],
        /// Re-ranking as in `recommend`: at most this many items at one venue.
        pub max_per_venue: [Option<f64>],
    }
}

/// Evaluates an engine on test interactions, off the JS thread: every test user with a relevant
/// item is asked for `k` recommendations (in parallel) and precision@k, recall@k, NDCG@k and
/// hit-rate@k are averaged; coverage is the share of live items recommended to anyone, `gini`
/// the Gini index of exposure across them, `intraListDiversity` and `novelty` what the lists
/// hold (docs/evaluation.md). Train the engine on the split's train part only.
#[napi(catch_unwind, ts_return_type = "Promise<Metrics>")]
pub fn evaluate(
    env: Env,
    engine: &Engine,
    test_interactions: Vec<Interaction>,
    #[napi(ts_arg_type = "EvaluateOptions")] options: Option<Object>,
) -> napi::Result<AsyncTask<Work<Metrics>>> {
    let o: EvaluateOptions = strict(&env, options)?.unwrap_or_default();
    let rows = values::interactions(test_interactions).or_throw(&env)?;
    let k = convert::k(o.k).or_throw(&env)?;
    let request = core::Request {
        strategy: values::strategy(o.strategy).or_throw(&env)?,
        now: convert::opt_timestamp(o.now, "now").or_throw(&env)?,
        diversity: o.diversity.unwrap_or(core::Request::default().diversity),
        max_per_artist: values::cap(o.max_per_artist, "max_per_artist").or_throw(&env)?,
        max_per_venue: values::cap(o.max_per_venue, "max_per_venue").or_throw(&env)?,
        ..core::Request::new(k)
    };
    let relevance: eval::Relevance = RelevanceOptions {
        positive: o.positive,
        negative: o.negative,
    }
    .into();
    let engine = Arc::clone(&engine.inner);
    Ok(spawn(move || {
        eval::evaluate_engine(&engine, &rows, &request, &relevance)
            .map(Metrics::from)
            .map_err(Into::into)
    }))
}

/// Metrics of one user's ranked list.
#[napi(object)]
pub struct UserScore {
    /// Relevant items in the top k (each counted once).
    pub hits: u32,
    /// `hits / k`.
    pub precision: f64,
    /// `hits / relevant.length`.
    pub recall: f64,
    /// DCG / IDCG with binary gains.
    pub ndcg: f64,
    /// 1 when `hits > 0`, else 0.
    pub hit: f64,
}

/// Scores one ranked list of item ids against a user's relevant items at cut-off `k` (only the
/// first `k` entries count; a repeated item counts once). `k = 0` or no relevant items give
/// zeros.
#[napi(catch_unwind)]
pub fn score_user(
    env: Env,
    recommended: Vec<String>,
    relevant: Vec<String>,
    k: f64,
) -> napi::Result<UserScore> {
    let k = convert::count(k, "k", ErrorKind::InvalidK).or_throw(&env)?;
    let s = eval::score_user(&recommended, &relevant, k);
    Ok(UserScore {
        hits: values::saturate(s.hits),
        precision: s.precision,
        recall: s.recall,
        ndcg: s.ndcg,
        hit: s.hit,
    })
}
