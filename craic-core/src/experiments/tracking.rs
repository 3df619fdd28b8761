//! In-memory exposure and conversion tracking with idempotent, order-independent recording.
//!
//! Record an exposure when a user is actually shown a variant's recommendations, and a conversion
//! when they act (save, click). A conversion counts for the variant of the user's *first* exposure
//! when it happens at or after it; earlier conversions, and those of never-exposed users, are
//! counted as unattributed. Every event carries an idempotency key, so at-least-once delivery and
//! replays from storage are safe.
//!
//! ```
//! use craic_core::experiments::{Experiment, ExperimentEvent, ExperimentTracker};
//! use craic_core::{ErrorKind, Strategy};
//!
//! let mut tracker = ExperimentTracker::new();
//! tracker.register(
//!     Experiment::builder("feed")
//!         .variant("control", 0.5, Strategy::Popularity)
//!         .variant("hybrid", 0.5, Strategy::Hybrid)
//!         .build()?,
//! )?;
//! let events = [
//!     ExperimentEvent::conversion("c0", "feed", "ann", 90), // before exposure: unattributed
//!     ExperimentEvent::exposure("e1", "feed", "ann", "hybrid", 100),
//!     ExperimentEvent::conversion("c1", "feed", "ann", 100), // at exposure: attributed
//!     ExperimentEvent::conversion("c1", "feed", "ann", 100), // duplicate key: ignored
//! ];
//! assert_eq!(tracker.record_all(&events)?, 3);
//! let counts = tracker.counts("feed")?;
//! assert_eq!(counts.variants[1].conversions, 1);
//! assert_eq!(counts.unattributed_conversions, 1);
//!
//! let bad = ExperimentEvent::exposure("e2", "feed", "bob", "nope", 100);
//! assert_eq!(tracker.record(&bad).unwrap_err().kind(), ErrorKind::UnknownVariant);
//! # Ok::<(), craic_core::Error>(())
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::counts::{ExperimentCounts, VariantCounts};
use super::experiment::Experiment;
use super::idempotency::{Check, IdempotencyWindow};
use super::stats::{analyze, Report, StatsConfig};
use super::user_record::{FirstExposure, UserRecord};
use crate::data::ids::validate_id;
use crate::data::interaction::validate_timestamp;
use crate::model::error::{Error, Result};

/// One tracked fact — the unit a storage adapter persists and later replays through
/// [`ExperimentTracker::record`].
///
/// Every event carries an idempotency `id`: recording the same id twice counts once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExperimentEvent {
    /// `user_id` was shown variant `variant` of experiment `experiment`.
    Exposure {
        /// Idempotency key (unique per event).
        id: String,
        /// Experiment key.
        experiment: String,
        /// The user.
        user_id: String,
        /// Variant name.
        variant: String,
        /// Unix seconds.
        timestamp: i64,
    },
    /// `user_id` converted (saved, clicked, ...) while experiment `experiment` was running.
    Conversion {
        /// Idempotency key (unique per event).
        id: String,
        /// Experiment key.
        experiment: String,
        /// The user.
        user_id: String,
        /// Unix seconds.
        timestamp: i64,
    },
}

impl ExperimentEvent {
    /// An exposure event.
    pub fn exposure(
        id: impl Into<String>,
        experiment: impl Into<String>,
        user_id: impl Into<String>,
        variant: impl Into<String>,
        timestamp: i64,
    ) -> Self {
        ExperimentEvent::Exposure {
            id: id.into(),
            experiment: experiment.into(),
            user_id: user_id.into(),
            variant: variant.into(),
            timestamp,
        }
    }

    /// A conversion event.
    pub fn conversion(
        id: impl Into<String>,
        experiment: impl Into<String>,
        user_id: impl Into<String>,
        timestamp: i64,
    ) -> Self {
        ExperimentEvent::Conversion {
            id: id.into(),
            experiment: experiment.into(),
            user_id: user_id.into(),
            timestamp,
        }
    }

