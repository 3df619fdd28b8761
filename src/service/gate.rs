//! The retrain [`Gate`]: whether a candidate may replace the serving model, and the typed
//! [`Rejection`] when it may not.

use std::cmp::Ordering;

use craic_core::evaluation::Metrics;

/// Acceptance rule for a retrained candidate.
///
/// The candidate is compared with what is serving in two ways: with the serving
/// *configuration* rebuilt on the same split (catches a worse configuration), and with the
/// holdout NDCG the serving *version* recorded when it was accepted (kept with the version and
/// in snapshots; catches worse data — a truncated, shuffled or corrupted log makes both models
/// of the first comparison equally bad). Plus popularity, and the amount of training data.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// The candidate's Hybrid NDCG@k must be at least the serving configuration's (rebuilt on
    /// the same split) × (1 − this). Default 0.02.
    pub max_relative_drop: f64,
    /// The candidate's Hybrid NDCG@k must be at least the NDCG@k the serving version recorded
    /// when it was accepted × (1 − this). The two were measured on different holdouts (the log
    /// has grown since), so this tolerance is wider. Skipped when the serving version recorded
    /// no metrics at that k (an initial model). Negative or NaN refuses every candidate that
    /// has a recorded reference. Default 0.25.
    pub max_drop_vs_recorded: f64,
    /// The candidate's Hybrid NDCG@k must be strictly above Popularity's. Default true.
    pub must_beat_popularity: bool,
    /// The candidate must be trained on at least this share of the interactions the serving
    /// model has seen ([`RetrainMetrics::train_data`] ≥ ratio × [`RetrainMetrics::serving_data`]),
    /// so a service restarted without its log never replaces a full model with a tiny one.
    /// 0 disables the check. Default 0.5.
    pub min_data_ratio: f64,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            max_relative_drop: 0.02,
            max_drop_vs_recorded: 0.25,
            must_beat_popularity: true,
            min_data_ratio: 0.5,
        }
    }
}

/// Holdout metrics of one retrain.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetrainMetrics {
    /// Hybrid, candidate configuration, trained on the training part.
    pub candidate: Metrics,
    /// Hybrid, serving configuration, same training part.
    pub serving: Metrics,
    /// Popularity (serving configuration), same training part.
    pub popularity: Metrics,
    /// The Hybrid NDCG@k the serving version recorded when it was accepted, with its version
    /// id; `None` when it recorded none at this k (an initial model).
    pub recorded: Option<(String, f64)>,
    /// Interactions the candidate is built on (the whole training data, holdout included).
    pub train_data: u64,
    /// Interactions the serving model had applied when the retrain started.
    pub serving_data: u64,
}

/// Why the [`Gate`] refused a candidate. [`Rejection::kind`] is a stable name for each case;
/// the `Display` text is for people.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Trained on less than `ratio` × what the serving model saw.
    #[error(
        "candidate trained on {train} interactions < {ratio} × {serving} the serving model saw"
    )]
    TooLittleData {
        /// Interactions the candidate was trained on.
        train: u64,
        /// Interactions the serving model had applied.
        serving: u64,
        /// [`Gate::min_data_ratio`].
        ratio: f64,
    },
    /// No holdout user has a relevant item: nothing to judge the candidate on.
    #[error("the holdout has no user with a relevant item")]
    EmptyHoldout,
    /// Worse than the serving configuration rebuilt on the same split.
    #[error("candidate NDCG@{k} {candidate:.4} < serving configuration {serving:.4} × (1 − {tolerance})")]
    BelowServing {
        /// Cut-off.
        k: usize,
        /// Candidate NDCG@k.
        candidate: f64,
        /// Serving configuration's NDCG@k on the same split.
        serving: f64,
        /// [`Gate::max_relative_drop`].
        tolerance: f64,
    },
    /// Worse than what the serving version recorded when it was accepted.
    #[error(
        "candidate NDCG@{k} {candidate:.4} < {recorded:.4} recorded by serving version {version} × (1 − {tolerance})"
    )]
    BelowRecorded {
        /// Cut-off.
        k: usize,
        /// Candidate NDCG@k.
        candidate: f64,
        /// The serving version's recorded NDCG@k.
        recorded: f64,
        /// The serving version.
        version: String,
        /// [`Gate::max_drop_vs_recorded`].
        tolerance: f64,
    },
    /// Not strictly better than popularity.
    #[error("candidate NDCG@{k} {candidate:.4} does not beat popularity {popularity:.4}")]
    NotAbovePopularity {
        /// Cut-off.
        k: usize,
        /// Candidate NDCG@k.
        candidate: f64,
        /// Popularity's NDCG@k on the same split.
        popularity: f64,
    },
}

impl Rejection {
    /// Every [`Rejection::kind`], in the order the gate checks them.
    pub const KINDS: [&'static str; 5] = [
        "too_little_data",
        "empty_holdout",
        "below_serving",
        "below_recorded",
        "not_above_popularity",
    ];

    /// A stable snake_case name of the case (the bindings expose it as `rejection_kind` /
    /// `rejectionKind`).
    pub fn kind(&self) -> &'static str {
        let i = match self {
            Rejection::TooLittleData { .. } => 0,
            Rejection::EmptyHoldout => 1,
            Rejection::BelowServing { .. } => 2,
            Rejection::BelowRecorded { .. } => 3,
            Rejection::NotAbovePopularity { .. } => 4,
        };
        Self::KINDS[i]
    }
}

