//! The recommendation cache: a `Mutex<TtlCache>` plus invalidation generations.

use std::fmt::Write;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use craic_core::cache::TtlCache;
use craic_core::{Recommendation, Request};

use super::lock;

/// Number of invalidation stripes (users hash onto them).
const STRIPES: usize = 256;

/// One cached item: the recommendation and its event's start (for the started-event filter).
#[derive(Debug, Clone)]
pub(crate) struct CachedRec {
    pub rec: Recommendation,
    pub starts_at: i64,
}

/// Key: (user, (request fingerprint, model sequence number)).
type Key = (String, (String, u64));

/// A user's invalidation generation, read before computing and checked before inserting, so a
/// list computed before a write of that user is never cached after it.
#[derive(Debug)]
pub(crate) struct RecCache {
    cache: Mutex<TtlCache<Key, Arc<Vec<CachedRec>>>>,
    generations: Box<[AtomicU64]>,
}

/// The request options that select a list; `now` is deliberately left out (see the module
/// docs: eligibility is re-checked on every hit instead).
pub(crate) fn fingerprint(r: &Request) -> String {
    let mut s = String::with_capacity(64);
    let _ = write!(
        s,
        "{}|k={}|city={:?}|explain={}|saved={:?}|div={:?}|artist={:?}|venue={:?}|x=",
        r.strategy,
        r.k,
        r.city,
        r.explain,
        r.exclude_saved,
        r.diversity,
        r.max_per_artist,
        r.max_per_venue
    );
    for e in &r.exclude {
        let _ = write!(s, "{e:?},");
    }
    if let Some(t) = &r.exclude_touched {
        let _ = write!(s, "|touched={t:?}");
    }
    s
}

fn stripe(user: &str) -> usize {
    let mut h = DefaultHasher::new();
    user.hash(&mut h);
    (h.finish() as usize) % STRIPES
}

impl RecCache {
    pub fn new(capacity: usize, ttl_ms: u64) -> Self {
        RecCache {
            cache: Mutex::new(TtlCache::new(capacity, ttl_ms)),
            generations: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Looks up a live list; on a miss also returns the generation to pass to `insert`.
    pub fn get(
        &self,
        user: &str,
        fp: &str,
        model: u64,
        now_ms: u64,
    ) -> Result<Arc<Vec<CachedRec>>, u64> {
        let key = (user.to_owned(), (fp.to_owned(), model));
        let mut c = lock(&self.cache);
        match c.get(&key, now_ms) {
            Some(v) => Ok(Arc::clone(v)),
            None => Err(self.generations[stripe(user)].load(Ordering::SeqCst)),
        }
    }

    /// The user's current invalidation generation.
    pub fn generation(&self, user: &str) -> u64 {
        let _c = lock(&self.cache);
        self.generations[stripe(user)].load(Ordering::SeqCst)
    }

    /// Stores a list unless the user was invalidated since `generation` was read.
    pub fn insert(
        &self,
        user: &str,
        fp: String,
        model: u64,
        generation: u64,
        value: Arc<Vec<CachedRec>>,
        now_ms: u64,
    ) {
        let mut c = lock(&self.cache);
        if self.generations[stripe(user)].load(Ordering::SeqCst) == generation {
            c.insert((user.to_owned(), (fp, model)), value, now_ms);
        }
    }

    /// Drops a user's lists (after they interacted).
    pub fn invalidate_user(&self, user: &str) {
        let mut c = lock(&self.cache);
        self.generations[stripe(user)].fetch_add(1, Ordering::SeqCst);
        c.invalidate_group(user);
    }

    /// Drops everything (after a model swap or a catalogue change).
    pub fn clear(&self) {
        let mut c = lock(&self.cache);
        for g in self.generations.iter() {
            g.fetch_add(1, Ordering::SeqCst);
        }
        c.clear();
    }

    pub fn len(&self) -> usize {
        lock(&self.cache).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use craic_core::Strategy;

    #[test]
    fn fingerprint_ignores_the_clock_only() {
        let base = Request::new(5);
        assert_eq!(
            fingerprint(&base),
            fingerprint(&base.clone().now(1_800_000_000))
        );
        for other in [
            Request::new(6),
            base.clone().strategy(Strategy::Content),
            base.clone().city("cork"),
            base.clone().exclude(["a"]),
            base.clone().explain(true),
            Request {
                exclude_saved: Some(false),
                ..base.clone()
            },
            base.clone().exclude_touched(craic_core::Touched::Any),
            base.clone()
                .exclude_touched(craic_core::Touched::Kinds(vec!["impression".into()])),
            base.clone().diversity(0.5),
            base.clone().max_per_artist(1),
            base.clone().max_per_venue(1),
        ] {
            assert_ne!(fingerprint(&base), fingerprint(&other));
        }
        // Excludes are quoted, so ids with separators cannot collide.
        assert_ne!(
            fingerprint(&base.clone().exclude(["a,b"])),
            fingerprint(&base.clone().exclude(["a", "b"]))
        );
    }

    #[test]
    fn stale_lists_are_not_stored_after_an_invalidation() {
        let c = RecCache::new(10, 1_000);
        let gen = c.get("ann", "fp", 1, 0).unwrap_err();
        c.invalidate_user("ann"); // a write while the list was being computed
        c.insert("ann", "fp".into(), 1, gen, Arc::new(Vec::new()), 0);
        assert_eq!(c.len(), 0);
        let gen = c.get("ann", "fp", 1, 0).unwrap_err();
        c.insert("ann", "fp".into(), 1, gen, Arc::new(Vec::new()), 0);
        assert!(c.get("ann", "fp", 1, 1).is_ok());
        assert!(c.get("ann", "fp", 2, 1).is_err(), "another model version");
        c.clear();
        assert_eq!(c.len(), 0);
    }
}