    /// The idempotency key.
    pub fn id(&self) -> &str {
        match self {
            ExperimentEvent::Exposure { id, .. } | ExperimentEvent::Conversion { id, .. } => id,
        }
    }

    /// The experiment key.
    pub fn experiment(&self) -> &str {
        match self {
            ExperimentEvent::Exposure { experiment, .. }
            | ExperimentEvent::Conversion { experiment, .. } => experiment,
        }
    }

    /// The user id.
    pub fn user_id(&self) -> &str {
        match self {
            ExperimentEvent::Exposure { user_id, .. }
            | ExperimentEvent::Conversion { user_id, .. } => user_id,
        }
    }

    /// The timestamp (unix seconds).
    pub fn timestamp(&self) -> i64 {
        match self {
            ExperimentEvent::Exposure { timestamp, .. }
            | ExperimentEvent::Conversion { timestamp, .. } => *timestamp,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TrackedExperiment {
    experiment: Experiment,
    users: HashMap<String, UserRecord>,
}

/// In-memory tracker of exposures and conversions for registered experiments.
///
/// * **Idempotent**: [`record`](Self::record) returns `Ok(false)` for an event id already seen
///   within the *idempotency window* ([`with_idempotency_window`](Self::with_idempotency_window),
///   7 days by default) behind the newest event recorded.
/// * **Late events**: an event older than that window behind the newest is ignored
///   (`Ok(false)`, counted by [`late_events`](Self::late_events)): its id may already have been
///   forgotten, and ignoring it is the only way never to count it twice.
/// * **Order-independent**: a user's variant is the one of their *earliest* exposure (ties broken by
///   variant index), and a conversion is attributed to it when its timestamp is at or after that
///   exposure. Replaying the same events in any order gives the same counts as long as their
///   timestamps span at most the window, so a storage adapter may persist [`ExperimentEvent`]s
///   and replay them unordered (replay a longer history in time order).
/// * **Bounded**: memory is one O(1) record per (experiment, user) (plus the user's unattributed
///   conversions inside the window) and one 64-bit id hash per event inside the window.
/// * **Serialisable**: the whole state (experiments, per-user records, the window's id hashes)
///   round-trips through serde.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExperimentTracker {
    experiments: HashMap<String, TrackedExperiment>,
    #[serde(default)]
    ids: IdempotencyWindow,
}

/// A validated event, resolved against the tracker's experiments.
struct Resolved<'e> {
    experiment: &'e str,
    variant: Option<u32>,
}

impl ExperimentTracker {
    /// An empty tracker with the default 7-day idempotency window.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tracker remembering event ids for `seconds` behind the newest event.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `seconds` is positive.
    pub fn with_idempotency_window(seconds: i64) -> Result<Self> {
        if seconds <= 0 {
            return Err(Error::InvalidConfig(format!(
                "idempotency window must be positive, got {seconds} s"
            )));
        }
        Ok(ExperimentTracker {
            experiments: HashMap::new(),
            ids: IdempotencyWindow::new(seconds),
        })
    }

    /// The idempotency window in seconds.
    pub fn idempotency_window(&self) -> i64 {
        self.ids.window()
    }

    /// Late events ignored so far (older than the window behind the newest event).
    pub fn late_events(&self) -> u64 {
        self.ids.late()
    }

    /// Event ids currently remembered (those inside the window).
    pub fn remembered_ids(&self) -> usize {
        self.ids.len()
    }

    /// Unattributed conversions still held individually, over all experiments and users
    /// (bounded by the window; for monitoring and tests).
    pub fn pending_conversions(&self) -> usize {
        self.experiments
            .values()
            .flat_map(|t| t.users.values())
            .map(|u| u.pending.len())
            .sum()
    }

