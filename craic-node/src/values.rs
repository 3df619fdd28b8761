//! The core's value types as plain JavaScript objects, each converted in one place: inputs
//! (`Item`, `Preferences`, `Interaction`, `ConfigOptions`, `RecommendOptions`) into core types,
//! core results (`Recommendation`, `Applied`, `Stats`, …) into objects. camelCase names, the
//! core's meanings and defaults.

use std::collections::HashMap;

use craic_core as core;
use craic_core::ErrorKind;
use napi::bindgen_prelude::Either;
use napi_derive::napi;

use crate::convert::{self, options};
use crate::errors::{Fallible, JsFailure};

options! {
    /// An event in the catalogue. Times are unix seconds.
    pub struct Item: "an item" {
        /// Unique id.
        pub id: [String],
        /// Start time (unix seconds); the event is recommendable until it starts.
        pub starts_at: [f64],
        /// City (`""` if unknown).
        pub city: [Option<String>],
        /// Venue (`""` if unknown).
        pub venue: [Option<String>],
        /// Genres.
        pub genres: [Option<Vec<String>>],
        /// Performing artists.
        pub artists: [Option<Vec<String>>],
        /// End time (unix seconds), if known.
        pub ends_at: [Option<f64>],
        /// Free-form tags.
        pub tags: [Option<Vec<String>>],
    }
}

impl TryFrom<Item> for core::Item {
    type Error = JsFailure;

    fn try_from(i: Item) -> Fallible<core::Item> {
        Ok(core::Item {
            id: i.id,
            starts_at: convert::timestamp(i.starts_at, "startsAt")?,
            city: i.city.unwrap_or_default(),
            venue: i.venue.unwrap_or_default(),
            genres: i.genres.unwrap_or_default(),
            artists: i.artists.unwrap_or_default(),
            ends_at: convert::opt_timestamp(i.ends_at, "endsAt")?,
            tags: i.tags.unwrap_or_default(),
        })
    }
}

impl From<core::Item> for Item {
    fn from(i: core::Item) -> Self {
        Item {
            id: i.id,
            starts_at: i.starts_at as f64,
            city: Some(i.city),
            venue: Some(i.venue),
            genres: Some(i.genres),
            artists: Some(i.artists),
            ends_at: i.ends_at.map(|t| t as f64),
            tags: Some(i.tags),
        }
    }
}

/// Converts a list of items; a bad one is reported with its index as `row`.
pub(crate) fn items(items: Vec<Item>) -> Fallible<Vec<core::Item>> {
    items
        .into_iter()
        .enumerate()
        .map(|(n, i)| core::Item::try_from(i).map_err(|e| e.in_row(n)))
        .collect()
}

options! {
    /// What a user said they like at onboarding; the first city is their home city.
    pub struct Preferences: "preferences" {
        /// Liked genres.
        pub genres: [Option<Vec<String>>],
        /// Liked artists.
        pub artists: [Option<Vec<String>>],
        /// Cities the user goes out in.
        pub cities: [Option<Vec<String>>],
    }
}

impl From<Preferences> for core::Preferences {
    fn from(p: Preferences) -> Self {
        core::Preferences {
            genres: p.genres.unwrap_or_default(),
            artists: p.artists.unwrap_or_default(),
            cities: p.cities.unwrap_or_default(),
        }
    }
}

impl From<core::Preferences> for Preferences {
    fn from(p: core::Preferences) -> Self {
        Preferences {
            genres: Some(p.genres),
            artists: Some(p.artists),
            cities: Some(p.cities),
        }
    }
}

/// Converts a `{userId: preferences}` record.
pub(crate) fn preferences_map(
    map: Option<HashMap<String, Preferences>>,
) -> Vec<(String, core::Preferences)> {
    let mut prefs: Vec<(String, core::Preferences)> = map
        .unwrap_or_default()
        .into_iter()
        .map(|(user, p)| (user, p.into()))
        .collect();
    // A JS object's keys come out of a hash map in no set order: sort, so builds are
    // deterministic (users are interned in this order).
    prefs.sort_by(|a, b| a.0.cmp(&b.0));
    prefs
}

