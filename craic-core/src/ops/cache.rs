//! A bounded LRU cache with per-entry time-to-live and O(entries) per-group invalidation.
//!
//! Time is always passed in by the caller as `now` in milliseconds on any monotonic scale the
//! caller chooses (for example milliseconds since the service started, from
//! `std::time::Instant`); the cache never reads a clock. An entry inserted at `now` with TTL `t`
//! is live while `now < inserted + t`.
//!
//! Every key belongs to a *group* ([`CacheKey::group`], typically the user id), so
//! [`TtlCache::invalidate_group`] removes one user's entries in time proportional to that user's
//! entries, not to the cache. `get`, `insert` and `remove` are O(1): entries live in a `Vec`
//! slab, linked (by index, no `unsafe`) into one recency list and one list per group, with a
//! `HashMap` from key to slot.
//!
//! Not thread-safe by itself (`&mut self` everywhere): a service wraps it in a `Mutex`
//! (the critical sections are O(1)) or shards it by group.
//!
//! ```
//! use craic_core::cache::TtlCache;
//!
//! // Keys are (user, request fingerprint); the group is the user.
//! let mut cache: TtlCache<(String, u64), &str> = TtlCache::new(2, 1_000);
//! cache.insert(("ann".into(), 1), "a1", 0);
//! cache.insert(("ann".into(), 2), "a2", 0);
//! assert_eq!(cache.get(&("ann".into(), 1), 10), Some(&"a1")); // now most recently used
//! cache.insert(("bob".into(), 1), "b1", 20); // evicts the least recently used: ann/2
//! assert_eq!(cache.get(&("ann".into(), 2), 30), None);
//! assert_eq!(cache.invalidate_group("ann"), 1);
//! assert_eq!(cache.get(&("bob".into(), 1), 1_019), Some(&"b1"));
//! assert_eq!(cache.get(&("bob".into(), 1), 1_020), None); // expired
//! assert_eq!(cache.len(), 0);
//! let stats = cache.stats();
//! assert_eq!((stats.hits, stats.misses, stats.evictions, stats.expirations), (2, 2, 1, 1));
//! ```

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// Suggested default time-to-live: 6 hours, in milliseconds.
pub const DEFAULT_TTL_MS: u64 = 6 * 60 * 60 * 1000;

/// A cache key that belongs to a group (typically a user) for [`TtlCache::invalidate_group`].
pub trait CacheKey: Eq + Hash + Clone {
    /// The group this key belongs to.
    fn group(&self) -> &str;
}

impl CacheKey for String {
    /// The whole string.
    fn group(&self) -> &str {
        self
    }
}

/// `(group, rest)`: the first element is the group (for example `(user_id, request_hash)`).
impl<T: Eq + Hash + Clone> CacheKey for (String, T) {
    fn group(&self) -> &str {
        &self.0
    }
}

/// Counters of a [`TtlCache`] since creation (or [`TtlCache::reset_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing or an expired entry.
    pub misses: u64,
    /// Entries evicted to make room (least recently used first).
    pub evictions: u64,
    /// Entries removed because their TTL had passed.
    pub expirations: u64,
    /// Entries removed by `remove`, `invalidate_*` or `clear`.
    pub invalidations: u64,
}

impl CacheStats {
    /// `hits / (hits + misses)`, or 0 before any lookup.
    pub fn hit_rate(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

const NIL: usize = usize::MAX;

#[derive(Debug, Clone)]
struct Slot<K, V> {
    key: K,
    value: V,
    expires_at: u64,
    // Recency list: `prev` is more recent, `next` less recent.
    prev: usize,
    next: usize,
    // Group list (unordered).
    gprev: usize,
    gnext: usize,
}

/// A bounded LRU cache with per-entry TTL; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct TtlCache<K: CacheKey, V> {
    index: HashMap<K, usize>,
    slots: Vec<Option<Slot<K, V>>>,
    free: Vec<usize>,
    head: usize,
    tail: usize,
    groups: HashMap<String, (usize, usize)>, // group -> (first slot, entry count)
    capacity: usize,
    ttl_ms: u64,
    stats: CacheStats,
}

impl<K: CacheKey, V> TtlCache<K, V> {
    /// A cache holding at most `capacity` entries (0 disables caching: nothing is stored), each
    /// living `default_ttl_ms` unless inserted with [`TtlCache::insert_with_ttl`].
    pub fn new(capacity: usize, default_ttl_ms: u64) -> Self {
        TtlCache {
            index: HashMap::with_capacity(capacity.min(1 << 16)),
            slots: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            groups: HashMap::new(),
            capacity,
            ttl_ms: default_ttl_ms,
            stats: CacheStats::default(),
        }
    }

