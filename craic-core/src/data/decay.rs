//! Forward time decay.
//!
//! An interaction at time `t` weighs `w · 2^((t − epoch) / half_life)`. Newer interactions weigh
//! more; as the clock moves every weight keeps its ratio to every other, so similarities and
//! rankings never need recomputing for time alone. To keep magnitudes finite the epoch moves
//! forward in whole half-lives once a new interaction would weigh more than 2^64: every stored
//! weight is then multiplied by an exact power of two, which leaves every cosine and ranking
//! bit-for-bit unchanged.

use serde::{Deserialize, Serialize};

/// Exponent (in half-lives) above which the epoch is moved forward.
const REBASE_AT: f64 = 64.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Decay {
    half_life: Option<f64>,
    /// Set by the first interaction; `None` while no interaction was seen.
    epoch: Option<f64>,
}

/// A forward-decay rebase: multiply every stored weight by `factor` (an exact power of two).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rebase {
    pub factor: f64,
}

impl Decay {
    pub fn new(half_life: Option<f64>) -> Self {
        Decay {
            half_life,
            epoch: None,
        }
    }

    /// Before weighing an interaction at `t`: moves the epoch if `t` is too far past it.
    pub fn prepare(&mut self, t: i64) -> Option<Rebase> {
        let hl = self.half_life?;
        let epoch = *self.epoch.get_or_insert(t as f64);
        let e = (t as f64 - epoch) / hl;
        if e <= REBASE_AT {
            return None;
        }
        let shift = e.floor();
        self.epoch = Some(epoch + shift * hl);
        Some(Rebase {
            factor: (-shift).exp2(),
        })
    }

    /// The multiplier of an interaction at `t` (call [`Decay::prepare`] first).
    pub fn factor(&self, t: i64) -> f64 {
        match (self.half_life, self.epoch) {
            (Some(hl), Some(epoch)) => ((t as f64 - epoch) / hl).exp2(),
            _ => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_per_half_life_and_rebases_exactly() {
        let mut d = Decay::new(Some(10.0));
        assert!(d.prepare(100).is_none());
        assert_eq!(d.factor(100), 1.0);
        assert_eq!(d.factor(110), 2.0);
        assert_eq!(d.factor(90), 0.5);
        let r = d.prepare(100 + 10 * 70).unwrap();
        assert_eq!(r.factor, (-70f64).exp2());
        assert_eq!(d.factor(100 + 10 * 70), 1.0);
        let mut none = Decay::new(None);
        assert!(none.prepare(5).is_none());
        assert_eq!(none.factor(5), 1.0);
    }
}