/// One piece of implicit feedback: `userId` did `kind` to `itemId` at `timestamp` (unix
/// seconds). Kinds: `save`, `click`, `hide`, `unsave`, `impression`, or one added in the
/// configuration. An `impression` may carry the `rank` it was shown at.
#[napi(object)]
#[derive(Clone)]
pub struct Interaction {
    /// Who acted.
    pub user_id: String,
    /// What they acted on.
    pub item_id: String,
    /// The interaction kind.
    pub kind: String,
    /// When, in unix seconds (a whole number; milliseconds are refused).
    pub timestamp: f64,
    /// For an `impression` only: its position in the list shown, 0 for the top (a whole
    /// number ≥ 0, else `CRAIC_OUT_OF_RANGE`; on another kind `CRAIC_INVALID_RANK`).
    pub rank: Option<f64>,
}

impl TryFrom<Interaction> for core::Interaction {
    type Error = JsFailure;

    fn try_from(i: Interaction) -> Fallible<core::Interaction> {
        Ok(core::Interaction {
            user_id: i.user_id,
            item_id: i.item_id,
            kind: i.kind,
            timestamp: convert::timestamp(i.timestamp, "timestamp")?,
            rank: i.rank.map(|r| convert::rank(r, "rank")).transpose()?,
        })
    }
}

impl From<core::Interaction> for Interaction {
    fn from(i: core::Interaction) -> Self {
        Interaction {
            user_id: i.user_id,
            item_id: i.item_id,
            kind: i.kind,
            timestamp: i.timestamp as f64,
            rank: i.rank.map(f64::from),
        }
    }
}

/// Converts a batch of interactions; a bad row is reported with its index as `row`.
pub(crate) fn interactions(rows: Vec<Interaction>) -> Fallible<Vec<core::Interaction>> {
    rows.into_iter()
        .enumerate()
        .map(|(n, i)| core::Interaction::try_from(i).map_err(|e| e.in_row(n)))
        .collect()
}

/// A strategy name (`"popularity"`, `"collaborative"`, `"content"`, `"hybrid"`,
/// `"item_based"`); omitted, the
/// core's `Request::DEFAULT_STRATEGY`.
pub(crate) fn strategy(name: Option<String>) -> Fallible<core::Strategy> {
    name.map_or(Ok(core::Request::DEFAULT_STRATEGY), |n| {
        n.parse().map_err(JsFailure::from)
    })
}

options! {
    /// Options of `recommend` and `recommendMany`.
    pub struct RecommendOptions: "recommend options" {
        /// How many items (default 10); exactly this many whenever enough are eligible.
        pub k: [Option<f64>],
        /// `"popularity"`, `"collaborative"`, `"content"`, `"hybrid"` (default) or
        /// `"item_based"` (needs `linearItems` or `itemNeighbours` > 0 in the config, else an
        /// `invalid_config` error).
        pub strategy: [Option<String>],
        /// The time to recommend at, unix seconds (default: the clock).
        pub now: [Option<f64>],
        /// Only events in this city.
        pub city: [Option<String>],
        /// Item ids never to return.
        pub exclude: [Option<Vec<String>>],
        /// Attach each component's contribution and a reason.
        pub explain: [Option<bool>],
        /// Override the configuration's `excludeSaved`.
        pub exclude_saved: [Option<bool>],
        /// Never return items the user touched: `true` (any configured kind) or a list of kind
        /// names (`"impression"` for the items shown since the user last interacted with them).
        pub exclude_touched: [Option<Either<bool, Vec<String>>>],
        /// Score–variety trade-off in [0, 1] (maximal marginal relevance on genres and
        /// artists; default 0 = the plain ranking).
        pub diversity: [Option<f64>],
        /// At most this many items of one artist in the list (≥ 1).
        pub max_per_artist: [Option<f64>],
        /// At most this many items at one venue in the list (≥ 1).
        pub max_per_venue: [Option<f64>],
    }
}

