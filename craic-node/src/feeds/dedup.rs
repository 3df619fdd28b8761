//! Cross-feed de-duplication from JavaScript: `deduplicate`, `explain`, and the `AliasTable`
//! class that rewrites interactions to canonical ids and splits wrong matches.

use std::collections::HashMap;

use craic_core::feeds::{self as core_feeds, EventStatus, Gate, MatchConfig};
use craic_core::ErrorKind;
use napi::bindgen_prelude::{ClassInstance, JsObjectValue, Object};
use napi::Env;
use napi_derive::napi;

use super::FeedEvent;
use crate::convert::{self, from_object, known_keys, options, Fields};
use crate::errors::{Fallible, Family, JsFailure, OrThrow};
use crate::values::{self, Interaction, Item};

fn gate_name(g: Gate) -> &'static str {
    match g {
        Gate::SameSource => "same_source",
        Gate::StartWindow => "start_window",
        Gate::Venue => "venue",
        Gate::Name => "name",
        Gate::Score => "score",
        Gate::KeptApart => "kept_apart",
    }
}

/// A listing as the core takes it; the item is checked like any item (`row` = its index).
fn to_core(e: FeedEvent) -> Fallible<core_feeds::FeedEvent> {
    Ok(core_feeds::FeedEvent {
        item: e.item.try_into()?,
        name: e.name,
        status: if e.status == "rescheduled" {
            EventStatus::Rescheduled
        } else {
            EventStatus::Scheduled
        },
    })
}

fn listings(events: Vec<FeedEvent>) -> Fallible<Vec<core_feeds::FeedEvent>> {
    events
        .into_iter()
        .enumerate()
        .map(|(n, e)| to_core(e).map_err(|err| err.in_row(n)))
        .collect()
}

/// Why two listings were, or were not, merged (`failed` names the gates that stopped them).
#[napi(object, use_nullable = true)]
pub struct MatchExplanation {
    /// First listing's id.
    pub a: String,
    /// Second listing's id.
    pub b: String,
    /// Venue similarity, `null` if a venue is unknown.
    pub venue: Option<f64>,
    /// Whether the cities are equal, `null` if one is unknown.
    pub same_city: Option<bool>,
    /// `b.startsAt - a.startsAt`, seconds.
    pub start_delta_secs: f64,
    /// Time score.
    pub time: f64,
    /// Name similarity.
    pub name: f64,
    /// Artist signal, `null` when neither lists artists.
    pub artists: Option<f64>,
    /// Weighted score.
    pub score: f64,
    /// Failed gates: `same_source`, `start_window`, `venue`, `name`, `score`, `kept_apart`.
    pub failed: Vec<String>,
    /// True when every gate passed.
    pub is_match: bool,
}

impl From<core_feeds::MatchExplanation> for MatchExplanation {
    fn from(e: core_feeds::MatchExplanation) -> Self {
        MatchExplanation {
            is_match: e.is_match(),
            failed: e.failed.iter().map(|g| gate_name(*g).to_owned()).collect(),
            a: e.a,
            b: e.b,
            venue: e.venue,
            same_city: e.same_city,
            start_delta_secs: e.start_delta_secs as f64,
            time: e.time,
            name: e.name,
            artists: e.artists,
            score: e.score,
        }
    }
}

/// Listings merged into one canonical item, with the matches that joined them.
#[napi(object)]
pub struct MatchedGroup {
    /// The canonical id.
    pub canonical: String,
    /// Every member's source id, the canonical first.
    pub members: Vec<String>,
    /// Why they were merged.
    pub explanations: Vec<MatchExplanation>,
}

/// The outcome of `deduplicate`: one item per distinct event, the alias table and the merges.
#[napi(object, object_from_js = false)]
pub struct Dedup {
    /// One item per distinct event.
    pub items: Vec<Item>,
    /// Source id → canonical id.
    pub aliases: AliasTable,
    /// The merged groups.
    pub groups: Vec<MatchedGroup>,
}

