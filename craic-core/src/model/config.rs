//! Engine configuration: interaction kinds and weights, decay, neighbourhoods, blending.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::interaction::{CLICK, HIDE, IMPRESSION, SAVE, UNSAVE};
use crate::limits::{
    MAX_ITEM_NEIGHBOURS, MAX_K, MAX_KINDS, MAX_LINEAR_ITEMS, MAX_NEIGHBOURS, MAX_NEIGHBOUR_BUFFER,
    MAX_USER_ITEMS,
};
use crate::model::error::{Error, Result};
use crate::model::learned::{Blend, LearnSettings};

/// What an interaction kind does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Adds `weight` (decayed) to the user–item cell. Saves also mark the item as saved.
    Positive,
    /// Subtracts `weight` (decayed) and excludes the item for that user forever.
    Negative,
    /// Removes every earlier contribution of the named kind for that user–item pair.
    Retract(String),
}

/// Weight and effect of one interaction kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindSpec {
    /// Strength of one interaction of this kind at its own time; finite and ≥ 0.
    pub weight: f64,
    /// What it does.
    pub effect: Effect,
}

/// Relative weight of each kind of item metadata in content scoring (multiplies its IDF).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureWeights {
    /// Genres.
    pub genre: f64,
    /// Artists.
    pub artist: f64,
    /// Venue.
    pub venue: f64,
    /// City.
    pub city: f64,
    /// Free tags.
    pub tag: f64,
}

