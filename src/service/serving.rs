//! The serving path: `recommend` through the cache, and the writes (`record`,
//! `upsert_items`, `set_preferences`) serialised with model swaps.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use craic_core::{Interaction, Item, Preferences, Recommendation, Request};

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
        let t0 = Instant::now();
        let m = &self.inner.metrics;
        m.request(request.strategy);
        let out = self.recommend_inner(user, request);
        m.recommend_latency(request.strategy)
            .record_duration(t0.elapsed());
        match &out {
            Ok(recs) => m.served.add(recs.len() as u64),
            Err(e) => m.error("recommend", e.kind().as_str()),
        }
        out
    }

    fn recommend_inner(&self, user: &str, req: &Request) -> ServiceResult<Vec<Recommendation>> {
        let serving = self.inner.serving.load_full();
        let now = req.now.unwrap_or_else(|| self.inner.now());
        let fp = fingerprint(req);
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
        let recs = serving.engine.recommend(user, req)?;
        let cached: Vec<CachedRec> = recs
            .iter()
            .map(|r| CachedRec {
                rec: r.clone(),
                starts_at: serving
                    .engine
                    .item(&r.item_id)
                    .map_or(i64::MAX, |i| i.starts_at),
            })
            .collect();
        cache.insert(user, fp, serving.seq, generation, Arc::new(cached), now_ms);
        if req.strategy == craic_core::Strategy::Hybrid {
            monitor::observe_scores(&self.inner, &recs);
        }
        Ok(recs)
    }

    /// Records interactions: applied incrementally to the serving model (validated as a whole
    /// batch first), appended to the training data, the users' cached lists dropped, and
    /// `save` / `click` counted as conversions for the experiments the users were exposed in.
    ///
    /// A batch the engine rejects changes nothing. If the [`TrainingSource`] then fails to
    /// append an accepted batch, the error is returned although the serving model already
    /// applied it (the next accepted retrain will not contain it).
    ///
    /// [`TrainingSource`]: super::TrainingSource
    pub fn record(&self, interactions: &[Interaction]) -> ServiceResult<()> {
        let t0 = Instant::now();
        let out = self.record_inner(interactions);
        let m = &self.inner.metrics;
        m.record_latency.record_duration(t0.elapsed());
        match &out {
            Ok(()) => m.recorded.add(interactions.len() as u64),
            Err(e) => m.error("record", e.kind().as_str()),
        }
        out
    }

    fn record_inner(&self, interactions: &[Interaction]) -> ServiceResult<()> {
        if interactions.is_empty() {
            return Ok(());
        }
        let serving = {
            let mut w = lock(&self.inner.writes);
            let serving = self.inner.serving.load_full();
            serving.engine.record(interactions)?;
            if let Some(p) = w.pending.as_mut() {
                p.push(PendingOp::Record(interactions.to_vec()));
            }
            self.inner.source.append(interactions)?;
            serving
        };
        let users: BTreeSet<&str> = interactions.iter().map(|i| i.user_id.as_str()).collect();
        for u in users {
            self.inner.cache.invalidate_user(u);
        }
        experiments::observe_interactions(&self.inner, interactions);
        monitor::observe_interactions(&self.inner, &serving.engine, interactions);
        Ok(())
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

    /// Sets a user's stated preferences (serving model and training data).
    pub fn set_preferences(&self, user: &str, preferences: Preferences) -> ServiceResult<()> {
        let out = (|| -> ServiceResult<()> {
            let mut w = lock(&self.inner.writes);
            self.inner
                .serving
                .load()
                .engine
                .set_preferences(user, preferences.clone())?;
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
