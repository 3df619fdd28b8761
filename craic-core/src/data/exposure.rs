//! Impressions and exposure-aware demotion.
//!
//! An impression says that an item was *shown* to a user (at a time and a rank). It is never
//! engagement: impressions live here, outside the interaction matrix, so similarity,
//! popularity, content profiles and evaluation relevance never see them.
//!
//! Per user and item the engine keeps the forward-decayed count of showings since the user's
//! last engagement with the item (`Σ 2^((t − epoch)/memory)`, the same exact scheme as
//! [`crate::decay`] with its own half-life [`crate::Config::exposure_half_life_secs`]). Any
//! other interaction with the item (a save, a click, a hide, ...) ends its exposure. At request
//! time the count decayed to "now", `n`, demotes the item's score by the factor
//! `1 / (1 + strength · max(0, n − 1))` ([`crate::Config::exposure_demotion`]): one showing is
//! free, each further showing without engagement demotes it more, and the demotion fades with
//! time. Every path (recording one by one, in batches, bulk loading) applies the rows in arrival
//! order with the same arithmetic, so the state equals a rebuild from the log bit for bit.

use serde::{Deserialize, Serialize};

use crate::data::decay::Decay;
use crate::data::interaction::{Interaction, IMPRESSION};
use crate::model::error::{Error, Result};
use crate::model::state::Model;
use crate::scoring::request::Touched;
use crate::scoring::scratch::Scratch;

/// Kind id of impressions in resolved rows: never an index into the kind table.
pub(crate) const IMPRESSION_KIND: u8 = u8::MAX;

/// One item shown to one user: what was shown to whom, when, at which rank (0 = top).
///
/// It is recorded as an [`Interaction`] of the built-in kind `impression` (see
/// [`Impression::to_interaction`]) that keeps the rank ([`Interaction::rank`]): it travels
/// through the log, the store and the training data; the model itself does not use it.
///
/// ```
/// use craic_core::Impression;
/// let shown = Impression::new("ana", "gig-1", 1_700_000_000, 3).to_interaction()?;
/// assert_eq!((shown.kind.as_str(), shown.rank), ("impression", Some(3)));
/// assert!(Impression::new("ana", "gig-1", 1_700_000_000, -1).to_interaction().is_err());
/// # Ok::<(), craic_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Impression {
    /// Who was shown the item.
    pub user_id: String,
    /// What was shown. Must be in the catalogue.
    pub item_id: String,
    /// When, in unix seconds.
    pub timestamp: i64,
    /// Position in the list shown, 0 for the top; negative ranks are an
    /// [`Error::OutOfRange`].
    pub rank: i64,
}

impl Impression {
    /// A new impression.
    pub fn new(
        user_id: impl Into<String>,
        item_id: impl Into<String>,
        timestamp: i64,
        rank: i64,
    ) -> Self {
        Impression {
            user_id: user_id.into(),
            item_id: item_id.into(),
            timestamp,
            rank,
        }
    }

    /// The interaction that records it (kind `impression`, with its rank), after checking the
    /// rank (`0..=u32::MAX`), the ids and the timestamp.
    pub fn to_interaction(&self) -> Result<Interaction> {
        let rank = u32::try_from(self.rank).map_err(|_| Error::OutOfRange {
            what: "impression rank".into(),
            value: self.rank.into(),
            min: 0,
            max: u32::MAX.into(),
        })?;
        let x = Interaction::impression(&self.user_id, &self.item_id, self.timestamp, rank);
        x.validate()?;
        Ok(x)
    }
}

/// Decayed showings of one item to one user since the last engagement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Seen {
    pub item: u32,
    pub sum: f64,
}

/// Every user's exposure, by user index; each list sorted by item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Exposure {
    pub users: Vec<Vec<Seen>>,
    pub decay: Decay,
}

impl Exposure {
    pub fn new(half_life: f64) -> Exposure {
        Exposure {
            users: Vec::new(),
            decay: Decay::new(Some(half_life)),
        }
    }

    /// Makes room for users `0..n`.
    pub fn fit(&mut self, n: usize) {
        if self.users.len() < n {
            self.users.resize_with(n, Vec::new);
        }
    }