impl FeatureWeights {
    /// The names of the kinds of metadata, as the bindings spell them.
    pub const NAMES: [&'static str; 5] = ["genre", "artist", "venue", "city", "tag"];

    /// Every `(name, weight)`, in [`FeatureWeights::NAMES`] order.
    pub fn entries(&self) -> [(&'static str, f64); 5] {
        [
            ("genre", self.genre),
            ("artist", self.artist),
            ("venue", self.venue),
            ("city", self.city),
            ("tag", self.tag),
        ]
    }

    /// Sets the weight of one kind of metadata by name; an unknown name is
    /// [`Error::InvalidConfig`] (the weight itself is checked by [`Config::validate`]).
    pub fn set(&mut self, name: &str, weight: f64) -> Result<()> {
        let slot = match name {
            "genre" => &mut self.genre,
            "artist" => &mut self.artist,
            "venue" => &mut self.venue,
            "city" => &mut self.city,
            "tag" => &mut self.tag,
            other => {
                return Err(Error::InvalidConfig(format!(
                    "unknown content weight {other:?} ({})",
                    Self::NAMES.join(", ")
                )))
            }
        };
        *slot = weight;
        Ok(())
    }
}

impl Default for FeatureWeights {
    fn default() -> Self {
        FeatureWeights {
            genre: 1.0,
            artist: 0.5,
            venue: 0.2,
            city: 1.0,
            tag: 0.5,
        }
    }
}

/// Configuration of an [`crate::Engine`]. `Config::default()` is a sensible start for event
/// recommendations; every field is public and documented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Interaction kinds by name. Defaults: `save` 1.0, `click` 0.25, `hide` 0.25 (negative),
    /// `unsave` (retracts `save`).
    ///
    /// A hide always excludes the event for that user; its weight is only how much it counts
    /// against similar people, similar events and the user's content profile. The default
    /// 0.25 (a click's weight, the other way) replaced 1.0: over the generator's worlds the
    /// learned hybrid is level or better with it, at `medium` 3.7 % better, and on two
    /// MovieLens logs 2.4–2.6 % better (a hidden event is still one the user was drawn to
    /// look at). The repository's `docs/evaluation.md` (*The hide weight*) has the figures.
    pub kinds: BTreeMap<String, KindSpec>,
    /// Half-life of an interaction's weight in seconds; `None` disables time decay.
    ///
    /// Decay is *forward* decay: an interaction at time `t` weighs `w · 2^((t − epoch)/half_life)`,
    /// so the passage of time rescales every weight by one common factor and leaves cosine
    /// similarities and popularity rankings unchanged — no rebuild is ever needed for time alone.
    pub half_life_secs: Option<f64>,
    /// Number of neighbours kept per user (top-k by cosine similarity), in
    /// `1..=`[`crate::limits::MAX_NEIGHBOURS`].
    pub neighbours: usize,
    /// Extra neighbours kept beyond `neighbours` (never served): an update that pushes a
    /// neighbour down is then fixed in place instead of recomputing that list. More means fewer
    /// recomputes and more memory (8 bytes per user per neighbour). At most
    /// [`crate::limits::MAX_NEIGHBOUR_BUFFER`].
    pub neighbour_buffer: usize,
    /// Similarity shrinkage λ: `sim = cos · n / (n + λ)` with `n` co-interacted items (0 = off).
    pub shrinkage: f64,
    /// Minimum number of co-interacted items for two users to be neighbours.
    pub min_overlap: u32,
    /// Items with more distinct users than this do not contribute to user–user overlap (they still
    /// count in norms, popularity, content and scoring). Bounds the cost of similarity updates.
    ///
    /// Raise it for more collaborative signal from popular events at a higher build and update
    /// cost; the measured trade-off is in the repository's `docs/performance.md` (*The cost
    /// guard trade-off*).
    pub max_item_users: usize,
    /// Never recommend items the user has saved (and not unsaved).
    pub exclude_saved: bool,
    /// Hybrid: collaborative share is `n / (n + hybrid_k0)` for a user with `n` positive items.
    /// Within it, an event the user's neighbours have not touched (or barely) is backed by its
    /// content: its collaborative part is at least half its (prior-weighted) content score, so
    /// events nobody has seen yet are not ranked as if the user's neighbourhood disliked them.
    pub hybrid_k0: f64,
    /// Hybrid: share of content within the non-collaborative part, when the user has
    /// preferences or history (the rest is popularity).
    pub hybrid_content_share: f64,
    /// Exponent γ of the popularity prior on content scores: a content match counts
    /// `content × popularity^γ`, with popularity local to the user's cities in [0, 1] (the
    /// request's city, else the stated cities, else the cities the user's history is in). Among
    /// equally good matches the popular one wins, and a brand-new user with stated preferences
    /// gets popularity filtered by those preferences. 0 disables the prior.
    ///
    /// The default 0.5 (the square root) lets the match decide more than the popularity: the
    /// local popularity of events nobody has seen yet is an underestimate (they have had little
    /// time to collect interactions), and a strong prior ranks a home-city event of an unloved
    /// genre above a loved-genre event elsewhere. Worlds differ on the best value for ranking
    /// quality; the repository's `docs/evaluation.md` (*The content prior*) measures it on the
    /// synthetic presets.
    pub popularity_prior: f64,
    /// Weight of the artist prior in the popularity prior of content scores. An event's artist
    /// prior is the mean popularity of its artists' events (the best artist's), scaled by the
    /// best such mean among the upcoming events; the content prior is then taken of the larger
    /// of the event's own (local) popularity and this weight times its artist prior. An event
    /// that has barely been seen yet by an artist whose shows draw crowds is so not ranked as
    /// unknown, while an event's own evidence, once it has some, is never discounted. 0
    /// disables it; the popularity strategy never uses it.
    pub artist_prior: f64,
    /// Weight of stated preferences in the content profile, relative to one normalised history.
    pub preference_weight: f64,
    /// Largest `k` a request may ask for, in `1..=`[`crate::limits::MAX_K`].
    pub max_k: usize,
    /// Weight of each kind of metadata in content scoring.
    pub content_weights: FeatureWeights,
    /// Strength of exposure-aware demotion, finite and ≥ 0 (0 = off): an item shown to a user
    /// `n` times (decayed, see `exposure_half_life_secs`) since their last interaction with it
    /// scores `1 / (1 + strength · max(0, n − 1))` of its score for that user. Acts only on
    /// recorded impressions (kind `impression`), so rankings without them are unchanged.
    pub exposure_demotion: f64,
    /// Memory of exposure: the half-life, in seconds, of one showing's weight in the demotion
    /// count (finite, > 0). A demoted item recovers as its showings age.
    pub exposure_half_life_secs: f64,
    /// How the Hybrid strategy blends its components: weights learned per activity bucket on a
    /// held-out slice of the training log at every build ([`Blend::Learned`], the default; see
    /// [`crate::Engine::blend_report`]), or the fixed blend above ([`Blend::Fixed`]). A learned
    /// blend whose holdout has fewer than [`crate::MIN_HOLDOUT_USERS`] users serves the fixed
    /// blend until a retrain has more (`blend_report()` is then `None`).
    pub blend: Blend,
    /// Neighbours kept per item for the item-based component (top-k by shrunk cosine over the
    /// items' users, with the users' `shrinkage`, `min_overlap` and `neighbour_buffer`), in
    /// `0..=`[`crate::limits::MAX_ITEM_NEIGHBOURS`]; 0 (the default) keeps no item lists.
    ///
    /// Opt-in: when 0, building, recording, memory and snapshots are as without the
    /// component, and the `ItemBased` strategy is an `invalid_config` error. When on, every
    /// write keeps the lists exactly equal to a full rebuild, the `ItemBased` strategy serves,
    /// and a learned blend ([`Blend::Learned`]) weighs the item-based score as a fifth
    /// component. Memory: 8 bytes per item per kept neighbour. Users with more than
    /// `max_user_items` items leave item–item overlap (the cost guard).
    #[serde(default)]
    pub item_neighbours: usize,
    /// The item side's cost guard (with item lists on): users with more items than this leave
    /// item–item overlap (they still count in the items' norms), as items with more users than
    /// `max_item_users` leave user–user overlap. With a linear item model (`linear_items` > 0)
    /// a user's history is read as at most this many of their strongest (most recent) modelled
    /// events in every request, so a request costs at most this × `linear_items` (its fit reads
    /// up to 1 000, or this if larger).
    /// In `2..=`[`crate::limits::MAX_USER_ITEMS`]; default 100.
    ///
    /// A build of the item lists costs at most `Σ_users min(|row|, cap)²` pair additions and an
    /// item's update its users' rows. On a dense log (a ratings site: hundreds of items per
    /// user) the default leaves a large share of users out of item–item overlap; raising it
    /// (1 000 on MovieLens 100K) lets them in at that cost. The repository's
    /// `docs/evaluation.md` (*Real data*) measures it.
    #[serde(default = "default_max_user_items")]
    pub max_user_items: usize,
    /// Items of the linear item model (EASE: item–item weights fitted in closed form at every
    /// build and retrain), in `0..=`[`crate::limits::MAX_LINEAR_ITEMS`]; 0 (the default) keeps
    /// none. The model covers the items engaged with by most users, up to this many.
    ///
    /// Opt-in, for long-lived catalogues (films, venues, recurring shows) where the same items
    /// collect engagement for months: when on, the item-based component (the `ItemBased`
    /// strategy, and with a learned blend the Hybrid's fifth component) scores from this model
    /// instead of the item neighbour lists (which, if kept, still serve
    /// [`crate::Engine::item_neighbours`]). Its weights stay fixed between retrains (a build,
    /// [`crate::Engine::rebuild`]); the history they multiply is live. An event outside the
    /// model (new since the last fit) gets no score from it. A cell enters the model at its
    /// undecayed value (the weights of the kinds the user gave the item, each kind once); the
    /// decay only decides which cells a long history keeps. Memory `4 n²` bytes (16 MB at
    /// 2 000 items), `16 n²` during the fit; a fit of 2 000 items takes about 1.3 s on 2 cores,
    /// and a request adds at most `max_user_items × n` multiply–adds (a history is read as its
    /// `max_user_items` strongest modelled events).
    #[serde(default)]
    pub linear_items: usize,
    /// Ridge λ of the linear item model (finite, > 0; default [`DEFAULT_LINEAR_L2`]): larger
    /// shrinks the weights toward zero. Users' rows enter the model scaled to a largest cell
    /// of 1 (a save), so λ is in users: a good value grows with the log (100–250 on the MovieLens logs,
    /// about 1 000 on the synthetic `medium` world). Ignored when `linear_items` is 0.
    #[serde(default = "default_linear_l2")]
    pub linear_l2: f64,
    /// The linear item model's recency focus, in events (finite, ≥ 0; default
    /// [`DEFAULT_LINEAR_FOCUS`]; 0: off): a request weighs each event of the user's history
    /// by how many of their events are more recent, `r`, as `0.2 + 0.8 · e^(−r / focus)` —
    /// the latest few events say most about what comes next, the older ones keep a fifth of
    /// their say (events equally recent share a rank). The fit is unaffected: it weighs whole
    /// histories alike, as co-occurrence should be. Recency is read from the decayed cells, so
    /// it needs a decay (`half_life_secs`); without one, and when `linear_items` is 0, it is
    /// ignored. On the MovieLens logs a focus of 10 lifts `item_based` NDCG@10 by 7–10 % (the
    /// repository's `docs/evaluation.md`, *The recency focus*).
    #[serde(default = "default_linear_focus")]
    pub linear_focus: f64,
}

/// [`Config::linear_focus`]'s default.
pub const DEFAULT_LINEAR_FOCUS: f64 = 10.0;

fn default_linear_focus() -> f64 {
    DEFAULT_LINEAR_FOCUS
}

/// [`Config::linear_l2`]'s default.
pub const DEFAULT_LINEAR_L2: f64 = 250.0;

fn default_linear_l2() -> f64 {
    DEFAULT_LINEAR_L2
}

/// [`Config::max_user_items`]'s default.
pub const DEFAULT_MAX_USER_ITEMS: usize = 100;

fn default_max_user_items() -> usize {
    DEFAULT_MAX_USER_ITEMS
}

impl Default for Config {
    fn default() -> Self {
        let mut kinds = BTreeMap::new();
        kinds.insert(
            SAVE.into(),
            KindSpec {
                weight: 1.0,
                effect: Effect::Positive,
            },
        );
        kinds.insert(
            CLICK.into(),
            KindSpec {
                weight: 0.25,
                effect: Effect::Positive,
            },
        );
        kinds.insert(
            HIDE.into(),
            KindSpec {
                weight: 0.25,
                effect: Effect::Negative,
            },
        );
        kinds.insert(
            UNSAVE.into(),
            KindSpec {
                weight: 0.0,
                effect: Effect::Retract(SAVE.into()),
            },
        );
        Config {
            kinds,
            half_life_secs: Some(30.0 * 86_400.0),
            neighbours: 50,
            neighbour_buffer: 25,
            shrinkage: 10.0,
            min_overlap: 2,
            max_item_users: 500,
            exclude_saved: true,
            hybrid_k0: 15.0,
            hybrid_content_share: 0.85,
            popularity_prior: 0.5,
            artist_prior: 1.0,
            preference_weight: 1.0,
            max_k: 1_000,
            content_weights: FeatureWeights::default(),
            exposure_demotion: 0.5,
            exposure_half_life_secs: 3.0 * 86_400.0,
            blend: Blend::Learned(LearnSettings::default()),
            item_neighbours: 0,
            max_user_items: DEFAULT_MAX_USER_ITEMS,
            linear_items: 0,
            linear_l2: DEFAULT_LINEAR_L2,
            linear_focus: DEFAULT_LINEAR_FOCUS,
        }
    }
}

impl Config {
    /// Whether an engine of this configuration keeps an item side — item neighbour lists
    /// (`item_neighbours` > 0) or a linear item model (`linear_items` > 0) — and so serves the
    /// `ItemBased` strategy and weighs an item-based component in a learned blend.
    pub fn has_item_side(&self) -> bool {
        self.item_neighbours > 0 || self.linear_items > 0
    }

