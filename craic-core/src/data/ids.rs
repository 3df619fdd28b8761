//! String ids and their dense integer indices.
//!
//! Callers only ever see string ids; inside the core every user and item is a dense `u32` index
//! assigned in order of first appearance, so a rebuild from the same data assigns the same indices.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::error::{Error, Result};

/// Longest accepted id, in bytes of UTF-8.
pub const MAX_ID_LEN: usize = 256;

/// Checks that `id` is non-empty and at most [`MAX_ID_LEN`] bytes.
pub fn validate_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::InvalidId {
            id: String::new(),
            reason: "id is empty",
        });
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::InvalidId {
            id: id.chars().take(64).collect(),
            reason: "id is longer than 256 bytes",
        });
    }
    Ok(())
}

/// Bidirectional map between string ids and dense indices.
///
/// Compact, since it holds every user id: the ids' bytes are stored once, back to back, and
/// looked up through a table from a 32-bit hash of the id to the latest index with that hash,
/// with a chain to earlier indices sharing it (about 20 bytes an id besides its bytes, against
/// about 150 for two `String`s and a `HashMap<String, u32>` entry). Serialises as before: the
/// `names` in index order.
#[derive(Clone, Default)]
pub(crate) struct Interner {
    /// Every id, concatenated in index order.
    bytes: String,
    /// End of each id in `bytes` (it starts where the previous one ends).
    ends: Vec<usize>,
    /// 32-bit hash → latest index with that hash.
    heads: HashMap<u32, u32, BuildSpread>,
    /// Per index: the previous index with the same hash ([`NONE`] at the end of a chain).
    next: Vec<u32>,
    hasher: RandomState,
}

const NONE: u32 = u32::MAX;

/// An id's hash and, if it was known when probed, its index (see [`Interner::probe`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe {
    hash: u32,
    found: Option<u32>,
}

/// Hashes the (already uniformly random) 32-bit keys of [`Interner::heads`] with one multiply,
/// which spreads them into the high bits the table's control bytes use.
#[derive(Clone, Copy, Default)]
struct BuildSpread;

#[derive(Default)]
struct Spread(u64);

impl Hasher for Spread {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, x: u32) {
        self.0 = u64::from(x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl BuildHasher for BuildSpread {
    type Hasher = Spread;

    fn build_hasher(&self) -> Spread {
        Spread::default()
    }
}

impl Interner {
    fn hash(&self, id: &str) -> u32 {
        // Fold the 64-bit hash so both halves count.
        let h = self.hasher.hash_one(id);
        (h ^ (h >> 32)) as u32
    }

    fn find(&self, h: u32, id: &str) -> Option<u32> {
        let mut i = *self.heads.get(&h)?;
        while i != NONE {
            if self.name(i) == id {
                return Some(i);
            }
            i = self.next[i as usize];
        }
        None
    }

    /// Appends `id` as the next index (without checking that it is new).
    fn push(&mut self, id: &str, h: u32) -> Option<u32> {
        let i = u32::try_from(self.ends.len()).ok().filter(|&i| i != NONE)?;
        self.bytes.push_str(id);
        self.ends.push(self.bytes.len());
        self.next.push(self.heads.insert(h, i).unwrap_or(NONE));
        Some(i)
    }

    /// Index of `id`, if known.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.find(self.hash(id), id)
    }

    /// Index of `id`, assigning the next one if it is new.
    pub fn intern(&mut self, id: &str) -> u32 {
        let probe = self.probe(id);
        match probe.found {
            Some(i) => i,
            None => self.push(id, probe.hash).expect("more than 4 billion ids"),
        }
    }

    /// What [`Interner::intern`] needs to know about `id` that a shared reference can find
    /// (so many ids can be probed in parallel, then interned in order): its hash, and its index
    /// if it is known already.
    pub fn probe(&self, id: &str) -> Probe {
        let hash = self.hash(id);
        Probe {
            hash,
            found: self.find(hash, id),
        }
    }

    /// [`Interner::intern`] from a [`Probe`] of `id`, which may have been taken before other ids
    /// were added (indices never change, so a found one stands; an id not found then is looked
    /// for again, since one of those may have been it).
    pub fn intern_probed(&mut self, id: &str, probe: Probe) -> u32 {
        match probe.found.or_else(|| self.find(probe.hash, id)) {
            Some(i) => i,
            None => self.push(id, probe.hash).expect("more than 4 billion ids"),
        }
    }

    /// The id of index `i`.
    pub fn name(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// Number of ids interned.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The ids in index order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len() as u32).map(|i| self.name(i))
    }

    /// Rebuilds the lookup table after deserialisation (a no-op: deserialising builds it).
    pub fn reindex(&mut self) {}

    fn from_names(names: Vec<String>) -> Option<Interner> {
        let mut out = Interner {
            bytes: String::with_capacity(names.iter().map(String::len).sum()),
            ends: Vec::with_capacity(names.len()),
            next: Vec::with_capacity(names.len()),
            ..Interner::default()
        };
        out.heads.reserve(names.len());
        for n in &names {
            let h = out.hash(n);
            out.push(n, h)?;
        }
        Some(out)
    }
}

impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends && self.bytes == other.bytes
    }
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// The serialised form: `{ names: [..] }`.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Interner")]
struct Names<T> {
    names: T,
}