/// What `AliasTable.split` did.
#[napi(object, use_nullable = true)]
pub struct AliasSplit {
    /// The id detached from its group.
    pub detached: String,
    /// The canonical id of the rest, if two or more listings remain merged.
    pub canonical: Option<String>,
    /// The ids that stayed together, canonical first.
    pub remaining: Vec<String>,
}

/// Source id → canonical id. Log interactions with the id the user acted on; rewrite them
/// before `Engine.record`; `split` undoes a wrong match (see `docs/feeds.md`).
#[napi]
#[derive(Clone, Default)]
pub struct AliasTable {
    inner: core_feeds::AliasTable,
}

#[napi]
impl AliasTable {
    /// An empty table.
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        AliasTable::default()
    }

    /// Makes `aliases` (and their aliases) aliases of `canonical`'s group.
    #[napi(catch_unwind)]
    pub fn merge(&mut self, canonical: String, aliases: Vec<String>) {
        self.inner
            .merge(&canonical, aliases.iter().map(String::as_str));
    }

    /// The canonical id of `id` (`id` itself if it is not an alias).
    #[napi(catch_unwind)]
    pub fn canonical(&self, id: String) -> String {
        self.inner.canonical(&id).to_string()
    }

    /// The aliases of a canonical id.
    #[napi(catch_unwind)]
    pub fn aliases(&self, canonical: String) -> Vec<String> {
        self.inner.aliases(&canonical).to_vec()
    }

    /// Every group: canonical id → aliases.
    #[napi(catch_unwind)]
    pub fn groups(&self) -> HashMap<String, Vec<String>> {
        self.inner
            .groups()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect()
    }

    /// The interaction with its item id replaced by the canonical id.
    #[napi(catch_unwind)]
    pub fn rewrite(&self, env: Env, interaction: Interaction) -> napi::Result<Interaction> {
        let core = craic_core::Interaction::try_from(interaction).or_throw(&env)?;
        Ok(self.inner.rewrite(&core).into())
    }

    /// `rewrite` of every interaction, in order (a bad one is reported with its `row`).
    #[napi(catch_unwind)]
    pub fn rewrite_all(
        &self,
        env: Env,
        interactions: Vec<Interaction>,
    ) -> napi::Result<Vec<Interaction>> {
        let log = values::interactions(interactions).or_throw(&env)?;
        Ok(self
            .inner
            .rewrite_all(&log)
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Detaches `id` from its group and remembers the split; `null` if `id` is in no group.
    #[napi(catch_unwind)]
    pub fn split(&mut self, id: String) -> Option<AliasSplit> {
        self.inner.split(&id).map(|s| AliasSplit {
            detached: s.detached,
            canonical: s.canonical,
            remaining: s.remaining,
        })
    }

    /// Whether a split separated `a` and `b`.
    #[napi(catch_unwind)]
    pub fn kept_apart(&self, a: String, b: String) -> bool {
        self.inner.kept_apart(&a, &b)
    }

    /// Number of aliases (ids that map to another id).
    #[napi(getter, catch_unwind)]
    pub fn length(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }

    /// The table as JSON (to persist it with the catalogue).
    #[napi(catch_unwind)]
    pub fn to_json(&self, env: Env) -> napi::Result<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| JsFailure::new(Family::Other, "internal", e.to_string()))
            .or_throw(&env)
    }

    /// A table from `toJson` output; an `InvalidInputError` (`CRAIC_INVALID_ALIAS_TABLE`) if it
    /// is not one.
    #[napi(factory, catch_unwind)]
    pub fn from_json(env: Env, json: String) -> napi::Result<Self> {
        serde_json::from_str(&json)
            .map(|inner| AliasTable { inner })
            .map_err(|e| JsFailure::feed("invalid_alias_table", format!("not an alias table: {e}")))
            .or_throw(&env)
    }
}