    /// Item `i` was shown to user `u` at `t`.
    pub fn show(&mut self, u: u32, i: u32, t: i64) {
        if let Some(r) = self.decay.prepare(t) {
            for list in &mut self.users {
                list.iter_mut().for_each(|s| s.sum *= r.factor);
            }
        }
        let w = self.decay.factor(t);
        self.fit(u as usize + 1);
        let list = &mut self.users[u as usize];
        match list.binary_search_by_key(&i, |s| s.item) {
            Ok(p) => list[p].sum += w,
            Err(p) => list.insert(p, Seen { item: i, sum: w }),
        }
    }

    /// User `u` engaged with item `i`: its exposure ends.
    pub fn engage(&mut self, u: u32, i: u32) {
        if let Some(list) = self.users.get_mut(u as usize) {
            if let Ok(p) = list.binary_search_by_key(&i, |s| s.item) {
                list.remove(p);
            }
        }
    }

    /// The items shown to `u` since their last engagement, sorted.
    pub fn seen(&self, u: u32) -> &[Seen] {
        self.users.get(u as usize).map_or(&[], Vec::as_slice)
    }

    /// The decayed number of showings at `now` of a stored sum.
    pub fn count_at(&self, sum: f64, now: i64) -> f64 {
        // The forward-decay factor of `now` is `2^((now − epoch)/half_life)`; dividing by it
        // gives each showing its weight `2^(−(now − t)/half_life)`.
        sum / self.decay.factor(now)
    }

    /// Structural check of a decoded state.
    pub fn check(&self, users: usize, items: usize) -> std::result::Result<(), String> {
        if self.users.len() > users {
            return Err(format!(
                "exposure: {} lists for {users} users",
                self.users.len()
            ));
        }
        for list in &self.users {
            let sorted = list.windows(2).all(|w| w[0].item < w[1].item);
            if !sorted
                || list
                    .iter()
                    .any(|s| s.item as usize >= items || !(s.sum.is_finite() && s.sum > 0.0))
            {
                return Err("malformed exposure list".into());
            }
        }
        Ok(())
    }
}

/// The demotion factor of an item shown `n` (decayed) times: `1 / (1 + strength · (n − 1)⁺)`.
pub(crate) fn demotion(strength: f64, n: f64) -> f64 {
    1.0 / (1.0 + strength * (n - 1.0).max(0.0))
}

impl Model {
    /// Adds to `out` the items [`Request::exclude_touched`](crate::Request) leaves out for user
    /// `u` (none for an unknown user). An unknown kind name is [`Error::UnknownKind`], for
    /// known and unknown users alike.
    pub(crate) fn touched_items(
        &self,
        u: Option<u32>,
        touched: &Touched,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        let (kinds, shown) = match touched {
            Touched::Any => (None, false),
            Touched::Kinds(names) => {
                let mut ids = Vec::with_capacity(names.len());
                let mut shown = false;
                for name in names {
                    match self.kinds.id(name) {
                        Some(k) => ids.push(k),
                        None if name == IMPRESSION => shown = true,
                        None => return Err(Error::UnknownKind(name.clone())),
                    }
                }
                (Some(ids), shown)
            }
        };
        let Some(u) = u else { return Ok(()) };
        let parts = &self.matrix.parts[u as usize];
        match &kinds {
            None => out.extend(parts.iter().map(|p| p.item)),
            Some(ids) => out.extend(
                parts
                    .iter()
                    .filter(|p| ids.contains(&p.kind))
                    .map(|p| p.item),
            ),
        }
        if shown {
            out.extend(self.exposure.seen(u).iter().map(|s| s.item));
        }
        Ok(())
    }

