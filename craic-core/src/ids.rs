//! String ids and their dense integer indices.
//!
//! Callers only ever see string ids; inside the core every user and item is a dense `u32` index
//! assigned in order of first appearance, so a rebuild from the same data assigns the same indices.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Interner {
    names: Vec<String>,
    #[serde(skip)]
    index: HashMap<String, u32>,
}

impl Interner {
    /// Index of `id`, if known.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Index of `id`, assigning the next one if it is new.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = u32::try_from(self.names.len()).expect("more than 4 billion ids");
        self.names.push(id.to_owned());
        self.index.insert(id.to_owned(), i);
        i
    }

    /// The id of index `i`.
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// Number of ids interned.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Rebuilds the lookup table after deserialisation.
    pub fn reindex(&mut self) {
        self.index = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
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
        let mut copy = Interner {
            names: ids.names.clone(),
            index: HashMap::new(),
        };
        copy.reindex();
        assert_eq!(copy, ids);
    }

    #[test]
    fn ids_are_validated() {
        assert!(validate_id("").is_err());
        assert!(validate_id(&"x".repeat(257)).is_err());
        assert!(validate_id(&"x".repeat(256)).is_ok());
        assert!(validate_id("🎸 gig").is_ok());
    }
}
