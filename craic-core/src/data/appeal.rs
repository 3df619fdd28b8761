//! New-event appeal: an exposure-normalised popularity rate per item — positive interactions
//! per day on sale, "on sale" counted from the first time anyone saw or touched the item
//! (an impression or any interaction).
//!
//! Plain popularity ranks an event put on sale yesterday below one on sale for a month even
//! when it draws ten times the interest per day; the rate does not. The state is two numbers
//! per item (the count and the first-seen time): both are order-independent (a sum and a
//! minimum), so the incremental state equals a full recompute over the same log exactly.

use serde::{Deserialize, Serialize};

/// The shortest time on sale the rate divides by: an item seen an hour ago is judged as if on
/// sale for a day, so one early click does not make it the most appealing event there is.
pub const MIN_ON_SALE_SECS: f64 = 86_400.0;

/// Per item: positive interactions and the first time it was seen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Appeal {
    /// Positive interactions (undecayed counts).
    count: Vec<u32>,
    /// Earliest timestamp of any interaction or impression (`i64::MAX` = never seen).
    first_seen: Vec<i64>,
}

impl Appeal {
    /// Makes room for `items` items.
    pub fn fit(&mut self, items: usize) {
        if self.count.len() < items {
            self.count.resize(items, 0);
            self.first_seen.resize(items, i64::MAX);
        }
    }

    /// Records one interaction (or impression) with `item` at `t`.
    pub fn observe(&mut self, item: u32, t: i64, positive: bool) {
        let i = item as usize;
        self.fit(i + 1);
        self.first_seen[i] = self.first_seen[i].min(t);
        if positive {
            self.count[i] = self.count[i].saturating_add(1);
        }
    }

    /// Positive interactions per day on sale at `now` (0 for an item never seen or not yet on
    /// sale at `now`).
    pub fn rate(&self, item: u32, now: i64) -> f64 {
        let i = item as usize;
        match (self.count.get(i), self.first_seen.get(i)) {
            (Some(&n), Some(&first)) if n > 0 && first <= now => {
                let on_sale = ((now - first) as f64).max(MIN_ON_SALE_SECS);
                n as f64 * 86_400.0 / on_sale
            }
            _ => 0.0,
        }
    }

    /// Structural check of a decoded state.
    pub fn check(&self, items: usize) -> std::result::Result<(), String> {
        if self.count.len() != self.first_seen.len() || self.count.len() > items {
            return Err("malformed appeal".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_per_day_on_sale_with_a_one_day_floor() {
        let mut a = Appeal::default();
        a.observe(0, 1_000, false); // an impression puts it on sale
        a.observe(0, 1_000 + 86_400, true);
        a.observe(0, 1_000 + 2 * 86_400, true);
        assert_eq!(a.rate(0, 1_000 + 4 * 86_400), 0.5);
        a.observe(1, 50, true);
        assert_eq!(a.rate(1, 60), 1.0); // floor of a day
        assert_eq!(a.rate(1, 40), 0.0); // not yet on sale
        assert_eq!(a.rate(7, 40), 0.0); // unknown item
    }
}
