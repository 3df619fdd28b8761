//! The hyperparameters the learned blend tunes on its holdout — the decay half-life, the
//! neighbourhood size, the similarity shrinkage and the popularity discount β of its
//! collaborative and item-based components — and the grid it tries them on.
//!
//! Each axis of a [`HyperGrid`] is either `None` (the default values around the
//! configuration's, see [`HyperGrid::resolve`]) or the exact values to try; one value pins the
//! axis. The search (`model::learned_fit`) is a coordinate search from the configuration's
//! values: the half-lives first (each needs a re-weighted holdout matrix), then the
//! neighbourhood sizes at the best half-life, then the shrinkages at the best of both, then the
//! discounts at the best of all three (each only re-scores the sampled users: the discount
//! multiplies their collaborative and item-based scores, `scoring::discount`) — at most `1 + Σ (values − 1)`
//! points, 8 for the default grid, compared on a quarter of the sampled users and a coarser
//! weight simplex; the chosen point's blend is then learned on all of them with the settings'
//! simplex.
//!
//! The discount is the learned blend's alone: the configuration has no β (the Collaborative
//! and ItemBased strategies and the fixed blend never discount), so its default axis is
//! [`DEFAULT_DISCOUNTS`] whatever the configuration, and [`HyperGrid::pinned`] pins it to 0.

use serde::{Deserialize, Serialize};

use crate::limits::MAX_NEIGHBOURS;
use crate::model::config::Config;
use crate::model::error::{Error, Result};

/// Most values one axis of a [`HyperGrid`] may list.
pub const MAX_GRID_VALUES: usize = 8;

/// One day, in seconds.
const DAY: f64 = 86_400.0;

/// The popularity discounts β tried when the axis is left to its default: none first.
pub const DEFAULT_DISCOUNTS: [f64; 3] = [0.0, 0.3, 0.6];

/// Largest popularity discount β an axis may list.
pub const MAX_DISCOUNT: f64 = 2.0;

/// The values the learned blend tries for each hyperparameter (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HyperGrid {
    /// Decay half-lives in seconds (`None` in the list: no decay). `None`: the configuration's
    /// and three times it (without decay in the configuration: none and 90 days). Two values,
    /// not three: each extra half-life costs a holdout model, which is what keeps a tuned build
    /// within 3 × a plain one (`docs/performance.md`). A catalogue of long-lived items (films
    /// rather than events) may do better with `None` on the axis: `[Some(30 days), None]` gave
    /// +3.8 % on MovieLens latest-small and −2.4 % on the `medium` event world
    /// (`docs/evaluation.md`).
    pub half_life_secs: Option<Vec<Option<f64>>>,
    /// Neighbourhood sizes. `None`: the configuration's `k`, `k / 2` and `2k` (within
    /// `1..=`[`MAX_NEIGHBOURS`]).
    pub neighbours: Option<Vec<usize>>,
    /// Similarity shrinkages. `None`: the configuration's `λ`, 0 and `3λ` (with `λ = 0`: 0,
    /// 10 and 30).
    pub shrinkage: Option<Vec<f64>>,
    /// Popularity discounts β of the collaborative and item-based components (their scores of
    /// an event with `n` users times `(1 + n)^-β`), each in `[0, `[`MAX_DISCOUNT`]`]`. `None`:
    /// [`DEFAULT_DISCOUNTS`].
    pub discount: Option<Vec<f64>>,
}

/// The grid with every axis spelled out, the configuration's value of an axis first when the
/// axis was left to its default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axes {
    pub half_life_secs: Vec<Option<f64>>,
    pub neighbours: Vec<usize>,
    pub shrinkage: Vec<f64>,
    pub discount: Vec<f64>,
}

/// `values` without repeats, first occurrence kept.
fn distinct<T: PartialEq + Copy>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

impl HyperGrid {
    /// Every axis pinned to the configuration's value and the discount to none (the
    /// configuration has no β): the blend is learned, nothing tuned.
    pub fn pinned(config: &Config) -> HyperGrid {
        HyperGrid {
            half_life_secs: Some(vec![config.half_life_secs]),
            neighbours: Some(vec![config.neighbours]),
            shrinkage: Some(vec![config.shrinkage]),
            discount: Some(vec![0.0]),
        }
    }

    /// The values tried, each axis left to its default derived from `config`.
    pub(crate) fn resolve(&self, config: &Config) -> Axes {
        let half_life_secs = self.half_life_secs.clone().unwrap_or_else(|| {
            distinct(match config.half_life_secs {
                Some(h) => [Some(h), Some(3.0 * h)],
                None => [None, Some(90.0 * DAY)],
            })
        });
        let neighbours = self.neighbours.clone().unwrap_or_else(|| {
            let k = config.neighbours;
            distinct([k, (k / 2).max(1), (2 * k).min(MAX_NEIGHBOURS)])
        });
        let shrinkage = self.shrinkage.clone().unwrap_or_else(|| {
            let s = config.shrinkage;
            distinct(if s > 0.0 {
                [s, 0.0, 3.0 * s]
            } else {
                [0.0, 10.0, 30.0]
            })
        });
        let discount = self
            .discount
            .clone()
            .unwrap_or_else(|| DEFAULT_DISCOUNTS.to_vec());
        Axes {
            half_life_secs,
            neighbours,
            shrinkage,
            discount,
        }
    }

    /// The grid with every axis spelled out (what a built engine's configuration records, so a
    /// retrain tries the same values rather than values around the ones chosen).
    pub(crate) fn spelled_out(&self, config: &Config) -> HyperGrid {
        let a = self.resolve(config);
        HyperGrid {
            half_life_secs: Some(a.half_life_secs),
            neighbours: Some(a.neighbours),
            shrinkage: Some(a.shrinkage),
            discount: Some(a.discount),
        }
    }