    /// Number of entries held (expired entries count until they are touched or purged).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Maximum number of entries.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The default TTL in milliseconds.
    pub fn default_ttl_ms(&self) -> u64 {
        self.ttl_ms
    }

    /// Counters since creation or the last [`TtlCache::reset_stats`].
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Zeroes the counters.
    pub fn reset_stats(&mut self) {
        self.stats = CacheStats::default();
    }

    /// Number of live-or-expired entries of `group`.
    pub fn group_len(&self, group: &str) -> usize {
        self.groups.get(group).map_or(0, |g| g.1)
    }

    fn slot(&self, i: usize) -> &Slot<K, V> {
        self.slots[i].as_ref().expect("linked slot is occupied")
    }

    fn slot_mut(&mut self, i: usize) -> &mut Slot<K, V> {
        self.slots[i].as_mut().expect("linked slot is occupied")
    }

    fn unlink_lru(&mut self, i: usize) {
        let (prev, next) = {
            let s = self.slot(i);
            (s.prev, s.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.slot_mut(prev).next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slot_mut(next).prev = prev;
        }
    }

    fn push_front(&mut self, i: usize) {
        let old = self.head;
        {
            let s = self.slot_mut(i);
            s.prev = NIL;
            s.next = old;
        }
        if old == NIL {
            self.tail = i;
        } else {
            self.slot_mut(old).prev = i;
        }
        self.head = i;
    }

    /// Removes slot `i` from every structure and returns its entry.
    fn detach(&mut self, i: usize) -> Slot<K, V> {
        self.unlink_lru(i);
        let (gprev, gnext) = {
            let s = self.slot(i);
            (s.gprev, s.gnext)
        };
        if gprev != NIL {
            self.slot_mut(gprev).gnext = gnext;
        }
        if gnext != NIL {
            self.slot_mut(gnext).gprev = gprev;
        }
        let slot = self.slots[i].take().expect("linked slot is occupied");
        self.free.push(i);
        self.index.remove(&slot.key);
        let group = slot.key.group();
        if let Some(g) = self.groups.get_mut(group) {
            g.1 -= 1;
            if g.1 == 0 {
                self.groups.remove(group);
            } else if g.0 == i {
                g.0 = gnext;
            }
        }
        slot
    }

    /// The live value for `key`, marking it most recently used. An expired entry is removed and
    /// counts as a miss.
    pub fn get(&mut self, key: &K, now: u64) -> Option<&V> {
        let Some(&i) = self.index.get(key) else {
            self.stats.misses += 1;
            return None;
        };
        if now >= self.slot(i).expires_at {
            self.detach(i);
            self.stats.expirations += 1;
            self.stats.misses += 1;
            return None;
        }
        self.stats.hits += 1;
        if self.head != i {
            self.unlink_lru(i);
            self.push_front(i);
        }
        Some(&self.slot(i).value)
    }

    /// The live value for `key` without touching recency or counters.
    pub fn peek(&self, key: &K, now: u64) -> Option<&V> {
        let &i = self.index.get(key)?;
        let s = self.slot(i);
        (now < s.expires_at).then_some(&s.value)
    }

    /// Inserts (or replaces) `key` with the default TTL; returns the replaced value, if any.
    pub fn insert(&mut self, key: K, value: V, now: u64) -> Option<V> {
        let ttl = self.ttl_ms;
        self.insert_with_ttl(key, value, now, ttl)
    }

    /// Inserts (or replaces) `key` living `ttl_ms` from `now`, evicting the least recently used
    /// entry when full; returns the replaced value, if any. With capacity 0 nothing is stored.
    pub fn insert_with_ttl(&mut self, key: K, value: V, now: u64, ttl_ms: u64) -> Option<V> {
        if self.capacity == 0 {
            return None;
        }
        let expires_at = now.saturating_add(ttl_ms);
        if let Some(&i) = self.index.get(&key) {
            let s = self.slot_mut(i);
            s.expires_at = expires_at;
            let old = std::mem::replace(&mut s.value, value);
            if self.head != i {
                self.unlink_lru(i);
                self.push_front(i);
            }
            return Some(old);
        }
        if self.index.len() >= self.capacity {
            let lru = self.tail;
            let expired = now >= self.slot(lru).expires_at;
            self.detach(lru);
            if expired {
                self.stats.expirations += 1;
            } else {
                self.stats.evictions += 1;
            }
        }
        let i = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        let gnext = match self.groups.get_mut(key.group()) {
            Some(g) => {
                let first = g.0;
                g.0 = i;
                g.1 += 1;
                first
            }
            None => {
                self.groups.insert(key.group().to_owned(), (i, 1));
                NIL
            }
        };
        if gnext != NIL {
            self.slot_mut(gnext).gprev = i;
        }
        self.index.insert(key.clone(), i);
        self.slots[i] = Some(Slot {
            key,
            value,
            expires_at,
            prev: NIL,
            next: NIL,
            gprev: NIL,
            gnext,
        });
        self.push_front(i);
        None
    }

    /// Removes `key`, returning its value (expired or not).
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let &i = self.index.get(key)?;
        self.stats.invalidations += 1;
        Some(self.detach(i).value)
    }

