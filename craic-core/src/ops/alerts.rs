//! Pure alert-rule evaluation with firing state.
//!
//! Rules ([`AlertRule`]) are evaluated against observations the caller supplies
//! ([`Observations`]: drift indices per feature, and per-bucket conversion counts per
//! experiment variant) at a caller-supplied time `now` (Unix seconds). [`AlertState`] remembers
//! which rules are firing, so an alert that keeps firing keeps its original `since`, and an
//! alert whose condition clears disappears.
//!
//! **Missing data holds state.** A rule without fresh data (no PSI for the feature; fewer than
//! `min_exposures` exposures in the window) neither fires nor clears: if it was firing it is
//! still reported, with its last value and original `since`. It clears only on data showing the
//! condition is gone, or when the rule is removed from the rule list.
//!
//! ```
//! use craic_core::alerts::{AlertRule, AlertState, ConversionSample, Observations};
//!
//! let rules = vec![
//!     AlertRule::Drift { feature: "category".into(), threshold: 0.25 },
//!     AlertRule::ConversionFloor {
//!         experiment: "ranker".into(), variant: "b".into(),
//!         floor: 0.05, window_secs: 3600, min_exposures: 100,
//!     },
//! ];
//! let mut state = AlertState::new();
//! let mut obs = Observations::default();
//! obs.drift.insert("category".into(), 0.31);
//! obs.conversions.push(ConversionSample {
//!     experiment: "ranker".into(), variant: "b".into(), at: 1_000, exposures: 400, conversions: 8,
//! });
//! let alerts = state.evaluate(&rules, &obs, 1_000);
//! assert_eq!(alerts.len(), 2); // PSI 0.31 ≥ 0.25 and conversion 2 % < 5 %
//! assert_eq!(alerts[1].value, 0.02);
//!
//! obs.drift.insert("category".into(), 0.30);
//! let alerts = state.evaluate(&rules, &obs, 1_060);
//! assert_eq!(alerts[0].since, 1_000); // still firing since the first evaluation
//!
//! obs.drift.insert("category".into(), 0.05);
//! let alerts = state.evaluate(&rules, &obs, 1_120);
//! assert_eq!(alerts.len(), 1); // drift cleared; conversion still low
//! ```

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// The window of a [`AlertRule::ConversionFloor`] when the caller names none (the bindings'
/// default): one hour, in seconds.
pub const CONVERSION_FLOOR_WINDOW_SECS: u64 = 3600;

/// An alert rule. Serialized externally tagged (`{"drift": {...}}`) so that it also survives
/// bincode snapshots, which cannot read internally tagged enums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    /// Fires while the drift index (PSI, see [`crate::drift`]) of `feature` is ≥ `threshold`.
    Drift {
        /// The feature name, as in [`Observations::drift`].
        feature: String,
        /// PSI threshold (for example [`crate::drift::PSI_SIGNIFICANT`]).
        threshold: f64,
    },
    /// Fires while the conversion rate (conversions / exposures) of `experiment`/`variant` over
    /// the last `window_secs` seconds is below `floor`.
    ConversionFloor {
        /// Experiment key.
        experiment: String,
        /// Variant name.
        variant: String,
        /// Minimum acceptable conversion rate in `[0, 1]`.
        floor: f64,
        /// Window length in seconds: samples with `now − window_secs < at ≤ now` count.
        window_secs: u64,
        /// Fewer exposures than this in the window (and never fewer than 1) counts as no data,
        /// so a rate over a handful of exposures does not page anyone.
        #[serde(default)]
        min_exposures: u64,
    },
}

impl AlertRule {
    /// A stable identity of the rule (its type, subject and parameters), used as the state key.
    pub fn key(&self) -> String {
        match self {
            AlertRule::Drift { feature, threshold } => format!("drift|{feature}|{threshold}"),
            AlertRule::ConversionFloor {
                experiment,
                variant,
                floor,
                window_secs,
                min_exposures,
            } => format!(
                "conversion_floor|{experiment}|{variant}|{floor}|{window_secs}|{min_exposures}"
            ),
        }
    }

    /// The subject: the feature name, or `experiment/variant`.
    pub fn what(&self) -> String {
        match self {
            AlertRule::Drift { feature, .. } => feature.clone(),
            AlertRule::ConversionFloor {
                experiment,
                variant,
                ..
            } => format!("{experiment}/{variant}"),
        }
    }

    /// The threshold compared against.
    pub fn threshold(&self) -> f64 {
        match self {
            AlertRule::Drift { threshold, .. } => *threshold,
            AlertRule::ConversionFloor { floor, .. } => *floor,
        }
    }

