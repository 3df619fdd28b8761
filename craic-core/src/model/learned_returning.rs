//! Returning users in the learned blend's holdout, when the latest slice of the log has too few.
//!
//! The fit holds out the latest slice of the log by time (`model::learned_fit`): on an events
//! platform, where people come back week after week, the users active in that slice are the
//! users the engine serves — most with a history. A log where each user's activity is one
//! burst (a ratings site, a new platform's launch month) is different: the latest slice is
//! mostly people who arrived in it, so the buckets of users with a history hold a handful of
//! users each, and their weights are noise. On MovieLens 100K (`docs/evaluation.md`, "Real
//! data") the latest 20 % held 204 users without history, 16 light and 14 heavy ones; the heavy
//! bucket's weights, learned on 14 users, were what every evaluated user (all with a history)
//! was served, and the Hybrid fell to 0.72 × its collaborative part.
//!
//! When the users with a history number fewer than [`crate::MIN_WARM_USERS`], the fit also holds out
//! the latest `holdout_fraction` of each of a seeded sample of *other* users' rows before the
//! cut — users with a history there — and scores each of them as of the start of their own
//! held-out rows: the leave-latest-out split a ratings dataset is judged with, used only to
//! fill the warm buckets the time split leaves empty.

use std::collections::{BTreeMap, HashMap};

use crate::data::interaction::AsInteraction;
use crate::evaluation::{split_cutoff, Relevance};
use crate::model::learned::LearnSettings;
use crate::model::learned_fit::LogReader;
use crate::model::state::Model;
use crate::rng::SplitMix64;

/// Fewest positive items a returning user has before the cut to be held out (so that some
/// history is left once their latest rows are held out).
const MIN_OWN_HISTORY: usize = 5;

/// Returning users held out: per user, the start of their own held-out rows.
#[derive(Debug, Default)]
pub(super) struct Returning {
    since: HashMap<String, i64>,
}

impl Returning {
    /// True when the row of `user` at `timestamp` is one of a returning user's held-out rows.
    pub fn held_out(&self, user: &str, timestamp: i64) -> bool {
        self.since.get(user).is_some_and(|&s| timestamp >= s)
    }

    /// When `user` is scored: the start of their own held-out rows, if they are a returning
    /// user.
    pub fn now_of(&self, user: &str) -> Option<i64> {
        self.since.get(user).copied()
    }

    /// Number of returning users held out.
    pub fn len(&self) -> usize {
        self.since.len()
    }

    /// Picks up to two buckets' worth (`2 × users_per_bucket`) of returning users (a sample
    /// seeded by `settings.seed`) among the users of `m` (built on the log before `cutoff`)
    /// with at least [`MIN_OWN_HISTORY`] positive items and no relevant event in the latest
    /// slice (`relevant`), and holds out the latest `holdout_fraction` of each one's rows
    /// before the cut (by [`split_cutoff`]: ties in time go to the holdout); a user whose rows
    /// all fall in their holdout (one burst at one second) is skipped.
    pub fn pick<L: LogReader>(
        m: &Model,
        log: &L,
        cutoff: i64,
        relevant: &BTreeMap<String, Vec<String>>,
        settings: &LearnSettings,
    ) -> Returning {
        let (fraction, seed) = (settings.holdout_fraction, settings.seed);
        let want = 2 * settings.users_per_bucket;
        let mut candidates: Vec<u32> = (0..m.users.len() as u32)
            .filter(|&u| m.matrix.positive_count(u) >= MIN_OWN_HISTORY)
            .filter(|&u| !relevant.contains_key(m.users.name(u)))
            .collect();
        let mut rng = SplitMix64::new(seed).fork(u64::from(u32::MAX));
        for i in (1..candidates.len()).rev() {
            candidates.swap(i, rng.below(i as u64 + 1) as usize);
        }
        // A few more than wanted: some are skipped below.
        candidates.truncate(want.saturating_mul(2));
        let mut stamps: HashMap<u32, Vec<i64>> = candidates.iter().map(|&u| (u, vec![])).collect();
        for row in log.read() {
            let i = row.as_interaction();
            if i.timestamp >= cutoff {
                continue;
            }
            if let Some(ts) = m.users.get(i.user_id).and_then(|u| stamps.get_mut(&u)) {
                ts.push(i.timestamp);
            }
        }
        let mut since = HashMap::new();
        for u in candidates {
            if since.len() == want {
                break;
            }
            let Some(ts) = stamps.get_mut(&u) else {
                continue;
            };
            let start = split_cutoff(ts, fraction);
            if start != i64::MAX && ts.iter().any(|&t| t < start) {
                since.insert(m.users.name(u).to_owned(), start);
            }
        }
        Returning { since }
    }

    /// The returning users' relevant held-out events (by `relevance`, removed events `gone`
    /// left out; users left with none dropped) and the number of their held-out rows.
    pub fn relevant<L: LogReader>(
        &self,
        log: &L,
        cutoff: i64,
        gone: &[String],
    ) -> (BTreeMap<String, Vec<String>>, usize) {
        let mut rows = 0;
        let mut relevant = Relevance::default().relevant_of_rows(log.read().filter(|x| {
            let i = x.as_interaction();
            let out = i.timestamp < cutoff && self.held_out(i.user_id, i.timestamp);
            rows += usize::from(out);
            out
        }));
        for items in relevant.values_mut() {
            items.retain(|i| !gone.contains(i));
        }
        relevant.retain(|_, items| !items.is_empty());
        (relevant, rows)
    }
}

/// How many of `relevant`'s users have a history (a positive item) in `m`.
pub(super) fn warm_users(m: &Model, relevant: &BTreeMap<String, Vec<String>>) -> usize {
    relevant
        .keys()
        .filter(|u| {
            m.users
                .get(u)
                .is_some_and(|u| m.matrix.positive_count(u) > 0)
        })
        .count()
}
