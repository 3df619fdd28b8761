//! Drift monitoring (reference distributions at training time vs a recent window) and alerts.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use craic_core::alerts::{Alert, AlertRule, AlertState, Observations};
use craic_core::drift::{psi_categorical, PsiReport, QuantileBins};
use craic_core::{Engine, Interaction, Recommendation, Request};

use super::error::ServiceResult;
use super::training::TrainingData;
use super::{lock, Inner, Service};

/// Drift feature names.
pub const FEATURES: [&str; 4] = ["interaction_kind", "genre", "city", "score"];

/// Windows of drift monitoring.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftOptions {
    /// Interactions (by their own timestamp) within this many seconds before the report time
    /// form the current window. Default 86 400 (24 h).
    pub window_secs: i64,
    /// At most this many recent interactions are kept. Default 50 000.
    pub max_interactions: usize,
    /// At most this many recent Hybrid recommendation scores are kept. Default 10 000.
    pub max_scores: usize,
    /// Quantile bins of the score reference. Default 10.
    pub score_bins: usize,
    /// Users sampled (most recently active first) for the score reference. Default 200.
    pub reference_users: usize,
}

impl Default for DriftOptions {
    fn default() -> Self {
        DriftOptions {
            window_secs: 86_400,
            max_interactions: 50_000,
            max_scores: 10_000,
            score_bins: 10,
            reference_users: 200,
        }
    }
}

/// PSI of one feature: `None` when either side has no data.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDrift {
    /// Feature name (`interaction_kind`, `genre`, `city`, `score`).
    pub feature: String,
    /// Observations in the current window.
    pub current_count: usize,
    /// The PSI with its level and bins.
    pub report: Option<PsiReport>,
}

/// Drift of every monitored feature at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftReport {
    /// Report time (unix seconds).
    pub at: i64,
    /// One entry per feature, in [`FEATURES`] order.
    pub features: Vec<FeatureDrift>,
}

impl DriftReport {
    /// The PSI of a feature, if computed.
    pub fn psi(&self, feature: &str) -> Option<f64> {
        self.features
            .iter()
            .find(|f| f.feature == feature)
            .and_then(|f| f.report.as_ref().map(|r| r.psi))
    }
}

struct Recent {
    timestamp: i64,
    kind: String,
    city: Option<String>,
    genres: Vec<String>,
}

type Counts = BTreeMap<String, f64>;

struct Reference {
    kinds: Counts,
    genres: Counts,
    cities: Counts,
    scores: Option<(QuantileBins, Vec<f64>)>,
}

pub(crate) struct MonitorState {
    options: DriftOptions,
    reference: Reference,
    recent: VecDeque<Recent>,
    scores: VecDeque<f64>,
    rules: Vec<AlertRule>,
    alerts: AlertState,
    firing: Vec<String>,
}

fn add(map: &mut Counts, key: &str) {
    *map.entry(key.to_owned()).or_default() += 1.0;
}

impl MonitorState {
    /// Reference distributions from the training data and the model built from it.
    pub fn new(options: &DriftOptions, engine: &Engine, data: &TrainingData) -> MonitorState {
        let items: HashMap<&str, &craic_core::Item> =
            data.items.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut reference = Reference {
            kinds: Counts::new(),
            genres: Counts::new(),
            cities: Counts::new(),
            scores: None,
        };
        for x in &data.interactions {
            add(&mut reference.kinds, &x.kind);
            if let Some(item) = items.get(x.item_id.as_str()) {
                if !item.city.is_empty() {
                    add(&mut reference.cities, &item.city);
                }
                for g in &item.genres {
                    add(&mut reference.genres, g);
                }
            }
        }
        // Score reference: Hybrid lists of the most recently active users, at the data's end.
        if let Some(now) = data.interactions.iter().map(|x| x.timestamp).max() {
            let mut users: Vec<&str> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for x in data.interactions.iter().rev() {
                if users.len() >= options.reference_users {
                    break;
                }
                if seen.insert(x.user_id.as_str()) {
                    users.push(&x.user_id);
                }
            }
            let req = Request::new(10).now(now);
            if let Ok(lists) = engine.recommend_many(&users, &req) {
                let scores: Vec<f64> = lists.iter().flatten().map(|r| r.score).collect();
                if let Ok(bins) = QuantileBins::from_reference(&scores, options.score_bins) {
                    let counts = bins.counts(&scores);
                    reference.scores = Some((bins, counts));
                }
            }
        }
        MonitorState {
            options: options.clone(),
            reference,
            recent: VecDeque::new(),
            scores: VecDeque::new(),
            rules: Vec::new(),
            alerts: AlertState::new(),
            firing: Vec::new(),
        }
    }

    /// A new reference (after a swap); windows, rules and alert state are kept.
    pub fn replace_reference(&mut self, other: MonitorState) {
        self.reference = other.reference;
    }

