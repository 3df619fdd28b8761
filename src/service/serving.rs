//! The serving path: `recommend` through the cache, and the writes (`record`,
//! `upsert_items`, `set_preferences`) serialised with model swaps.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use craic_core::{
    Applied, Config, Impression, Interaction, Item, Preferences, Recommendation, Request,
};

use super::arms::{self, Arm};
use super::cache::{fingerprint, CachedRec};
use super::error::ServiceResult;
use super::{experiments, lock, monitor, PendingOp, Service};

impl Service {
    /// Cache time: milliseconds by the service's clock (0 before the epoch).
    fn now_ms(&self) -> u64 {
        u64::try_from(self.inner.clock().now_ms()).unwrap_or(0)
    }

    /// Recommends for `user` like [`craic_core::Engine::recommend`], through the cache (see the
    /// [module docs](super)).
    pub fn recommend(&self, user: &str, request: &Request) -> ServiceResult<Vec<Recommendation>> {
        self.recommend_from(user, request, None)
    }

    /// [`Service::recommend`] from the experiment arm engine built with `config` (`arms.rs`).
    pub(crate) fn recommend_in_arm(
        &self,
        user: &str,
        request: &Request,
        config: &Config,
    ) -> ServiceResult<Vec<Recommendation>> {
        let arms = self.inner.arms.load_full();
        let arm = arms.get(config).ok_or_else(|| {
            // Registration builds the arm before the experiment can assign anyone to it.
            craic_core::Error::Inconsistent("no arm engine for a variant's configuration".into())
        })?;
        self.recommend_from(user, request, Some(arm))
    }

    /// Recommends from the serving engine, or from `arm`'s, with the metrics.
    fn recommend_from(
        &self,
        user: &str,
        request: &Request,
        arm: Option<&Arm>,
    ) -> ServiceResult<Vec<Recommendation>> {
        let t0 = Instant::now();
        let m = &self.inner.metrics;
        m.request(request.strategy);
        let out = self.recommend_inner(user, request, arm);
        m.recommend_latency(request.strategy)
            .record_duration(t0.elapsed());
        match &out {
            Ok(recs) => m.served.add(recs.len() as u64),
            Err(e) => m.error("recommend", e.kind().as_str()),
        }
        out
    }

    fn recommend_inner(
        &self,
        user: &str,
        req: &Request,
        arm: Option<&Arm>,
    ) -> ServiceResult<Vec<Recommendation>> {
        let serving = self.inner.serving.load_full();
        let engine = arm.map_or(&serving.engine, |a| &a.engine);
        let now = req.now.unwrap_or_else(|| self.inner.now());
        let mut fp = fingerprint(req);
        if let Some(arm) = arm {
            fp.push_str(&format!("|arm={}", arm.seq));
        }
        let now_ms = self.now_ms();
        let cache = &self.inner.cache;
        let generation = match cache.get(user, &fp, serving.seq, now_ms) {
            Ok(list) => {
                let fresh: Vec<Recommendation> = list
                    .iter()
                    .filter(|c| c.starts_at > now)
                    .map(|c| c.rec.clone())
                    .collect();
                if fresh.len() == list.len() || fresh.len() >= req.k {
                    self.inner.metrics.cache_hits.inc();
                    return Ok(fresh);
                }
                // Events started since the list was cached and too few remain: recompute.
                cache.generation(user)
            }
            Err(generation) => generation,
        };
        self.inner.metrics.cache_misses.inc();
        let recs = engine.recommend(user, req)?;
        let cached: Vec<CachedRec> = recs
            .iter()
            .map(|r| CachedRec {
                rec: r.clone(),
                starts_at: engine.item(&r.item_id).map_or(i64::MAX, |i| i.starts_at),
            })
            .collect();
        cache.insert(user, fp, serving.seq, generation, Arc::new(cached), now_ms);
        if req.strategy == craic_core::Strategy::Hybrid && arm.is_none() {
            monitor::observe_scores(&self.inner, &recs);
        }
        Ok(recs)
    }

