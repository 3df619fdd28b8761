//! What a caller asks for and what it gets back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// A recommendation strategy. The four of [`Strategy::ALL`] are compared by A/B experiments;
/// [`Strategy::ItemBased`] is opt-in (`Config::item_neighbours`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Time-decayed interaction counts, per city when the user has one (the control).
    Popularity,
    /// Neighbour-weighted scores from the most similar users (user–user cosine).
    Collaborative,
    /// Item metadata against the user's stated preferences and history (IDF-weighted cosine).
    Content,
    /// A blend of the three whose collaborative share grows with the user's history.
    Hybrid,
    /// The user's history times item–item neighbourhoods (shrunk cosine over the items'
    /// users): events engaged with by the same people as the events the user engaged with.
    /// Needs `Config::item_neighbours` > 0; otherwise a request is an `invalid_config` error.
    ItemBased,
}

impl Strategy {
    /// The strategies every engine serves, control first (`ItemBased`, which needs item
    /// lists, is in [`Strategy::EVERY`] only).
    pub const ALL: [Strategy; 4] = [
        Strategy::Popularity,
        Strategy::Collaborative,
        Strategy::Content,
        Strategy::Hybrid,
    ];

    /// Every strategy: [`Strategy::ALL`], then the opt-in `ItemBased`.
    pub const EVERY: [Strategy; 5] = [
        Strategy::Popularity,
        Strategy::Collaborative,
        Strategy::Content,
        Strategy::Hybrid,
        Strategy::ItemBased,
    ];

    /// Lower-case name (`"hybrid"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Strategy::Popularity => "popularity",
            Strategy::Collaborative => "collaborative",
            Strategy::Content => "content",
            Strategy::Hybrid => "hybrid",
            Strategy::ItemBased => "item_based",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Strategy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Strategy::EVERY
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::InvalidConfig(format!("unknown strategy {s:?}")))
    }
}

/// Options of one `recommend` call. `Request::new(k)` uses the Hybrid strategy, the current
/// clock, no city filter and no explanations; `Request::default()` is the same with
/// [`Request::DEFAULT_K`] items. The bindings take their keyword defaults from
/// `Request::default()`, so a default is defined here only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// How many items to return (1..=`Config::max_k`).
    pub k: usize,
    /// Which strategy ranks the items.
    pub strategy: Strategy,
    /// "Now" in unix seconds: only events starting after it are eligible. `None` = system clock.
    pub now: Option<i64>,
    /// Only recommend events in this city.
    pub city: Option<String>,
    /// Item ids never to return in this response.
    pub exclude: Vec<String>,
    /// Attach an [`Explanation`] to every recommendation.
    pub explain: bool,
    /// Override `Config::exclude_saved` for this call.
    pub exclude_saved: Option<bool>,
    // Re-ranking for variety (see `docs/how-it-works.md#diversity`).
    /// Trade-off between score and variety in `[0, 1]` (maximal marginal relevance on genres
    /// and artists): 0 (the default) is the plain ranking, 1 picks by variety alone.
    #[serde(default)]
    pub diversity: f64,
    /// At most this many items of one artist in the list (≥ 1; `None` = no cap).
    #[serde(default)]
    pub max_per_artist: Option<usize>,
    /// At most this many items at one venue in the list (≥ 1; `None` = no cap).
    #[serde(default)]
    pub max_per_venue: Option<usize>,
    // What the user has touched (see `docs/how-it-works.md`).
    /// Never return items the user has touched: with any configured kind, or with one of a
    /// chosen set of kinds (`impression` among them selects every item shown to the user since
    /// they last interacted with it). Applied inside the scan, like the hidden items.
    #[serde(default)]
    pub exclude_touched: Option<Touched>,
}

/// Which of a user's items [`Request::exclude_touched`] leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Touched {
    /// Every item with an interaction of a configured kind still in effect (an `unsave`
    /// takes a save back; impressions are not interactions).
    Any,
    /// Items with an interaction of one of these kinds (`impression` included: items shown
    /// since the user's last interaction with them). An unknown kind is an `UnknownKind` error.
    Kinds(Vec<String>),
}

impl Default for Request {
    /// A request for [`Request::DEFAULT_K`] items with [`Request::DEFAULT_STRATEGY`].
    fn default() -> Self {
        Request::new(Request::DEFAULT_K)
    }
}

impl Request {
    /// How many items a request asks for when the caller does not say (the bindings' `k`).
    pub const DEFAULT_K: usize = 10;

    /// The strategy of a request that does not name one.
    pub const DEFAULT_STRATEGY: Strategy = Strategy::Hybrid;

    /// A request for `k` items with the Hybrid strategy.
    pub fn new(k: usize) -> Self {
        Request {
            k,
            strategy: Request::DEFAULT_STRATEGY,
            now: None,
            city: None,
            exclude: Vec::new(),
            explain: false,
            exclude_saved: None,
            exclude_touched: None,
            diversity: 0.0,
            max_per_artist: None,
            max_per_venue: None,
        }
    }

    /// Sets the strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets "now" (unix seconds).
    pub fn now(mut self, now: i64) -> Self {
        self.now = Some(now);
        self
    }

    /// Restricts results to one city.
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    /// Excludes these item ids.
    pub fn exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.exclude = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Asks for explanations.
    pub fn explain(mut self, explain: bool) -> Self {
        self.explain = explain;
        self
    }

    /// Excludes the items the user has touched (see [`Request::exclude_touched`]).
    pub fn exclude_touched(mut self, touched: Touched) -> Self {
        self.exclude_touched = Some(touched);
        self
    }

    /// Sets the diversity trade-off (0 = plain ranking, 1 = variety only).
    pub fn diversity(mut self, diversity: f64) -> Self {
        self.diversity = diversity;
        self
    }

    /// Caps the items of one artist in the list.
    pub fn max_per_artist(mut self, cap: usize) -> Self {
        self.max_per_artist = Some(cap);
        self
    }

    /// Caps the items at one venue in the list.
    pub fn max_per_venue(mut self, cap: usize) -> Self {
        self.max_per_venue = Some(cap);
        self
    }
}

/// Which scorer a contribution came from. Non-exhaustive: new scorers add variants in minor
/// releases (docs/api-stability.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Component {
    /// Popularity.
    Popularity,
    /// Similar users.
    Collaborative,
    /// Item metadata against the user's profile.
    Content,
    /// Co-engagement: people who engaged with one event also engaged with this one
    /// ([`crate::Engine::similar_items`]).
    ItemBased,
}

impl Component {
    /// Lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Component::Popularity => "popularity",
            Component::Collaborative => "collaborative",
            Component::Content => "content",
            Component::ItemBased => "item_based",
        }
    }
}

/// One component's share of a recommendation's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The scorer.
    pub component: Component,
    /// Its weighted contribution to the final score.
    pub score: f64,
    /// Human-readable reason, e.g. `"3 similar users saved it"`, `"matches genre techno"`,
    /// `"popular in dublin"`.
    pub reason: String,
}

/// Why an item was recommended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Explanation {
    /// Contributions, largest first.
    pub contributions: Vec<Contribution>,
}

/// One recommended item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The item id.
    pub item_id: String,
    /// Its score under the requested strategy (higher is better; comparable within one response).
    pub score: f64,
    /// Present when the request asked for explanations.
    pub explanation: Option<Explanation>,
}