    /// Registers an experiment. Registering the same definition again is a no-op.
    ///
    /// # Errors
    /// [`Error::InvalidExperiment`] when another definition is already registered under this key.
    pub fn register(&mut self, experiment: Experiment) -> Result<()> {
        match self.experiments.get(experiment.key()) {
            Some(t) if t.experiment == experiment => Ok(()),
            Some(_) => Err(Error::InvalidExperiment(format!(
                "experiment {:?} is already registered with a different definition",
                experiment.key()
            ))),
            None => {
                self.experiments.insert(
                    experiment.key().to_owned(),
                    TrackedExperiment {
                        experiment,
                        users: HashMap::new(),
                    },
                );
                Ok(())
            }
        }
    }

    /// The registered experiment with this key.
    pub fn experiment(&self, key: &str) -> Option<&Experiment> {
        self.experiments.get(key).map(|t| &t.experiment)
    }

    /// The experiments `user` was exposed in, with the variant index and time of their first
    /// (earliest) exposure: one lookup per registered experiment.
    pub fn exposures_of<'a>(
        &'a self,
        user: &'a str,
    ) -> impl Iterator<Item = (&'a str, usize, i64)> {
        self.experiments.iter().filter_map(move |(key, t)| {
            let first = t.users.get(user)?.first_exposure?;
            Some((
                key.as_str(),
                usize::try_from(first.variant).ok()?,
                first.timestamp,
            ))
        })
    }