    /// Up to `k` upcoming events similar to `item_id`, from the serving model, like
    /// [`craic_core::Engine::similar_items`]; `now` defaults to the service's clock. Not
    /// cached: co-engagement is read from the live matrix, so it is current to the last
    /// recorded interaction. Errors are counted in `craic_errors_total` under
    /// `operation="similar_items"`.
    pub fn similar_items(
        &self,
        item_id: &str,
        k: usize,
        now: Option<i64>,
        city: Option<&str>,
    ) -> ServiceResult<Vec<Recommendation>> {
        let serving = self.inner.serving.load_full();
        let now = now.unwrap_or_else(|| self.inner.now());
        serving
            .engine
            .similar_items(item_id, k, Some(now), city)
            .map_err(|e| {
                self.inner.metrics.error("similar_items", e.kind().as_str());
                e.into()
            })
    }

    /// [`Service::recommend`], then records the returned list as impressions (rank = position,
    /// at the request's `now`, else the service's clock) through [`Service::record`]: serving
    /// model, training data (the store's log on a store), the user's cached lists dropped. What
    /// the Python and Node bindings call with `log_impressions`.
    ///
    /// The store's log is idempotent per (user, item, kind, timestamp): showing the same item
    /// to the same user twice in one second is one impression after a restart.
    pub fn recommend_logging_impressions(
        &self,
        user: &str,
        request: &Request,
    ) -> ServiceResult<Vec<Recommendation>> {
        let recs = self.recommend(user, request)?;
        let at = request.now.unwrap_or_else(|| self.inner.now());
        let shown: Vec<Impression> = recs
            .iter()
            .enumerate()
            .map(|(rank, r)| Impression::new(user, &r.item_id, at, rank as i64))
            .collect();
        self.record_impressions(&shown)?;
        Ok(recs)
    }

    /// Records impressions ([`Impression`]) like [`Service::record`] records interactions (they
    /// become interactions of kind `impression`); a negative rank is an `out_of_range` error
    /// and nothing is recorded.
    pub fn record_impressions(&self, impressions: &[Impression]) -> ServiceResult<Applied> {
        match craic_core::impressions_to_interactions(impressions) {
            Ok(rows) => self.record(&rows),
            Err(e) => {
                self.inner.metrics.error("record", e.kind().as_str());
                Err(e.into())
            }
        }
    }

    /// Records interactions: validated as a whole batch against the serving model, appended
    /// to the training data, the new ones applied incrementally to the serving model, the
    /// users' cached lists dropped, and `save` / `click` counted as conversions for the
    /// experiments the users were exposed in.
    ///
    /// **New** means what the [`TrainingSource`] reports: on a store-backed service
    /// ([`Service::open`]) an interaction whose idempotency key the store already holds (the
    /// same user, item, kind and timestamp, re-sent) is not applied again, so recording a
    /// batch twice leaves the model as recording it once. The in-memory source treats every
    /// interaction as new.
    ///
    /// A batch the engine rejects changes nothing. If the source fails to append, nothing is
    /// applied to the serving model and the error is returned (a store that wrote part of
    /// the batch before failing has it in its log, where [`Service::catch_up`] applies it).
    ///
    /// Returns what the serving model applied, as [`craic_core::Engine::record`] does
    /// (`interactions` counts the new ones only; a batch with nothing new is all zeros).
    ///
    /// [`TrainingSource`]: super::TrainingSource
    pub fn record(&self, interactions: &[Interaction]) -> ServiceResult<Applied> {
        let t0 = Instant::now();
        let out = self.record_inner(interactions);
        let m = &self.inner.metrics;
        m.record_latency.record_duration(t0.elapsed());
        match &out {
            Ok(applied) => m.recorded.add(applied.interactions as u64),
            Err(e) => m.error("record", e.kind().as_str()),
        }
        out
    }