    fn report(&self, now: i64) -> DriftReport {
        let start = now.saturating_sub(self.options.window_secs);
        let window: Vec<&Recent> = self
            .recent
            .iter()
            .filter(|r| r.timestamp > start && r.timestamp <= now)
            .collect();
        let mut kinds = Counts::new();
        let mut genres = Counts::new();
        let mut cities = Counts::new();
        for r in &window {
            add(&mut kinds, &r.kind);
            if let Some(c) = &r.city {
                add(&mut cities, c);
            }
            for g in &r.genres {
                add(&mut genres, g);
            }
        }
        let cat = |name: &str, reference: &Counts, current: &Counts| {
            let pairs = |m: &Counts| m.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>();
            FeatureDrift {
                feature: name.into(),
                current_count: current.values().sum::<f64>() as usize,
                report: psi_categorical(&pairs(reference), &pairs(current)).ok(),
            }
        };
        let scores: Vec<f64> = self.scores.iter().copied().collect();
        let score = FeatureDrift {
            feature: "score".into(),
            current_count: scores.len(),
            report: self
                .reference
                .scores
                .as_ref()
                .and_then(|(bins, counts)| bins.psi(counts, &scores).ok()),
        };
        DriftReport {
            at: now,
            features: vec![
                cat("interaction_kind", &self.reference.kinds, &kinds),
                cat("genre", &self.reference.genres, &genres),
                cat("city", &self.reference.cities, &cities),
                score,
            ],
        }
    }
}

pub(crate) fn observe_scores(inner: &Inner, recs: &[Recommendation]) {
    let mut m = lock(&inner.monitor);
    let cap = m.options.max_scores;
    for r in recs {
        if r.score.is_finite() {
            m.scores.push_back(r.score);
        }
    }
    while m.scores.len() > cap {
        m.scores.pop_front();
    }
}

pub(crate) fn observe_interactions(inner: &Inner, engine: &Engine, xs: &[Interaction]) {
    let recent: Vec<Recent> = xs
        .iter()
        .map(|x| {
            let item = engine.item(&x.item_id);
            Recent {
                timestamp: x.timestamp,
                kind: x.kind.clone(),
                city: item
                    .as_ref()
                    .map(|i| i.city.clone())
                    .filter(|c| !c.is_empty()),
                genres: item.map(|i| i.genres).unwrap_or_default(),
            }
        })
        .collect();
    let mut m = lock(&inner.monitor);
    let cap = m.options.max_interactions;
    m.recent.extend(recent);
    while m.recent.len() > cap {
        m.recent.pop_front();
    }
}

impl Service {
    /// PSI of every monitored feature, the current window ending now.
    pub fn drift_report(&self) -> DriftReport {
        self.drift_report_at(self.inner.now())
    }

    /// PSI of every monitored feature, the current window ending at `now` (unix seconds):
    /// interaction kinds, genres and cities of interacted items (interactions within
    /// [`DriftOptions::window_secs`] before `now`), and the last [`DriftOptions::max_scores`]
    /// Hybrid recommendation scores, each against the distribution at training time.
    pub fn drift_report_at(&self, now: i64) -> DriftReport {
        let r = lock(&self.inner.monitor).report(now);
        for f in &r.features {
            if let Some(rep) = &f.report {
                self.inner.metrics.drift(&f.feature, rep.psi);
            }
        }
        r
    }

    /// Replaces the alert rules (validated first; nothing changes on error).
    pub fn set_alert_rules(&self, rules: Vec<AlertRule>) -> ServiceResult<()> {
        for r in &rules {
            r.validate()?;
        }
        lock(&self.inner.monitor).rules = rules;
        Ok(())
    }

    /// Registers a callback invoked (outside every lock) for each alert that starts firing.
    pub fn on_alert(&self, callback: Box<dyn Fn(&Alert) + Send + Sync>) {
        lock(&self.inner.alert_callbacks).push(Arc::from(callback));
    }

    /// Evaluates the alert rules at `now` (unix seconds) against the drift report and the
    /// experiments' conversion buckets; returns every firing alert and calls the callbacks for
    /// the newly firing ones.
    pub fn check_alerts(&self, now: i64) -> Vec<Alert> {
        let report = self.drift_report_at(now);
        let mut obs = Observations::default();
        for f in &report.features {
            if let Some(r) = &f.report {
                obs.drift.insert(f.feature.clone(), r.psi);
            }
        }
        obs.conversions = super::experiments::conversion_samples(&self.inner);
        let (firing, new) = {
            let mut m = lock(&self.inner.monitor);
            let rules = m.rules.clone();
            let firing = m.alerts.evaluate(&rules, &obs, now);
            let keys: Vec<String> = firing.iter().map(|a| a.rule.key()).collect();
            let new: Vec<Alert> = firing
                .iter()
                .filter(|a| !m.firing.contains(&a.rule.key()))
                .cloned()
                .collect();
            m.firing = keys;
            (firing, new)
        };
        self.inner.metrics.alerts_firing.set(firing.len() as f64);
        if !new.is_empty() {
            let callbacks = lock(&self.inner.alert_callbacks).clone();
            for a in &new {
                for cb in &callbacks {
                    // A panicking callback must not take the caller (or the schedule) down.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(a)));
                }
            }
        }
        firing
    }
}