struct NameSeq<'a>(&'a Interner);

impl Serialize for NameSeq<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.names())
    }
}

impl Serialize for Interner {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Names {
            names: NameSeq(self),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Interner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let Names { names } = Names::<Vec<String>>::deserialize(d)?;
        Interner::from_names(names).ok_or_else(|| D::Error::custom("more than 4 billion ids"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_dense_and_stable() {
        let mut ids = Interner::default();
        assert_eq!(ids.intern("a"), 0);
        assert_eq!(ids.intern("b"), 1);
        assert_eq!(ids.intern("a"), 0);
        assert_eq!(ids.name(1), "b");
        assert_eq!(ids.get("c"), None);
        let names: Vec<String> = ids.names().map(str::to_owned).collect();
        let copy = Interner::from_names(names).unwrap();
        assert_eq!(copy, ids);
        assert_eq!(copy.get("b"), Some(1));
    }

    #[test]
    fn many_ids_and_hash_collisions_resolve() {
        let mut ids = Interner::default();
        for n in 0..50_000u32 {
            assert_eq!(ids.intern(&format!("u{n}")), n);
        }
        for n in (0..50_000u32).step_by(7) {
            assert_eq!(ids.get(&format!("u{n}")), Some(n));
            assert_eq!(ids.name(n), format!("u{n}"));
        }
        assert_eq!(ids.get("u50000"), None);
        assert_eq!(ids.get(""), None);
        // Every id sharing one hash still resolves (chains).
        let mut c = Interner::default();
        for (n, id) in ["a", "b", "c", "d"].iter().enumerate() {
            assert_eq!(c.push(id, 7), Some(n as u32));
        }
        for (n, id) in ["a", "b", "c", "d"].iter().enumerate() {
            assert_eq!(c.find(7, id), Some(n as u32));
        }
        assert_eq!(c.find(7, "e"), None);
    }

    #[test]
    fn serialises_as_a_list_of_names() {
        let mut ids = Interner::default();
        ids.intern("x");
        ids.intern("y");
        let json = serde_json::to_string(&ids).unwrap();
        assert_eq!(json, r#"{"names":["x","y"]}"#);
        let back: Interner = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ids);
        assert_eq!(back.get("y"), Some(1));
        let bin = crate::snapshot::encode(&ids).unwrap();
        let old = crate::snapshot::encode(&vec!["x".to_string(), "y".to_string()]).unwrap();
        assert_eq!(bin, old, "bincode: the same bytes as the names alone");
    }

    #[test]
    fn ids_are_validated() {
        assert!(validate_id("").is_err());
        assert!(validate_id(&"x".repeat(257)).is_err());
        assert!(validate_id(&"x".repeat(256)).is_ok());
        assert!(validate_id("🎸 gig").is_ok());
    }
}