    /// Checks the parameters: finite threshold ≥ 0, floor in `[0, 1]`, window ≥ 1 s.
    pub fn validate(&self) -> Result<()> {
        match self {
            AlertRule::Drift { threshold, .. } if !(threshold.is_finite() && *threshold >= 0.0) => {
                Err(Error::weight("drift alert threshold", *threshold))
            }
            AlertRule::ConversionFloor { floor, .. } if !(0.0..=1.0).contains(floor) => {
                Err(Error::weight("conversion floor", *floor))
            }
            AlertRule::ConversionFloor { window_secs: 0, .. } => Err(Error::InvalidConfig(
                "conversion floor alert needs window_secs ≥ 1".into(),
            )),
            _ => Ok(()),
        }
    }

    /// `Some(value)` when there is data, with whether the condition holds.
    fn measure(&self, obs: &Observations, now: i64) -> Option<(f64, bool)> {
        match self {
            AlertRule::Drift { feature, threshold } => {
                let psi = *obs.drift.get(feature)?;
                (!psi.is_nan()).then_some((psi, psi >= *threshold))
            }
            AlertRule::ConversionFloor {
                experiment,
                variant,
                floor,
                window_secs,
                min_exposures,
            } => {
                let start = now.saturating_sub_unsigned(*window_secs);
                let (mut exposures, mut conversions) = (0u64, 0u64);
                for s in &obs.conversions {
                    if s.at > start
                        && s.at <= now
                        && s.experiment == *experiment
                        && s.variant == *variant
                    {
                        exposures = exposures.saturating_add(s.exposures);
                        conversions = conversions.saturating_add(s.conversions);
                    }
                }
                if exposures < (*min_exposures).max(1) {
                    return None;
                }
                let rate = conversions as f64 / exposures as f64;
                Some((rate, rate < *floor))
            }
        }
    }
}

/// Conversion counts of one experiment variant in one time bucket (for example one minute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversionSample {
    /// Experiment key.
    pub experiment: String,
    /// Variant name.
    pub variant: String,
    /// End of the bucket, Unix seconds.
    pub at: i64,
    /// Users (or requests) exposed to the variant in the bucket.
    pub exposures: u64,
    /// Conversions among them.
    pub conversions: u64,
}

/// What the rules are evaluated against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observations {
    /// Latest PSI per feature.
    pub drift: BTreeMap<String, f64>,
    /// Conversion buckets; samples outside a rule's window are ignored.
    pub conversions: Vec<ConversionSample>,
}

/// A firing alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The rule that fires.
    pub rule: AlertRule,
    /// Its subject ([`AlertRule::what`]).
    pub what: String,
    /// The observed value (PSI or conversion rate); the last one seen if data is missing now.
    pub value: f64,
    /// The rule's threshold or floor.
    pub threshold: f64,
    /// When it started firing (Unix seconds), kept while it keeps firing.
    pub since: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Active {
    since: i64,
    value: f64,
}

/// Which rules are firing and since when; plain serde data, so it can survive restarts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    active: BTreeMap<String, Active>,
}

impl AlertState {
    /// No alert firing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of firing alerts.
    pub fn firing(&self) -> usize {
        self.active.len()
    }

    /// Evaluates `rules` at `now` (Unix seconds), updates the state and returns the firing
    /// alerts in rule order (duplicate rules count once; state of rules no longer listed is
    /// dropped). See the module docs for how missing data is treated.
    pub fn evaluate(&mut self, rules: &[AlertRule], obs: &Observations, now: i64) -> Vec<Alert> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for rule in rules {
            let key = rule.key();
            if !seen.insert(key.clone()) {
                continue;
            }
            match rule.measure(obs, now) {
                Some((value, true)) => {
                    let a = self
                        .active
                        .entry(key)
                        .or_insert(Active { since: now, value });
                    a.value = value;
                    out.push(alert(rule, a));
                }
                Some((_, false)) => {
                    self.active.remove(&key);
                }
                None => {
                    if let Some(a) = self.active.get(&key) {
                        out.push(alert(rule, a));
                    }
                }
            }
        }
        self.active.retain(|k, _| seen.contains(k));
        out
    }
}