    /// Checks every listed value: each axis lists 1 to [`MAX_GRID_VALUES`] values, half-lives
    /// are finite and positive, neighbourhood sizes in `1..=`[`MAX_NEIGHBOURS`], shrinkages
    /// finite and ≥ 0, discounts in `[0, `[`MAX_DISCOUNT`]`]`.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::InvalidConfig(format!("blend.hyper: {what}")));
        let count = |what: &str, n: Option<usize>| match n {
            Some(0) => bad(&format!("{what} lists no value")),
            Some(n) if n > MAX_GRID_VALUES => {
                bad(&format!("{what} lists more than {MAX_GRID_VALUES} values"))
            }
            _ => Ok(()),
        };
        count("half_life_secs", self.half_life_secs.as_ref().map(Vec::len))?;
        count("neighbours", self.neighbours.as_ref().map(Vec::len))?;
        count("shrinkage", self.shrinkage.as_ref().map(Vec::len))?;
        count("discount", self.discount.as_ref().map(Vec::len))?;
        let hl = self.half_life_secs.iter().flatten().flatten();
        if hl.clone().any(|h| !(h.is_finite() && *h > 0.0)) {
            return bad("half-lives must be finite and positive");
        }
        let k = self.neighbours.iter().flatten();
        if k.clone().any(|&k| k == 0 || k > MAX_NEIGHBOURS) {
            return bad(&format!("neighbours must be in 1..={MAX_NEIGHBOURS}"));
        }
        let s = self.shrinkage.iter().flatten();
        if s.clone().any(|s| !(s.is_finite() && *s >= 0.0)) {
            return bad("shrinkages must be finite and at least 0");
        }
        let d = self.discount.iter().flatten();
        if d.clone().any(|d| !(0.0..=MAX_DISCOUNT).contains(d)) {
            return bad(&format!("discounts must be in [0, {MAX_DISCOUNT}]"));
        }
        Ok(())
    }
}

/// One point of the grid the learned blend tried, and how it scored on the holdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridPoint {
    /// Decay half-life in seconds (`None`: no decay).
    pub half_life_secs: Option<f64>,
    /// Neighbourhood size.
    pub neighbours: usize,
    /// Similarity shrinkage.
    pub shrinkage: f64,
    /// Popularity discount β of the collaborative and item-based components.
    pub discount: f64,
    /// Holdout NDCG@10 of the blend learned at this point: each user of the search sample (the
    /// first quarter of each bucket's sample; all of it when nothing is tuned) ranked with
    /// their bucket's best weights on a simplex of steps of 1/5 (at most), averaged over those
    /// users.
    pub ndcg: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn the_default_axes_start_at_the_configuration_and_stay_in_range() {
        let c = Config::default();
        let a = HyperGrid::default().resolve(&c);
        assert_eq!(a.half_life_secs, [Some(30.0 * DAY), Some(90.0 * DAY)]);
        assert_eq!(a.neighbours, [50, 25, 100]);
        assert_eq!(a.shrinkage, [10.0, 0.0, 30.0]);
        assert_eq!(a.discount, DEFAULT_DISCOUNTS);
        let edge = Config {
            half_life_secs: None,
            neighbours: 1,
            shrinkage: 0.0,
            ..Config::default()
        };
        let a = HyperGrid::default().resolve(&edge);
        assert_eq!(a.half_life_secs, [None, Some(90.0 * DAY)]);
        assert_eq!(a.neighbours, [1, 2]);
        assert_eq!(a.shrinkage, [0.0, 10.0, 30.0]);
        assert_eq!(a.discount, DEFAULT_DISCOUNTS);
        let pinned = HyperGrid::pinned(&c).resolve(&edge);
        assert_eq!(pinned.neighbours, [50]);
        assert_eq!(pinned.discount, [0.0]);
    }

    #[test]
    fn empty_oversized_or_out_of_range_axes_are_rejected() {
        let bad = [
            HyperGrid {
                neighbours: Some(vec![]),
                ..HyperGrid::default()
            },
            HyperGrid {
                shrinkage: Some(vec![0.0; MAX_GRID_VALUES + 1]),
                ..HyperGrid::default()
            },
            HyperGrid {
                half_life_secs: Some(vec![Some(f64::NAN)]),
                ..HyperGrid::default()
            },
            HyperGrid {
                half_life_secs: Some(vec![None, Some(0.0)]),
                ..HyperGrid::default()
            },
            HyperGrid {
                neighbours: Some(vec![0]),
                ..HyperGrid::default()
            },
            HyperGrid {
                neighbours: Some(vec![MAX_NEIGHBOURS + 1]),
                ..HyperGrid::default()
            },
            HyperGrid {
                shrinkage: Some(vec![-1.0]),
                ..HyperGrid::default()
            },
            HyperGrid {
                shrinkage: Some(vec![f64::INFINITY]),
                ..HyperGrid::default()
            },
            HyperGrid {
                discount: Some(vec![]),
                ..HyperGrid::default()
            },
            HyperGrid {
                discount: Some(vec![-0.1]),
                ..HyperGrid::default()
            },
            HyperGrid {
                discount: Some(vec![0.5, f64::NAN]),
                ..HyperGrid::default()
            },
            HyperGrid {
                discount: Some(vec![MAX_DISCOUNT + 0.5]),
                ..HyperGrid::default()
            },
        ];
        for g in bad {
            assert_eq!(g.validate().unwrap_err().kind(), ErrorKind::InvalidConfig);
        }
        HyperGrid::default().validate().unwrap();
        HyperGrid::pinned(&Config::default()).validate().unwrap();
    }
}