    /// What the serving model applied (the new interactions only).
    fn record_inner(&self, interactions: &[Interaction]) -> ServiceResult<Applied> {
        if interactions.is_empty() {
            return Ok(Applied::default());
        }
        let (serving, fresh, applied) = {
            let mut w = lock(&self.inner.writes);
            let serving = self.inner.serving.load_full();
            serving.engine.check_record(interactions)?;
            let new = self.inner.source.append(interactions)?;
            let fresh: Cow<'_, [Interaction]> = if new.len() == interactions.len() {
                Cow::Borrowed(interactions)
            } else {
                Cow::Owned(new.iter().map(|&n| interactions[n].clone()).collect())
            };
            if fresh.is_empty() {
                return Ok(Applied::default());
            }
            let applied = serving.engine.record(&fresh)?;
            arms::apply(&self.inner, |e| e.record(&fresh));
            if let Some(p) = w.pending.as_mut() {
                p.push(PendingOp::Record(fresh.to_vec()));
            }
            (serving, fresh, applied)
        };
        let users: BTreeSet<&str> = fresh.iter().map(|i| i.user_id.as_str()).collect();
        for u in users {
            self.inner.cache.invalidate_user(u);
        }
        experiments::observe_interactions(&self.inner, &fresh);
        monitor::observe_interactions(&self.inner, &serving.engine, &fresh);
        Ok(applied)
    }

    /// Inserts or replaces catalogue items (serving model and training data); clears the cache.
    pub fn upsert_items(&self, items: Vec<Item>) -> ServiceResult<()> {
        let out = (|| -> ServiceResult<()> {
            let mut w = lock(&self.inner.writes);
            self.inner
                .serving
                .load()
                .engine
                .upsert_items(items.clone())?;
            arms::apply(&self.inner, |e| e.upsert_items(items.clone()));
            self.inner.source.upsert_items(&items)?;
            if let Some(p) = w.pending.as_mut() {
                p.push(PendingOp::Items(items));
            }
            Ok(())
        })();
        self.inner.cache.clear();
        if let Err(e) = &out {
            self.inner.metrics.error("upsert_items", e.kind().as_str());
        }
        out
    }

    /// Removes events (serving model and training data, so a retrain keeps them removed): they
    /// are no longer recommended, and their past interactions still inform similarity
    /// ([`craic_core::Engine::remove_items`]); upserting one again makes it live. On a store,
    /// the removal reaches other replicas through the change feed. Returns how many were live.
    /// An unknown id is an `unknown_item` error and nothing changes.
    pub fn remove_items(&self, ids: &[&str]) -> ServiceResult<usize> {
        let out = (|| -> ServiceResult<usize> {
            let mut w = lock(&self.inner.writes);
            let engine = &self.inner.serving.load().engine;
            engine.check_remove_items(ids)?;
            let owned: Vec<String> = ids.iter().map(|&s| s.to_owned()).collect();
            // The source first: if it fails, nothing changed anywhere.
            self.inner.source.remove_items(&owned)?;
            let removed = engine.remove_items(ids)?;
            arms::apply(&self.inner, |e| e.remove_items(ids));
            if let Some(p) = w.pending.as_mut() {
                p.push(PendingOp::Removed(owned));
            }
            Ok(removed)
        })();
        self.inner.cache.clear();
        if let Err(e) = &out {
            self.inner.metrics.error("remove_items", e.kind().as_str());
        }
        out
    }

    /// Sets a user's stated preferences (serving model and training data).
    pub fn set_preferences(&self, user: &str, preferences: Preferences) -> ServiceResult<()> {
        let out = (|| -> ServiceResult<()> {
            let mut w = lock(&self.inner.writes);
            self.inner
                .serving
                .load()
                .engine
                .set_preferences(user, preferences.clone())?;
            arms::apply(&self.inner, |e| {
                e.set_preferences(user, preferences.clone())
            });
            self.inner.source.set_preferences(user, &preferences)?;
            if let Some(p) = w.pending.as_mut() {
                p.push(PendingOp::Preferences(user.to_owned(), preferences));
            }
            Ok(())
        })();
        self.inner.cache.invalidate_user(user);
        if let Err(e) = &out {
            self.inner
                .metrics
                .error("set_preferences", e.kind().as_str());
        }
        out
    }
}