options! {
    /// The matcher's thresholds (`MatchConfig`); every field left out keeps its default.
    pub struct MatchOptions: "match options" {
        /// Largest start difference, seconds (default 10 800).
        pub window_secs: [Option<f64>],
        /// Start differences up to this count as the same time (default 900).
        pub exact_secs: [Option<f64>],
        /// Smallest venue similarity (default 0.6).
        pub min_venue: [Option<f64>],
        /// Venue score when a venue is unknown (default 0.5).
        pub unknown_venue_score: [Option<f64>],
        /// Smallest name-or-artist similarity (default 0.6).
        pub min_name: [Option<f64>],
        /// Weights of venue, time and name (default `[0.35, 0.2, 0.45]`).
        pub weights: [Option<Vec<f64>>],
        /// Smallest weighted score (default 0.72).
        pub min_score: [Option<f64>],
    }
}

impl MatchOptions {
    fn into_core(self) -> Fallible<MatchConfig> {
        let d = MatchConfig::default();
        let secs = |v: Option<f64>, what: &str, default: i64| {
            v.map_or(Ok(default), |v| {
                convert::whole(v, what, ErrorKind::InvalidConfig)
            })
        };
        let weights = match self.weights.as_deref() {
            None => d.weights,
            Some(&[a, b, c]) => [a, b, c],
            Some(other) => {
                return Err(JsFailure::invalid(
                    ErrorKind::InvalidConfig,
                    format!("weights must be 3 numbers, got {}", other.len()),
                ))
            }
        };
        Ok(MatchConfig {
            window_secs: secs(self.window_secs, "windowSecs", d.window_secs)?,
            exact_secs: secs(self.exact_secs, "exactSecs", d.exact_secs)?,
            min_venue: self.min_venue.unwrap_or(d.min_venue),
            unknown_venue_score: self.unknown_venue_score.unwrap_or(d.unknown_venue_score),
            min_name: self.min_name.unwrap_or(d.min_name),
            weights,
            min_score: self.min_score.unwrap_or(d.min_score),
            ..d
        })
    }
}

/// The match config of an options object (strict names; `extra` names are allowed too).
fn match_config(env: &Env, obj: Option<&Object>, extra: &[&str]) -> napi::Result<MatchConfig> {
    let Some(obj) = obj else {
        return Ok(MatchConfig::default());
    };
    let fields: Vec<&str> = MatchOptions::FIELDS.iter().chain(extra).copied().collect();
    known_keys(env, obj, "deduplicate options", &fields)?;
    let options: MatchOptions = from_object(env, obj)?;
    options.into_core().or_throw(env)
}

/// Merges listings of the same event across feeds. `options`: `known` (the previous
/// `AliasTable`: its splits are honoured) and the matcher's thresholds.
#[napi(
    catch_unwind,
    ts_args_type = "events: Array<FeedEvent>, options?: MatchOptions & { known?: AliasTable }"
)]
pub fn deduplicate(
    env: Env,
    events: Vec<FeedEvent>,
    options: Option<Object>,
) -> napi::Result<Dedup> {
    let config = match_config(&env, options.as_ref(), &["known"])?;
    let known = match &options {
        Some(o) => o
            .get_named_property::<Option<ClassInstance<AliasTable>>>("known")?
            .map(|k| k.inner.clone())
            .unwrap_or_default(),
        None => core_feeds::AliasTable::new(),
    };
    let listings = listings(events).or_throw(&env)?;
    let out = core_feeds::deduplicate(&listings, &config, &known);
    Ok(Dedup {
        items: out.items.into_iter().map(Item::from).collect(),
        aliases: AliasTable { inner: out.aliases },
        groups: out
            .groups
            .into_iter()
            .map(|g| MatchedGroup {
                canonical: g.canonical,
                members: g.members,
                explanations: g.explanations.into_iter().map(Into::into).collect(),
            })
            .collect(),
    })
}

/// Explains how two listings compare (the same thresholds as `deduplicate`).
#[napi(catch_unwind)]
pub fn explain(
    env: Env,
    a: FeedEvent,
    b: FeedEvent,
    #[napi(ts_arg_type = "MatchOptions")] options: Option<Object>,
) -> napi::Result<MatchExplanation> {
    let config = match_config(&env, options.as_ref(), &[])?;
    let a = to_core(a).or_throw(&env)?;
    let b = to_core(b).or_throw(&env)?;
    Ok(core_feeds::explain(&a, &b, &config).into())
}