fn alert(rule: &AlertRule, a: &Active) -> Alert {
    Alert {
        rule: rule.clone(),
        what: rule.what(),
        value: a.value,
        threshold: rule.threshold(),
        since: a.since,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floor_rule(min_exposures: u64) -> AlertRule {
        AlertRule::ConversionFloor {
            experiment: "e".into(),
            variant: "b".into(),
            floor: 0.1,
            window_secs: 600,
            min_exposures,
        }
    }

    fn sample(variant: &str, at: i64, exposures: u64, conversions: u64) -> ConversionSample {
        ConversionSample {
            experiment: "e".into(),
            variant: variant.into(),
            at,
            exposures,
            conversions,
        }
    }

    #[test]
    fn drift_fires_keeps_since_and_clears() {
        let rules = [AlertRule::Drift {
            feature: "f".into(),
            threshold: 0.25,
        }];
        let mut st = AlertState::new();
        let mut obs = Observations::default();
        assert!(st.evaluate(&rules, &obs, 0).is_empty()); // no data, nothing firing
        obs.drift.insert("f".into(), 0.25); // ≥ fires
        let a = st.evaluate(&rules, &obs, 100);
        assert_eq!(
            a,
            vec![Alert {
                rule: rules[0].clone(),
                what: "f".into(),
                value: 0.25,
                threshold: 0.25,
                since: 100
            }]
        );
        obs.drift.insert("f".into(), 0.4);
        let a = st.evaluate(&rules, &obs, 200);
        assert_eq!((a[0].since, a[0].value), (100, 0.4));
        // Missing data holds the alert with its last value.
        obs.drift.clear();
        let a = st.evaluate(&rules, &obs, 300);
        assert_eq!((a[0].since, a[0].value), (100, 0.4));
        obs.drift.insert("f".into(), f64::NAN);
        assert_eq!(st.evaluate(&rules, &obs, 350).len(), 1);
        obs.drift.insert("f".into(), 0.1);
        assert!(st.evaluate(&rules, &obs, 400).is_empty());
        assert_eq!(st.firing(), 0);
        // Fires again later with a fresh `since`.
        obs.drift.insert("f".into(), 0.9);
        assert_eq!(st.evaluate(&rules, &obs, 500)[0].since, 500);
        // Removing the rule drops its state.
        assert!(st.evaluate(&[], &obs, 600).is_empty());
        assert_eq!(st.firing(), 0);
    }

    #[test]
    fn conversion_floor_windows_and_minimum() {
        let rules = [floor_rule(50)];
        let mut st = AlertState::new();
        let obs = Observations {
            drift: BTreeMap::new(),
            conversions: vec![
                sample("b", 400, 30, 1),
                sample("b", 1000, 30, 2),
                sample("a", 1000, 1000, 0),    // other variant
                sample("b", 2000, 1000, 1000), // after `now`: ignored
            ],
        };
        // Window (400, 1000] holds only the sample at 1000: 30 exposures < 50 → no data.
        assert!(st.evaluate(&rules, &obs, 1000).is_empty());
        // Window (399, 999] holds only the sample at 400 → no data either.
        assert!(st.evaluate(&rules, &obs, 999).is_empty());
        // Without a minimum, 2/30 < 0.1 fires.
        let rules = [floor_rule(0)];
        let a = st.evaluate(&rules, &obs, 1000);
        assert_eq!(a.len(), 1);
        assert!((a[0].value - 2.0 / 30.0).abs() < 1e-12);
        assert_eq!(
            (a[0].what.as_str(), a[0].threshold, a[0].since),
            ("e/b", 0.1, 1000)
        );
        // Later, window (450, 1050] still holds the same sample: keeps firing since 1000.
        assert_eq!(st.evaluate(&rules, &obs, 1050)[0].since, 1000);
        // A wider window adds the sample at 400: 3/60 = 0.05, a different rule firing from now.
        let wide = [AlertRule::ConversionFloor {
            experiment: "e".into(),
            variant: "b".into(),
            floor: 0.1,
            window_secs: 700,
            min_exposures: 0,
        }];
        let a = st.evaluate(&wide, &obs, 1050);
        assert_eq!((a[0].value, a[0].since), (0.05, 1050));
        // Recovery clears it.
        let good = Observations {
            drift: BTreeMap::new(),
            conversions: vec![sample("b", 1100, 100, 20)],
        };
        assert!(st.evaluate(&wide, &good, 1100).is_empty());
    }

    #[test]
    fn validation_keys_and_serde() {
        assert!(floor_rule(0).validate().is_ok());
        let bad = AlertRule::ConversionFloor {
            experiment: "e".into(),
            variant: "b".into(),
            floor: 1.5,
            window_secs: 60,
            min_exposures: 0,
        };
        assert!(bad.validate().is_err());
        let bad = AlertRule::Drift {
            feature: "f".into(),
            threshold: f64::NAN,
        };
        assert!(bad.validate().is_err());
        assert_ne!(floor_rule(0).key(), floor_rule(1).key());
        let json = r#"{"conversion_floor":{"experiment":"e","variant":"b","floor":0.1,"window_secs":600}}"#;
        let rule: AlertRule = serde_json::from_str(json).unwrap();
        assert_eq!(rule, floor_rule(0));
        let mut st = AlertState::new();
        let mut obs = Observations::default();
        obs.drift.insert("f".into(), 1.0);
        let drift = AlertRule::Drift {
            feature: "f".into(),
            threshold: 0.2,
        };
        st.evaluate(&[drift.clone(), drift.clone()], &obs, 7);
        let saved = serde_json::to_string(&st).unwrap();
        let mut back: AlertState = serde_json::from_str(&saved).unwrap();
        assert_eq!(back, st);
        assert_eq!(back.evaluate(&[drift], &obs, 9)[0].since, 7);
    }
}
