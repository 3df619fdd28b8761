//! The interaction kinds of a configuration, resolved to small integer ids.

use serde::{Deserialize, Serialize};

use crate::data::interaction::SAVE;
use crate::model::config::{Config, Effect};

/// What a kind does, with its target resolved to an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum KindEffect {
    Positive,
    Negative,
    Retract(u8),
}

/// Kinds in name order (the order of `Config::kinds`), with weights and effects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KindTable {
    pub names: Vec<String>,
    pub weights: Vec<f64>,
    pub effects: Vec<KindEffect>,
    /// The id of `save`, if configured: parts of that kind mark an item as saved.
    pub save: Option<u8>,
}

impl KindTable {
    /// Resolves a validated configuration.
    pub fn new(config: &Config) -> Self {
        let names: Vec<String> = config.kinds.keys().cloned().collect();
        let id = |n: &str| names.iter().position(|k| k == n).map(|p| p as u8);
        let effects = config
            .kinds
            .values()
            .map(|s| match &s.effect {
                Effect::Positive => KindEffect::Positive,
                Effect::Negative => KindEffect::Negative,
                Effect::Retract(t) => KindEffect::Retract(id(t).unwrap_or(0)),
            })
            .collect();
        KindTable {
            weights: config.kinds.values().map(|s| s.weight).collect(),
            effects,
            save: id(SAVE),
            names,
        }
    }

    pub fn id(&self, name: &str) -> Option<u8> {
        self.names.iter().position(|k| k == name).map(|p| p as u8)
    }

    /// Signed weight of one unit of kind `k`.
    pub fn signed_weight(&self, k: u8) -> f64 {
        let w = self.weights[k as usize];
        match self.effects[k as usize] {
            KindEffect::Negative => -w,
            _ => w,
        }
    }

    /// A cell's value from its (kind, decayed count) parts, in kind order. Every path that
    /// derives a cell (incremental, bulk) uses this, so equal parts give bit-equal values.
    pub fn cell_value(&self, parts: impl IntoIterator<Item = (u8, f64)>) -> f64 {
        parts
            .into_iter()
            .map(|(k, sum)| self.signed_weight(k) * sum)
            .sum()
    }

    pub fn is_negative(&self, k: u8) -> bool {
        self.effects[k as usize] == KindEffect::Negative
    }
}
