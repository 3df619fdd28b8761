//! What a caller asks for and what it gets back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// A recommendation strategy. The four are compared by A/B experiments.
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
}

impl Strategy {
    /// All strategies, control first.
    pub const ALL: [Strategy; 4] = [
        Strategy::Popularity,
        Strategy::Collaborative,
        Strategy::Content,
        Strategy::Hybrid,
    ];

    /// Lower-case name (`"hybrid"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Strategy::Popularity => "popularity",
            Strategy::Collaborative => "collaborative",
            Strategy::Content => "content",
            Strategy::Hybrid => "hybrid",
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
        Strategy::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::InvalidConfig(format!("unknown strategy {s:?}")))
    }
}

/// Options of one `recommend` call. `Request::new(k)` uses the Hybrid strategy, the current
/// clock, no city filter and no explanations.
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
}

impl Request {
    /// A request for `k` items with the Hybrid strategy.
    pub fn new(k: usize) -> Self {
        Request {
            k,
            strategy: Strategy::Hybrid,
            now: None,
            city: None,
            exclude: Vec::new(),
            explain: false,
            exclude_saved: None,
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
}

/// Which scorer a contribution came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Popularity.
    Popularity,
    /// Similar users.
    Collaborative,
    /// Item metadata against the user's profile.
    Content,
}

impl Component {
    /// Lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Component::Popularity => "popularity",
            Component::Collaborative => "collaborative",
            Component::Content => "content",
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