    fn resolve<'e>(&self, event: &'e ExperimentEvent) -> Result<Resolved<'e>> {
        validate_id(event.id())?;
        validate_id(event.user_id())?;
        validate_timestamp(event.timestamp())?;
        let key = event.experiment();
        let tracked = self
            .experiments
            .get(key)
            .ok_or_else(|| Error::UnknownExperiment(key.to_owned()))?;
        let variant = match event {
            ExperimentEvent::Exposure { variant, .. } => {
                let index = tracked
                    .experiment
                    .variant_index(variant)
                    .and_then(|i| u32::try_from(i).ok())
                    .ok_or_else(|| Error::UnknownVariant(variant.clone()))?;
                Some(index)
            }
            ExperimentEvent::Conversion { .. } => None,
        };
        Ok(Resolved {
            experiment: key,
            variant,
        })
    }

    fn apply(&mut self, event: &ExperimentEvent, resolved: &Resolved<'_>) -> bool {
        let timestamp = event.timestamp();
        let Check::New(hash) = self.ids.check(event.id(), timestamp) else {
            return false;
        };
        let Some(tracked) = self.experiments.get_mut(resolved.experiment) else {
            return false;
        };
        self.ids.insert(hash, timestamp);
        let user = tracked.users.entry(event.user_id().to_owned()).or_default();
        user.settle(self.ids.horizon());
        match resolved.variant {
            Some(variant) => {
                let exposure = FirstExposure { timestamp, variant };
                match user.first_exposure {
                    None => user.first_exposure = Some(exposure),
                    Some(first) => {
                        if first.variant != variant {
                            user.multiple_variants = true;
                        }
                        if exposure < first {
                            user.first_exposure = Some(exposure);
                        }
                    }
                }
                if let Some(first) = user.first_exposure {
                    user.attribute_from(first.timestamp);
                }
            }
            None => user.convert(timestamp),
        }
        true
    }

    /// Records one event; `Ok(true)` if it was new, `Ok(false)` if its id was already recorded
    /// within the window or the event is late (see [`late_events`](Self::late_events)).
    ///
    /// # Errors
    /// [`Error::InvalidId`] for an empty or over-long event or user id, [`Error::InvalidTimestamp`],
    /// [`Error::UnknownExperiment`] for an unregistered experiment key, [`Error::UnknownVariant`]
    /// for a variant name the experiment does not have. Nothing is recorded on error.
    pub fn record(&mut self, event: &ExperimentEvent) -> Result<bool> {
        let resolved = self.resolve(event)?;
        Ok(self.apply(event, &resolved))
    }

    /// Records a batch atomically: either every event is valid and the number of new ones is
    /// returned, or nothing changes and the error names the first bad row ([`Error::InvalidRow`]).
    ///
    /// # Errors
    /// As [`record`](Self::record), wrapped in [`Error::InvalidRow`].
    pub fn record_all(&mut self, events: &[ExperimentEvent]) -> Result<usize> {
        let resolved = events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                self.resolve(e)
                    .map(|r| (r.experiment.to_owned(), r.variant))
                    .map_err(|err| err.in_row(i))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut new = 0;
        for (event, (experiment, variant)) in events.iter().zip(&resolved) {
            let r = Resolved {
                experiment,
                variant: *variant,
            };
            new += usize::from(self.apply(event, &r));
        }
        Ok(new)
    }

    /// Per-variant counts of experiment `key`.
    ///
    /// # Errors
    /// [`Error::UnknownExperiment`] when no experiment is registered under `key`.
    pub fn counts(&self, key: &str) -> Result<ExperimentCounts> {
        let tracked = self
            .experiments
            .get(key)
            .ok_or_else(|| Error::UnknownExperiment(key.to_owned()))?;
        let mut variants: Vec<VariantCounts> = tracked
            .experiment
            .variants()
            .iter()
            .map(|v| VariantCounts {
                variant: v.name.clone(),
                exposed_users: 0,
                converting_users: 0,
                conversions: 0,
            })
            .collect();
        let mut counts = ExperimentCounts {
            experiment: key.to_owned(),
            variants: Vec::new(),
            unattributed_conversions: 0,
            unattributed_users: 0,
            users_in_multiple_variants: 0,
        };
        for user in tracked.users.values() {
            let unattributed = user.unattributed_total();
            let attributed = user.attributed;
            let total = attributed + unattributed;
            let attributed = match user.first_exposure {
                Some(first) => {
                    if let Some(v) = usize::try_from(first.variant)
                        .ok()
                        .and_then(|i| variants.get_mut(i))
                    {
                        v.exposed_users += 1;
                        v.conversions += attributed;
                        v.converting_users += u64::from(attributed > 0);
                    }
                    counts.users_in_multiple_variants += u64::from(user.multiple_variants);
                    attributed
                }
                None => 0,
            };
            counts.unattributed_conversions += total - attributed;
            counts.unattributed_users += u64::from(total > attributed);
        }
        counts.variants = variants;
        Ok(counts)
    }

    /// The statistical [`Report`] of experiment `key` (see [`crate::experiments::stats`]).
    ///
    /// # Errors
    /// [`Error::UnknownExperiment`] for an unknown key, [`Error::InvalidConfig`] for a bad `config`.
    pub fn report(&self, key: &str, config: &StatsConfig) -> Result<Report> {
        let counts = self.counts(key)?;
        let experiment = self
            .experiment(key)
            .ok_or_else(|| Error::UnknownExperiment(key.to_owned()))?;
        analyze(experiment, &counts, config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::request::Strategy;
    use crate::ErrorKind;

    const T0: i64 = 1_800_000_000;

    fn tracker() -> ExperimentTracker {
        let mut t = ExperimentTracker::new();
        let exp = Experiment::builder("feed")
            .variant("control", 0.5, Strategy::Popularity)
            .variant("hybrid", 0.5, Strategy::Hybrid)
            .build()
            .unwrap();
        t.register(exp.clone()).unwrap();
        t.register(exp).unwrap(); // idempotent
        t
    }

    fn exposure(id: &str, user: &str, variant: &str, ts: i64) -> ExperimentEvent {
        ExperimentEvent::exposure(id, "feed", user, variant, ts)
    }

    fn conversion(id: &str, user: &str, ts: i64) -> ExperimentEvent {
        ExperimentEvent::conversion(id, "feed", user, ts)
    }

    fn scenario() -> Vec<ExperimentEvent> {
        vec![
            exposure("e1", "alice", "control", T0),
            exposure("e2", "alice", "control", T0 + 50),
            conversion("c1", "alice", T0 + 10),
            conversion("c2", "alice", T0 + 20),
            exposure("e3", "bob", "hybrid", T0 + 100),
            conversion("c3", "bob", T0 + 99), // before his exposure: unattributed
            conversion("c4", "bob", T0 + 100), // at the exposure: attributed
            conversion("c5", "carol", T0),    // never exposed: unattributed
            exposure("e4", "dave", "hybrid", T0),
            exposure("e5", "erin", "hybrid", T0 + 5),
            exposure("e6", "erin", "control", T0 + 1), // earlier, other variant: erin is control
            conversion("c6", "erin", T0 + 2),
        ]
    }

    #[test]
    fn attribution_idempotency_and_counts() {
        let mut t = tracker();
        for e in scenario() {
            assert!(t.record(&e).unwrap(), "{e:?}");
        }
        assert!(!t.record(&conversion("c1", "alice", T0 + 10)).unwrap());
        let c = t.counts("feed").unwrap();
        let control = &c.variants[0];
        let hybrid = &c.variants[1];
        assert_eq!(
            (
                control.exposed_users,
                control.converting_users,
                control.conversions
            ),
            (2, 2, 3)
        );
        assert_eq!(
            (
                hybrid.exposed_users,
                hybrid.converting_users,
                hybrid.conversions
            ),
            (2, 1, 1)
        );
        assert_eq!(c.unattributed_conversions, 2);
        assert_eq!(c.unattributed_users, 2);
        assert_eq!(c.users_in_multiple_variants, 1);
    }

    #[test]
    fn replay_in_any_order_and_serde_round_trip_give_the_same_counts() {
        let events = scenario();
        let mut forward = tracker();
        forward.record_all(&events).unwrap();
        let mut backward = tracker();
        let reversed: Vec<_> = events.iter().rev().cloned().collect();
        assert_eq!(backward.record_all(&reversed).unwrap(), events.len());
        assert_eq!(forward.counts("feed"), backward.counts("feed"));

        let json = serde_json::to_string(&forward).unwrap();
        let restored: ExperimentTracker = serde_json::from_str(&json).unwrap();
        assert_eq!(restored.counts("feed"), forward.counts("feed"));

        let event_json = serde_json::to_string(&events[0]).unwrap();
        assert!(event_json.contains("\"type\":\"exposure\""), "{event_json}");
        let back: ExperimentEvent = serde_json::from_str(&event_json).unwrap();
        assert_eq!(back, events[0]);
    }

    #[test]
    fn typed_errors_and_atomic_batches() {
        let mut t = tracker();
        let unknown = ExperimentEvent::conversion("x", "nope", "u", T0);
        assert_eq!(
            t.record(&unknown).unwrap_err(),
            Error::UnknownExperiment("nope".into())
        );
        assert_eq!(
            t.record(&exposure("x", "u", "content", T0)).unwrap_err(),
            Error::UnknownVariant("content".into())
        );
        assert_eq!(
            t.record(&exposure("", "u", "control", T0))
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidId
        );
        assert_eq!(
            t.record(&exposure("x", "", "control", T0))
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidId
        );
        assert_eq!(
            t.record(&exposure("x", "u", "control", -1))
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidTimestamp
        );
        assert_eq!(
            t.counts("nope").unwrap_err().kind(),
            ErrorKind::UnknownExperiment
        );
        let batch = vec![
            exposure("ok", "u", "control", T0),
            exposure("bad", "u", "nope", T0),
        ];
        let err = t.record_all(&batch).unwrap_err();
        assert_eq!(
            (err.kind(), err.row()),
            (ErrorKind::UnknownVariant, Some(1))
        );
        assert_eq!(t.counts("feed").unwrap().variants[0].exposed_users, 0);
        // The rejected id was not consumed.
        assert!(t.record(&batch[0]).unwrap());
        let other = Experiment::builder("feed")
            .variant("a", 0.5, Strategy::Popularity)
            .variant("b", 0.5, Strategy::Content)
            .build()
            .unwrap();
        assert_eq!(
            t.register(other).unwrap_err().kind(),
            ErrorKind::InvalidExperiment
        );
    }
}
