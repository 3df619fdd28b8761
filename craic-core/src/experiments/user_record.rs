//! One (experiment, user) record of the tracker: first exposure and conversion counts.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct FirstExposure {
    pub timestamp: i64,
    pub variant: u32,
}

/// One (experiment, user): O(1) apart from `pending`, which holds only the unattributed
/// conversions still inside the idempotency window (an exposure recorded later can only be
/// inside the window too, so older unattributed ones are final and kept as a count).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct UserRecord {
    pub first_exposure: Option<FirstExposure>,
    pub multiple_variants: bool,
    /// Conversions at or after the first exposure.
    #[serde(default)]
    pub attributed: u64,
    /// Unattributed conversions that fell behind the window.
    #[serde(default)]
    unattributed: u64,
    /// Unattributed conversions inside the window (timestamps).
    #[serde(default)]
    pub pending: Vec<i64>,
}

impl UserRecord {
    /// Settles pending conversions that fell behind `horizon` into the unattributed count.
    pub fn settle(&mut self, horizon: i64) {
        let before = self.pending.len();
        self.pending.retain(|&t| t >= horizon);
        self.unattributed += (before - self.pending.len()) as u64;
    }

    /// The first exposure moved to `at`: pending conversions at or after it become attributed.
    pub fn attribute_from(&mut self, at: i64) {
        let before = self.pending.len();
        self.pending.retain(|&t| t < at);
        self.attributed += (before - self.pending.len()) as u64;
    }

    pub fn convert(&mut self, at: i64) {
        match self.first_exposure {
            Some(first) if at >= first.timestamp => self.attributed += 1,
            _ => self.pending.push(at),
        }
    }

    pub fn unattributed_total(&self) -> u64 {
        self.unattributed + self.pending.len() as u64
    }
}