    /// Removes every entry of `group` in O(entries of the group); returns how many.
    pub fn invalidate_group(&mut self, group: &str) -> usize {
        let Some(&(mut i, n)) = self.groups.get(group) else {
            return 0;
        };
        while i != NIL {
            let next = self.slot(i).gnext;
            self.detach(i);
            i = next;
        }
        self.stats.invalidations += n as u64;
        n
    }

    /// Removes every entry whose key matches `pred`, in O(len); returns how many.
    pub fn invalidate_where(&mut self, mut pred: impl FnMut(&K) -> bool) -> usize {
        let doomed: Vec<usize> = self
            .index
            .iter()
            .filter(|(k, _)| pred(k))
            .map(|(_, &i)| i)
            .collect();
        for &i in &doomed {
            self.detach(i);
        }
        self.stats.invalidations += doomed.len() as u64;
        doomed.len()
    }

    /// Removes every expired entry, in O(len); returns how many. Optional: expired entries are
    /// also removed lazily when looked up or when they reach the LRU end.
    pub fn purge_expired(&mut self, now: u64) -> usize {
        let doomed: Vec<usize> = self
            .index
            .values()
            .copied()
            .filter(|&i| now >= self.slot(i).expires_at)
            .collect();
        for &i in &doomed {
            self.detach(i);
        }
        self.stats.expirations += doomed.len() as u64;
        doomed.len()
    }

    /// Removes every entry (for example after a model hot-swap). Keeps the counters.
    pub fn clear(&mut self) {
        self.stats.invalidations += self.index.len() as u64;
        self.index.clear();
        self.slots.clear();
        self.free.clear();
        self.groups.clear();
        self.head = NIL;
        self.tail = NIL;
    }