options! {
    /// Options of `similarItems`.
    pub struct SimilarOptions: "similar items options" {
        /// How many events (default 10); exactly this many whenever enough are eligible.
        pub k: [Option<f64>],
        /// The time of the page view, unix seconds (default: the clock): only events starting
        /// after it are returned.
        pub now: [Option<f64>],
        /// Only events in this city.
        pub city: [Option<String>],
    }
}

/// `similarItems` options as the core's arguments: `(k, now, city)`.
pub(crate) fn similar(o: Option<SimilarOptions>) -> Fallible<(usize, Option<i64>, Option<String>)> {
    let o = o.unwrap_or_default();
    Ok((
        convert::k(o.k)?,
        convert::opt_timestamp(o.now, "now")?,
        o.city,
    ))
}

/// `excludeTouched` as the core's option.
fn touched(v: Option<Either<bool, Vec<String>>>) -> Option<core::Touched> {
    match v {
        None | Some(Either::A(false)) => None,
        Some(Either::A(true)) => Some(core::Touched::Any),
        Some(Either::B(kinds)) => Some(core::Touched::Kinds(kinds)),
    }
}

/// An item shown to a user (see `Engine.recordImpressions`).
#[napi(object)]
pub struct Impression {
    /// Who was shown the item.
    pub user_id: String,
    /// What was shown (must be in the catalogue).
    pub item_id: String,
    /// When, unix seconds.
    pub timestamp: f64,
    /// Position in the list shown, 0 for the top (a whole number ≥ 0).
    pub rank: f64,
}

/// Converts a batch of impressions; a bad row is reported with its index as `row`.
pub(crate) fn impressions(rows: Vec<Impression>) -> Fallible<Vec<core::Impression>> {
    rows.into_iter()
        .enumerate()
        .map(|(n, i)| {
            let t = convert::timestamp(i.timestamp, "timestamp").map_err(|e| e.in_row(n))?;
            let rank =
                convert::whole(i.rank, "rank", ErrorKind::OutOfRange).map_err(|e| e.in_row(n))?;
            Ok(core::Impression::new(i.user_id, i.item_id, t, rank))
        })
        .collect()
}

impl TryFrom<RecommendOptions> for core::Request {
    type Error = JsFailure;

    fn try_from(o: RecommendOptions) -> Fallible<core::Request> {
        Ok(core::Request {
            k: convert::k(o.k)?,
            strategy: strategy(o.strategy)?,
            now: convert::opt_timestamp(o.now, "now")?,
            city: o.city,
            exclude: o.exclude.unwrap_or_default(),
            explain: o.explain.unwrap_or(false),
            exclude_saved: o.exclude_saved,
            exclude_touched: touched(o.exclude_touched),
            diversity: o.diversity.unwrap_or(core::Request::default().diversity),
            max_per_artist: cap(o.max_per_artist, "max_per_artist")?,
            max_per_venue: cap(o.max_per_venue, "max_per_venue")?,
        })
    }
}

/// A list cap: a whole number (a negative one is `out_of_range`, as 0 is in the core).
pub(crate) fn cap(value: Option<f64>, what: &str) -> Fallible<Option<usize>> {
    value
        .map(|v| convert::count(v, what, core::ErrorKind::OutOfRange))
        .transpose()
}

/// The core request of optional recommend options (`undefined` gives the defaults).
pub(crate) fn request(o: Option<RecommendOptions>) -> Fallible<core::Request> {
    o.unwrap_or_default().try_into()
}

/// One component's share of a recommendation's score.
#[napi(object)]
pub struct Contribution {
    /// `"popularity"`, `"collaborative"`, `"content"` or `"item_based"` (similar events).
    pub component: String,
    /// Its weighted contribution to the final score.
    pub score: f64,
    /// Human-readable reason, e.g. `"matches genre folk"`.
    pub reason: String,
}

