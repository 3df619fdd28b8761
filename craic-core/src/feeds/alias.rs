//! Source id → canonical id, with splitting of wrong matches.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::data::interaction::Interaction;

/// Maps the source id of every merged listing (`tm:…`, `eb:…`) to its canonical item id.
///
/// Record interactions with the source id the user saw, keep them that way in your log, and
/// rewrite them with [`AliasTable::rewrite`] before `Engine::record`, so they land on the
/// canonical item. Because the log keeps source ids, a wrong match can be undone with
/// [`AliasTable::split`] and the log re-attributed without losing anything: rebuild the engine
/// from `rewrite_all(log)` under the new table and every interaction lands on the item of the
/// listing it was recorded against (an interaction recorded against the canonical id itself
/// belongs to the canonical listing).
///
/// ```
/// use craic_core::feeds::AliasTable;
/// use craic_core::Interaction;
/// let mut aliases = AliasTable::new();
/// aliases.merge("tm:1", ["eb:9"]);
/// let seen = Interaction::new("ana", "eb:9", "save", 1_700_000_000);
/// assert_eq!(aliases.rewrite(&seen).item_id, "tm:1");
/// let split = aliases.split("eb:9").unwrap();
/// assert_eq!((split.detached.as_str(), split.canonical.as_deref()), ("eb:9", None));
/// assert_eq!(aliases.rewrite(&seen).item_id, "eb:9");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasTable {
    /// canonical id → its aliases (sorted, without the canonical id).
    groups: BTreeMap<String, Vec<String>>,
    /// alias → canonical id.
    canonical_of: BTreeMap<String, String>,
    /// Pairs of ids a split separated (smaller id first): de-duplication never merges them again.
    #[serde(default)]
    kept_apart: BTreeSet<(String, String)>,
}

/// The outcome of [`AliasTable::split`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The id detached from its group: it is its own item again (upsert its listing's item).
    pub detached: String,
    /// The canonical id of the rest of the group, if two or more listings remain merged; `None`
    /// if only one listing remains (then it is its own item, under its own id).
    pub canonical: Option<String>,
    /// The rest of the group (the ids that stayed together, canonical first).
    pub remaining: Vec<String>,
}

impl AliasTable {
    /// An empty table (every id is its own canonical id).
    pub fn new() -> Self {
        AliasTable::default()
    }

    /// Number of aliases (ids that map to another id).
    pub fn len(&self) -> usize {
        self.canonical_of.len()
    }

    /// Whether no id is aliased.
    pub fn is_empty(&self) -> bool {
        self.canonical_of.is_empty()
    }

    /// Makes every id in `aliases` (and every alias they had) an alias of `canonical`'s group.
    /// If `canonical` is itself an alias, its canonical id is used.
    pub fn merge<'a, I: IntoIterator<Item = &'a str>>(&mut self, canonical: &str, aliases: I) {
        let root = self.canonical(canonical).to_string();
        for alias in aliases {
            let other = self.canonical(alias).to_string();
            if other == root {
                continue;
            }
            let moved = self.groups.remove(&other).unwrap_or_default();
            let group = self.groups.entry(root.clone()).or_default();
            for id in std::iter::once(other).chain(moved) {
                self.canonical_of.insert(id.clone(), root.clone());
                group.push(id);
            }
            group.sort();
        }
    }

    /// The canonical id of `id` (`id` itself if it is not an alias).
    pub fn canonical<'a>(&'a self, id: &'a str) -> &'a str {
        self.canonical_of.get(id).map_or(id, String::as_str)
    }

    /// The aliases of a canonical id (empty if it has none).
    pub fn aliases(&self, canonical: &str) -> &[String] {
        self.groups.get(canonical).map_or(&[], Vec::as_slice)
    }

    /// Every (canonical id, aliases) group, in canonical id order.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.groups.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The interaction with its item id replaced by the canonical id.
    pub fn rewrite(&self, interaction: &Interaction) -> Interaction {
        let mut out = interaction.clone();
        if let Some(c) = self.canonical_of.get(&interaction.item_id) {
            out.item_id.clone_from(c);
        }
        out
    }

    /// [`AliasTable::rewrite`] of every interaction of a log, in order.
    pub fn rewrite_all(&self, log: &[Interaction]) -> Vec<Interaction> {
        log.iter().map(|i| self.rewrite(i)).collect()
    }

    /// Detaches `id` from its group (it was wrongly matched). If `id` is the canonical id, the
    /// smallest remaining id becomes canonical for the rest. `None` if `id` is in no group.
    ///
    /// The split is remembered: [`super::deduplicate`] given this table never merges `id` with
    /// the rest of its former group again (see [`AliasTable::kept_apart`]).
    pub fn split(&mut self, id: &str) -> Option<Split> {
        let root = self.canonical(id).to_string();
        let aliases = self.groups.remove(&root)?;
        for m in &aliases {
            self.canonical_of.remove(m);
        }
        let remaining: Vec<String> = std::iter::once(root)
            .chain(aliases)
            .filter(|m| m != id)
            .collect();
        if let Some((head, rest)) = remaining.split_first() {
            if !rest.is_empty() {
                self.merge(head, rest.iter().map(String::as_str));
            }
        }
        for other in &remaining {
            self.kept_apart.insert(ordered(id, other));
        }
        Some(Split {
            detached: id.to_string(),
            canonical: (remaining.len() > 1).then(|| remaining[0].clone()),
            remaining,
        })
    }

    /// Whether a split separated `a` and `b` (in either order).
    pub fn kept_apart(&self, a: &str, b: &str) -> bool {
        self.kept_apart.contains(&ordered(a, b))
    }

    /// Carries the remembered splits of `previous` over to this table.
    pub(crate) fn keep_apart_from(&mut self, previous: &AliasTable) {
        self.kept_apart.extend(previous.kept_apart.iter().cloned());
    }
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}