    /// Adds (or replaces) a positive kind such as `purchase` or `share` with the given weight.
    pub fn with_kind(mut self, name: impl Into<String>, weight: f64) -> Result<Self> {
        let name = name.into();
        crate::data::ids::validate_id(&name)?;
        check_weight(&name, weight)?;
        reserved(&name)?;
        self.kinds.insert(
            name,
            KindSpec {
                weight,
                effect: Effect::Positive,
            },
        );
        Ok(self)
    }

    /// Sets the weight of a kind by name: a kind the configuration already defines (`save`,
    /// `hide`, …) keeps its effect and gets the new weight; a new name is added as a positive
    /// kind, as [`Config::with_kind`] does. This is what the bindings' `kinds` mapping means.
    pub fn with_kind_weight(mut self, name: impl Into<String>, weight: f64) -> Result<Self> {
        let name = name.into();
        match self.kinds.get_mut(&name) {
            Some(spec) => {
                check_weight(&name, weight)?;
                spec.weight = weight;
                Ok(self)
            }
            None => self.with_kind(name, weight),
        }
    }

    /// Checks every field; called by the engine's constructor.
    pub fn validate(&self) -> Result<()> {
        if self.kinds.len() > MAX_KINDS {
            return Err(Error::InvalidConfig(format!(
                "at most {MAX_KINDS} interaction kinds"
            )));
        }
        for (name, spec) in &self.kinds {
            reserved(name)?;
            check_weight(name, spec.weight)?;
            if let Effect::Retract(target) = &spec.effect {
                match self.kinds.get(target) {
                    Some(t) if !matches!(t.effect, Effect::Retract(_)) => {}
                    _ => {
                        return Err(Error::InvalidConfig(format!(
                            "kind {name:?} retracts {target:?}, which is not a positive or negative kind"
                        )))
                    }
                }
            }
        }
        if let Some(h) = self.half_life_secs {
            if !(h.is_finite() && h > 0.0) {
                return Err(Error::weight("half_life_secs", h));
            }
        }
        if self.neighbour_buffer > MAX_NEIGHBOUR_BUFFER {
            return Err(Error::InvalidConfig(format!(
                "neighbour_buffer must be at most {MAX_NEIGHBOUR_BUFFER}"
            )));
        }
        if self.neighbours == 0 || self.neighbours > MAX_NEIGHBOURS {
            return Err(Error::InvalidConfig(format!(
                "neighbours must be in 1..={MAX_NEIGHBOURS}"
            )));
        }
        if self.item_neighbours > MAX_ITEM_NEIGHBOURS {
            return Err(Error::InvalidConfig(format!(
                "item_neighbours must be in 0..={MAX_ITEM_NEIGHBOURS} (0: off)"
            )));
        }
        for (what, v) in [
            ("shrinkage", self.shrinkage),
            ("hybrid_k0", self.hybrid_k0),
            ("preference_weight", self.preference_weight),
            ("popularity_prior", self.popularity_prior),
            ("artist_prior", self.artist_prior),
            ("content_weights.genre", self.content_weights.genre),
            ("content_weights.artist", self.content_weights.artist),
            ("content_weights.venue", self.content_weights.venue),
            ("content_weights.city", self.content_weights.city),
            ("content_weights.tag", self.content_weights.tag),
            ("exposure_demotion", self.exposure_demotion),
        ] {
            check_weight(what, v)?;
        }
        let memory = self.exposure_half_life_secs;
        if !(memory.is_finite() && memory > 0.0) {
            return Err(Error::weight("exposure_half_life_secs", memory));
        }
        if !(0.0..=1.0).contains(&self.hybrid_content_share) {
            return Err(Error::weight(
                "hybrid_content_share",
                self.hybrid_content_share,
            ));
        }
        if self.max_item_users < 2 {
            return Err(Error::InvalidConfig(
                "max_item_users must be at least 2".into(),
            ));
        }
        if self.linear_items > MAX_LINEAR_ITEMS {
            return Err(Error::InvalidConfig(format!(
                "linear_items must be in 0..={MAX_LINEAR_ITEMS} (0: off)"
            )));
        }
        if !(self.linear_l2.is_finite() && self.linear_l2 > 0.0) {
            return Err(Error::weight("linear_l2", self.linear_l2));
        }
        if !(self.linear_focus.is_finite() && self.linear_focus >= 0.0) {
            return Err(Error::weight("linear_focus", self.linear_focus));
        }
        if !(2..=MAX_USER_ITEMS).contains(&self.max_user_items) {
            return Err(Error::InvalidConfig(format!(
                "max_user_items must be in 2..={MAX_USER_ITEMS}"
            )));
        }
        self.blend.validate()?;
        if self.max_k == 0 || self.max_k > MAX_K {
            return Err(Error::InvalidConfig(format!(
                "max_k must be in 1..={MAX_K}"
            )));
        }
        Ok(())
    }
}

/// `impression` is built in (see [`crate::Impression`]): no configured kind may take its name.
fn reserved(name: &str) -> Result<()> {
    if name == IMPRESSION {
        Err(Error::InvalidConfig(format!(
            "{IMPRESSION:?} is a built-in kind and cannot be configured"
        )))
    } else {
        Ok(())
    }
}

fn check_weight(what: &str, w: f64) -> Result<()> {
    if w.is_finite() && w >= 0.0 {
        Ok(())
    } else {
        Err(Error::weight(what, w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn default_is_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn bad_weights_are_rejected() {
        for w in [f64::NAN, f64::INFINITY, -1.0] {
            let e = Config::default().with_kind("purchase", w).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidWeight);
        }
        let c = Config::default().with_kind("purchase", 3.0).unwrap();
        assert_eq!(c.kinds["purchase"].weight, 3.0);
        let c = Config {
            half_life_secs: Some(0.0),
            ..Config::default()
        };
        assert_eq!(c.validate().unwrap_err().kind(), ErrorKind::InvalidWeight);
        for (demotion, memory) in [(f64::NAN, 1.0), (-0.5, 1.0), (0.5, 0.0), (0.5, f64::NAN)] {
            let c = Config {
                exposure_demotion: demotion,
                exposure_half_life_secs: memory,
                ..Config::default()
            };
            assert_eq!(c.validate().unwrap_err().kind(), ErrorKind::InvalidWeight);
        }
        let e = Config::default().with_kind("impression", 1.0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn counts_above_their_limits_are_rejected() {
        let too_big = [
            Config {
                max_k: MAX_K + 1,
                ..Config::default()
            },
            Config {
                max_k: 1 << 40,
                ..Config::default()
            },
            Config {
                neighbours: MAX_NEIGHBOURS + 1,
                ..Config::default()
            },
            Config {
                neighbour_buffer: usize::MAX,
                ..Config::default()
            },
            Config {
                item_neighbours: MAX_ITEM_NEIGHBOURS + 1,
                ..Config::default()
            },
            Config {
                linear_items: MAX_LINEAR_ITEMS + 1,
                ..Config::default()
            },
        ];
        for c in too_big {
            assert_eq!(c.validate().unwrap_err().kind(), ErrorKind::InvalidConfig);
        }
        let at_limits = Config {
            max_k: MAX_K,
            neighbours: MAX_NEIGHBOURS,
            neighbour_buffer: MAX_NEIGHBOUR_BUFFER,
            item_neighbours: MAX_ITEM_NEIGHBOURS,
            linear_items: MAX_LINEAR_ITEMS,
            ..Config::default()
        };
        at_limits.validate().unwrap();
        let bad = [0.0, -1.0, f64::NAN, f64::INFINITY];
        let l2 = bad.map(|v| Config {
            linear_l2: v,
            ..Config::default()
        });
        // A focus of 0 is valid (off).
        let focus = bad[1..].iter().map(|&v| Config {
            linear_focus: v,
            ..Config::default()
        });
        for c in l2.into_iter().chain(focus) {
            let err = c.validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidWeight, "{err}");
        }
        Config {
            linear_focus: 0.0,
            ..Config::default()
        }
        .validate()
        .unwrap();
    }
}