/// `a < b`, with NaN on either side counting as below (a NaN metric or tolerance rejects).
fn below(a: f64, b: f64) -> bool {
    a.partial_cmp(&b).is_none_or(|o| o.is_lt())
}

impl Gate {
    /// `Ok(())` to accept, else the first rule the candidate fails, in the order of
    /// [`Rejection::KINDS`].
    pub fn check(&self, m: &RetrainMetrics) -> Result<(), Rejection> {
        let floor = self.min_data_ratio * m.serving_data as f64;
        if self.min_data_ratio != 0.0 && below(m.train_data as f64, floor) {
            return Err(Rejection::TooLittleData {
                train: m.train_data,
                serving: m.serving_data,
                ratio: self.min_data_ratio,
            });
        }
        if m.candidate.users == 0 {
            return Err(Rejection::EmptyHoldout);
        }
        let (k, candidate) = (m.candidate.k, m.candidate.ndcg);
        if below(candidate, m.serving.ndcg * (1.0 - self.max_relative_drop)) {
            return Err(Rejection::BelowServing {
                k,
                candidate,
                serving: m.serving.ndcg,
                tolerance: self.max_relative_drop,
            });
        }
        if let Some((version, recorded)) = &m.recorded {
            if below(candidate, recorded * (1.0 - self.max_drop_vs_recorded)) {
                return Err(Rejection::BelowRecorded {
                    k,
                    candidate,
                    recorded: *recorded,
                    version: version.clone(),
                    tolerance: self.max_drop_vs_recorded,
                });
            }
        }
        if self.must_beat_popularity
            && candidate.partial_cmp(&m.popularity.ndcg) != Some(Ordering::Greater)
        {
            return Err(Rejection::NotAbovePopularity {
                k,
                candidate,
                popularity: m.popularity.ndcg,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(ndcg: f64) -> Metrics {
        Metrics {
            k: 10,
            users: 5,
            ndcg,
            ..Metrics::default()
        }
    }

    fn metrics(candidate: f64, serving: f64, popularity: f64) -> RetrainMetrics {
        RetrainMetrics {
            candidate: m(candidate),
            serving: m(serving),
            popularity: m(popularity),
            ..RetrainMetrics::default()
        }
    }

    fn kind(g: &Gate, m: &RetrainMetrics) -> Option<&'static str> {
        g.check(m).err().map(|r| r.kind())
    }

    #[test]
    fn configuration_and_popularity_rules() {
        let g = Gate::default();
        assert_eq!(g.check(&metrics(0.30, 0.30, 0.10)), Ok(()));
        assert_eq!(g.check(&metrics(0.295, 0.30, 0.10)), Ok(())); // within 2 %
        assert_eq!(kind(&g, &metrics(0.29, 0.30, 0.10)), Some("below_serving"));
        assert_eq!(
            kind(&g, &metrics(0.10, 0.10, 0.10)),
            Some("not_above_popularity")
        );
        assert_eq!(
            kind(&g, &metrics(f64::NAN, 0.30, 0.10)),
            Some("below_serving")
        );
        let mut empty = metrics(0.3, 0.3, 0.1);
        empty.candidate.users = 0;
        assert_eq!(g.check(&empty), Err(Rejection::EmptyHoldout));
        let lenient = Gate {
            max_relative_drop: 0.5,
            must_beat_popularity: false,
            ..Gate::default()
        };
        assert_eq!(lenient.check(&metrics(0.10, 0.19, 0.20)), Ok(()));
    }

    #[test]
    fn data_ratio_rule() {
        let g = Gate::default();
        let mut small = metrics(0.3, 0.3, 0.1);
        (small.train_data, small.serving_data) = (49, 100);
        let r = g.check(&small).unwrap_err();
        assert_eq!(
            r,
            Rejection::TooLittleData {
                train: 49,
                serving: 100,
                ratio: 0.5
            }
        );
        assert!(r.to_string().contains("49 interactions"));
        small.train_data = 50;
        assert_eq!(g.check(&small), Ok(()));
        let off = Gate {
            min_data_ratio: 0.0,
            ..Gate::default()
        };
        small.train_data = 0;
        assert_eq!(off.check(&small), Ok(()));
    }

    #[test]
    fn recorded_metrics_rule() {
        let g = Gate::default();
        let mut x = metrics(0.20, 0.20, 0.05);
        // No recorded reference (an initial model): nothing to compare with.
        assert_eq!(g.check(&x), Ok(()));
        x.recorded = Some(("v3-100".into(), 0.26));
        assert_eq!(g.check(&x), Ok(())); // 0.20 ≥ 0.26 × 0.75 = 0.195
        x.recorded = Some(("v3-100".into(), 0.30));
        assert_eq!(
            g.check(&x),
            Err(Rejection::BelowRecorded {
                k: 10,
                candidate: 0.20,
                recorded: 0.30,
                version: "v3-100".into(),
                tolerance: 0.25
            })
        );
        let strict = Gate {
            max_drop_vs_recorded: f64::NAN,
            ..Gate::default()
        };
        x.recorded = Some(("v3-100".into(), 0.01));
        assert_eq!(kind(&strict, &x), Some("below_recorded"));
    }

    #[test]
    fn kinds_are_distinct_and_ordered() {
        let mut seen = std::collections::BTreeSet::new();
        assert!(Rejection::KINDS.iter().all(|k| seen.insert(*k)));
        assert_eq!(Rejection::EmptyHoldout.kind(), "empty_holdout");
    }
}