    /// Keys from most to least recently used (for tests and debugging; O(len)).
    pub fn keys_by_recency(&self) -> Vec<&K> {
        let mut out = Vec::with_capacity(self.len());
        let mut i = self.head;
        while i != NIL {
            let s = self.slot(i);
            out.push(&s.key);
            i = s.next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    type Key = (String, u32);
    fn k(user: &str, n: u32) -> Key {
        (user.to_string(), n)
    }

    fn recency(c: &TtlCache<Key, u32>) -> Vec<Key> {
        c.keys_by_recency().into_iter().cloned().collect()
    }

    #[test]
    fn lru_eviction_order() {
        let mut c = TtlCache::new(3, 1_000);
        c.insert(k("a", 1), 1, 0);
        c.insert(k("a", 2), 2, 0);
        c.insert(k("b", 1), 3, 0);
        assert_eq!(recency(&c), vec![k("b", 1), k("a", 2), k("a", 1)]);
        assert_eq!(c.get(&k("a", 1), 1), Some(&1));
        assert_eq!(recency(&c), vec![k("a", 1), k("b", 1), k("a", 2)]);
        c.insert(k("c", 1), 4, 2); // evicts a/2
        assert_eq!(recency(&c), vec![k("c", 1), k("a", 1), k("b", 1)]);
        assert_eq!(c.peek(&k("a", 2), 2), None);
        // Replacing refreshes recency and TTL, no eviction.
        assert_eq!(c.insert(k("b", 1), 30, 500), Some(3));
        assert_eq!(recency(&c), vec![k("b", 1), k("c", 1), k("a", 1)]);
        c.insert(k("d", 1), 5, 600); // evicts a/1
        assert_eq!(recency(&c), vec![k("d", 1), k("b", 1), k("c", 1)]);
        assert_eq!(c.len(), 3);
        assert_eq!(c.stats().evictions, 2);
        assert_eq!(c.get(&k("b", 1), 1_499), Some(&30));
        assert_eq!(c.get(&k("c", 1), 1_002), None); // inserted at 2 → expires at 1002
        assert_eq!(c.stats().expirations, 1);
    }

    #[test]
    fn ttl_expiry_and_custom_ttl() {
        let mut c: TtlCache<String, &str> = TtlCache::new(10, DEFAULT_TTL_MS);
        c.insert("u".into(), "x", 100);
        c.insert_with_ttl("v".into(), "y", 100, 50);
        assert_eq!(c.get(&"v".into(), 149), Some(&"y"));
        assert_eq!(c.get(&"v".into(), 150), None);
        assert_eq!(c.get(&"u".into(), 100 + DEFAULT_TTL_MS - 1), Some(&"x"));
        assert_eq!(c.peek(&"u".into(), 100 + DEFAULT_TTL_MS), None);
        assert_eq!(c.purge_expired(100 + DEFAULT_TTL_MS), 1);
        assert!(c.is_empty());
        let s = c.stats();
        assert_eq!((s.hits, s.misses, s.expirations), (2, 1, 2));
        assert!((s.hit_rate() - 2.0 / 3.0).abs() < 1e-12);
        // An expired LRU entry pushed out by an insert counts as an expiration.
        let mut c: TtlCache<String, u8> = TtlCache::new(1, 10);
        c.insert("a".into(), 1, 0);
        c.insert("b".into(), 2, 20);
        assert_eq!((c.stats().evictions, c.stats().expirations), (0, 1));
    }

    #[test]
    fn group_invalidation() {
        let mut c = TtlCache::new(100, 1_000);
        for n in 0..5 {
            c.insert(k("ann", n), n, 0);
            c.insert(k("bob", n), 10 + n, 0);
        }
        c.insert(k("cy", 0), 99, 0);
        assert_eq!(c.group_len("ann"), 5);
        assert_eq!(c.remove(&k("ann", 2)), Some(2));
        assert_eq!(c.group_len("ann"), 4);
        assert_eq!(c.invalidate_group("ann"), 4);
        assert_eq!(c.invalidate_group("ann"), 0);
        assert_eq!(c.group_len("ann"), 0);
        assert_eq!(c.len(), 6);
        assert!((0..5).all(|n| c.peek(&k("ann", n), 1).is_none()));
        assert!((0..5).all(|n| c.peek(&k("bob", n), 1) == Some(&(10 + n))));
        assert_eq!(c.invalidate_where(|key| key.1 % 2 == 0), 4); // bob 0,2,4 and cy 0
        assert_eq!(c.len(), 2);
        c.clear();
        assert!(c.is_empty() && c.group_len("bob") == 0);
        assert_eq!(c.stats().invalidations, 1 + 4 + 4 + 2);
        // Slots are reused after clear/removal.
        c.insert(k("bob", 1), 1, 0);
        assert_eq!(c.get(&k("bob", 1), 0), Some(&1));
    }

    #[test]
    fn capacity_zero_stores_nothing() {
        let mut c: TtlCache<String, u8> = TtlCache::new(0, 10);
        assert_eq!(c.insert("a".into(), 1, 0), None);
        assert!(c.is_empty());
        assert_eq!(c.get(&"a".into(), 0), None);
    }

    /// Random operations against a naive model (a Vec in recency order).
    #[test]
    fn matches_a_naive_model() {
        let mut rng = SplitMix64::new(7);
        let mut c: TtlCache<Key, u32> = TtlCache::new(8, 100);
        let mut model: Vec<(Key, u32, u64)> = Vec::new(); // most recent first
        let users = ["a", "b", "c"];
        let mut now = 0u64;
        for step in 0..20_000u32 {
            now += rng.below(10);
            let key = k(users[rng.below(3) as usize], rng.below(6) as u32);
            match rng.below(10) {
                0..=3 => {
                    let got = c.get(&key, now).copied();
                    let pos = model.iter().position(|e| e.0 == key);
                    let want = match pos {
                        Some(p) if now < model[p].2 => {
                            let e = model.remove(p);
                            let v = e.1;
                            model.insert(0, e);
                            Some(v)
                        }
                        Some(p) => {
                            model.remove(p);
                            None
                        }
                        None => None,
                    };
                    assert_eq!(got, want, "step {step}");
                }
                4..=7 => {
                    c.insert(key.clone(), step, now);
                    if let Some(p) = model.iter().position(|e| e.0 == key) {
                        model.remove(p);
                    } else if model.len() == 8 {
                        model.pop();
                    }
                    model.insert(0, (key, step, now + 100));
                }
                8 => {
                    let g = users[rng.below(3) as usize];
                    let n = c.invalidate_group(g);
                    let before = model.len();
                    model.retain(|e| e.0 .0 != g);
                    assert_eq!(n, before - model.len());
                }
                _ => {
                    assert_eq!(c.remove(&key), {
                        model
                            .iter()
                            .position(|e| e.0 == key)
                            .map(|p| model.remove(p).1)
                    });
                }
            }
            let keys: Vec<Key> = model.iter().map(|e| e.0.clone()).collect();
            assert_eq!(recency(&c), keys, "step {step}");
            for u in users {
                assert_eq!(c.group_len(u), model.iter().filter(|e| e.0 .0 == u).count());
            }
        }
    }
}