/// One recommended item; `explanation` is set when asked for with `explain: true`.
#[napi(object, use_nullable = true)]
pub struct Recommendation {
    /// The item id.
    pub item_id: String,
    /// Score under the requested strategy (comparable within one response).
    pub score: f64,
    /// Contributions, largest first, or `null` when not asked for.
    pub explanation: Option<Vec<Contribution>>,
}

impl From<core::Recommendation> for Recommendation {
    fn from(r: core::Recommendation) -> Self {
        Recommendation {
            item_id: r.item_id,
            score: r.score,
            explanation: r.explanation.map(|e| {
                e.contributions
                    .into_iter()
                    .map(|c| Contribution {
                        component: c.component.as_str().to_owned(),
                        score: c.score,
                        reason: c.reason,
                    })
                    .collect()
            }),
        }
    }
}

/// Core recommendations as JS objects.
pub(crate) fn recommendations(recs: Vec<core::Recommendation>) -> Vec<Recommendation> {
    recs.into_iter().map(Recommendation::from).collect()
}

/// What applying a batch of interactions did.
#[napi(object)]
pub struct Applied {
    /// Interactions applied.
    pub interactions: u32,
    /// Distinct users whose rows changed.
    pub users_changed: u32,
    /// Neighbour lists recomputed from scratch.
    pub lists_recomputed: u32,
    /// Neighbour-list entries checked or fixed in place.
    pub entries_touched: f64,
    /// True when the batch was large enough to rebuild every list instead.
    pub full_rebuild: bool,
}

impl From<core::Applied> for Applied {
    fn from(a: core::Applied) -> Self {
        Applied {
            interactions: saturate(a.interactions),
            users_changed: saturate(a.users_changed),
            lists_recomputed: saturate(a.lists_recomputed),
            entries_touched: a.entries_touched as f64,
            full_rebuild: a.full_rebuild,
        }
    }
}

/// A count as a JS-friendly `u32` (counts here never reach 4 billion; saturate if they do).
pub(crate) fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Counts describing an engine's contents.
#[napi(object, use_nullable = true)]
pub struct Stats {
    /// Users known.
    pub users: u32,
    /// Items in the catalogue, removed ones included.
    pub items: u32,
    /// Items that can be recommended.
    pub live_items: u32,
    /// Non-empty user–item cells.
    pub cells: f64,
    /// Interactions applied since the engine was created.
    pub interactions: f64,
    /// Latest interaction timestamp applied, if any.
    pub watermark: Option<f64>,
}

impl From<core::Stats> for Stats {
    fn from(s: core::Stats) -> Self {
        Stats {
            users: saturate(s.users),
            items: saturate(s.items),
            live_items: saturate(s.live_items),
            cells: s.cells as f64,
            interactions: s.interactions as f64,
            watermark: s.watermark.map(|w| w as f64),
        }
    }
}

/// Shares of each component in a user's hybrid score (they sum to 1, less with the learned blend when a component the user lacks weighs 0).
#[napi(object)]
pub struct BlendWeights {
    /// Collaborative share.
    pub collaborative: f64,
    /// Content share.
    pub content: f64,
    /// Popularity share.
    pub popularity: f64,
    /// New-event appeal share (the learned blend only; else 0).
    pub appeal: f64,
    /// Item-based share (a learned blend with `itemNeighbours` > 0; else 0).
    pub item_based: f64,
}

impl From<core::BlendWeights> for BlendWeights {
    fn from(b: core::BlendWeights) -> Self {
        BlendWeights {
            collaborative: b.collaborative,
            content: b.content,
            popularity: b.popularity,
            appeal: b.appeal,
            item_based: b.item_based,
        }
    }
}

/// A user's neighbour and their similarity.
#[napi(object)]
pub struct Neighbour {
    /// The neighbour's user id.
    pub user_id: String,
    /// Cosine similarity with shrinkage.
    pub similarity: f64,
}