    /// The items exposure demotes for user `u` at `now`, sorted, with their factors (< 1):
    /// none when demotion is off. `excluded` (sorted) are left out, and so are the user's
    /// saved items when those may be recommended (`exclude_saved` false).
    pub(crate) fn demotions(
        &self,
        u: Option<u32>,
        excluded: &[u32],
        exclude_saved: bool,
        now: i64,
    ) -> Vec<(u32, f64)> {
        let strength = self.config.exposure_demotion;
        let Some(u) = u.filter(|_| strength > 0.0) else {
            return Vec::new();
        };
        let saved = |i: u32| {
            !exclude_saved
                && self
                    .matrix
                    .cell_parts(u, i)
                    .iter()
                    .any(|p| Some(p.kind) == self.kinds.save)
        };
        self.exposure
            .seen(u)
            .iter()
            .filter(|s| self.catalog.starts[s.item as usize] > now)
            .filter(|s| excluded.binary_search(&s.item).is_err() && !saved(s.item))
            .map(|s| {
                (
                    s.item,
                    demotion(strength, self.exposure.count_at(s.sum, now)),
                )
            })
            .filter(|d| d.1 < 1.0)
            .collect()
    }
}

/// Marks the upcoming demoted items as candidates of the explicit pass (like items with
/// collaborative evidence), so the dense scan, which cannot demote, skips them.
pub(crate) fn offer(demote: &[(u32, f64)], pos: &[u32], n_up: usize, s: &mut Scratch) {
    for &(i, _) in demote {
        let p = pos[i as usize];
        if (p as usize) < n_up {
            s.hit(p as usize);
        }
    }
}

/// Fill-up items in popularity order: the least demoted first (stable), then the first `want`.
pub(crate) fn order_fill(demote: &[(u32, f64)], fill: &mut Vec<u32>, want: usize) {
    if !demote.is_empty() {
        let factor = |i: &u32| {
            demote
                .binary_search_by_key(i, |d| d.0)
                .map_or(1.0, |x| demote[x].1)
        };
        fill.sort_by(|a, b| factor(b).total_cmp(&factor(a)));
    }
    fill.truncate(want);
}

/// An item's weighted components, demoted by its factor if it has one (unchanged otherwise).
#[inline]
pub(crate) fn demoted<const N: usize>(demote: &[(u32, f64)], i: u32, parts: [f64; N]) -> [f64; N] {
    if demote.is_empty() {
        return parts;
    }
    match demote.binary_search_by_key(&i, |d| d.0) {
        Ok(x) => parts.map(|v| v * demote[x].1),
        Err(_) => parts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn ranks_and_ids_are_checked() {
        let ok = Impression::new("ana", "gig", 1_700_000_000, 7).to_interaction();
        assert_eq!(
            ok.unwrap(),
            Interaction::new("ana", "gig", IMPRESSION, 1_700_000_000).with_rank(7)
        );
        let top = Impression::new("ana", "gig", 1_700_000_000, i64::from(u32::MAX));
        assert_eq!(top.to_interaction().unwrap().rank, Some(u32::MAX));
        for bad in [
            Impression::new("ana", "gig", 1_700_000_000, -1),
            Impression::new("ana", "gig", 1_700_000_000, i64::MIN),
            Impression::new("ana", "gig", 1_700_000_000, 1 << 40),
        ] {
            assert_eq!(
                bad.to_interaction().unwrap_err().kind(),
                ErrorKind::OutOfRange
            );
        }
        let e = Impression::new("", "gig", 1_700_000_000, 0).to_interaction();
        assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidId);
        let e = Impression::new("ana", "gig", -5, 0).to_interaction();
        assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidTimestamp);
    }

    #[test]
    fn counts_decay_and_engagement_ends_them() {
        let mut x = Exposure::new(100.0);
        x.show(0, 3, 1_000);
        x.show(0, 3, 1_000);
        x.show(0, 1, 1_100);
        assert_eq!(x.seen(0).iter().map(|s| s.item).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(x.count_at(x.seen(0)[1].sum, 1_000), 2.0);
        assert_eq!(x.count_at(x.seen(0)[1].sum, 1_100), 1.0);
        x.engage(0, 3);
        x.engage(5, 3); // an unknown user: nothing to end
        assert_eq!(x.seen(0).len(), 1);
        assert_eq!(demotion(0.5, 1.0), 1.0);
        assert_eq!(demotion(0.5, 3.0), 0.5);
        assert_eq!(demotion(0.0, 9.0), 1.0);
    }
}
