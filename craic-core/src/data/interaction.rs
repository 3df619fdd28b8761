//! Implicit-feedback interactions.

use serde::{Deserialize, Serialize};

use crate::data::ids::validate_id;
use crate::model::error::{Error, Result};

/// Smallest accepted timestamp (unix seconds): 1970-01-01.
pub const MIN_TIMESTAMP: i64 = 0;
/// Largest accepted timestamp (unix seconds): 2100-01-01. Millisecond timestamps are rejected.
pub const MAX_TIMESTAMP: i64 = 4_102_444_800;

/// Built-in kind: the user saved the event (positive; saved items are not recommended again).
pub const SAVE: &str = "save";
/// Built-in kind: the user clicked / viewed the event (weak positive).
pub const CLICK: &str = "click";
/// Built-in kind: the user hid the event (negative; the item is never recommended to them again).
pub const HIDE: &str = "hide";
/// Built-in kind: undoes the user's earlier saves of the item.
pub const UNSAVE: &str = "unsave";
/// Built-in kind, always known and never configured: the item was shown to the user (see
/// [`crate::Impression`]). Never engagement; it feeds exposure-aware demotion only.
pub const IMPRESSION: &str = "impression";

/// Checks that `ts` lies in [`MIN_TIMESTAMP`]`..=`[`MAX_TIMESTAMP`].
pub fn validate_timestamp(ts: i64) -> Result<()> {
    if (MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&ts) {
        Ok(())
    } else {
        Err(Error::InvalidTimestamp {
            value: ts,
            min: MIN_TIMESTAMP,
            max: MAX_TIMESTAMP,
        })
    }
}

/// One piece of implicit feedback: `user` did `kind` to `item` at `timestamp`; an impression
/// (kind [`IMPRESSION`]) may also carry the `rank` it was shown at.
///
/// ```
/// use craic_core::{ErrorKind, Interaction};
/// let i = Interaction::new("ana", "gig-1", "save", 1_700_000_000);
/// assert_eq!((i.kind.as_str(), i.rank), ("save", None));
/// let shown = Interaction::impression("ana", "gig-1", 1_700_000_000, 3);
/// assert_eq!((shown.kind.as_str(), shown.rank), ("impression", Some(3)));
/// // Only impressions have a rank.
/// let bad = i.with_rank(3).validate().unwrap_err();
/// assert_eq!(bad.kind(), ErrorKind::InvalidRank);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Interaction {
    /// Who acted. Unknown users are created on first interaction.
    pub user_id: String,
    /// What they acted on. Must be in the catalogue.
    pub item_id: String,
    /// `save`, `click`, `hide`, `unsave`, `impression`, or a kind added to the [`crate::Config`].
    pub kind: String,
    /// When, in unix seconds.
    pub timestamp: i64,
    /// For an impression, the position in the list shown (0 = top), when the caller knows it;
    /// `None` for every other kind (a rank on another kind is [`Error::InvalidRank`]). Stored
    /// in the log with the interaction; not part of its idempotency key.
    #[serde(default)]
    pub rank: Option<u32>,
}

impl Interaction {
    /// A new interaction.
    pub fn new(
        user_id: impl Into<String>,
        item_id: impl Into<String>,
        kind: impl Into<String>,
        timestamp: i64,
    ) -> Self {
        Interaction {
            user_id: user_id.into(),
            item_id: item_id.into(),
            kind: kind.into(),
            timestamp,
            rank: None,
        }
    }

    /// An impression: `item` was shown to `user` at `timestamp`, at position `rank` (0 = top).
    pub fn impression(
        user_id: impl Into<String>,
        item_id: impl Into<String>,
        timestamp: i64,
        rank: u32,
    ) -> Self {
        Interaction::new(user_id, item_id, IMPRESSION, timestamp).with_rank(rank)
    }

    /// The same interaction with `rank` (valid on an impression only: see [`Self::validate`]).
    pub fn with_rank(mut self, rank: u32) -> Self {
        self.rank = Some(rank);
        self
    }

    /// Checks ids, timestamp and that only an impression has a rank (kinds and items are
    /// checked against the engine's state).
    pub fn validate(&self) -> Result<()> {
        self.view().validate()
    }

    /// The interaction borrowed as an [`InteractionRef`].
    pub fn view(&self) -> InteractionRef<'_> {
        InteractionRef {
            user_id: &self.user_id,
            item_id: &self.item_id,
            kind: &self.kind,
            timestamp: self.timestamp,
            rank: self.rank,
        }
    }
}

/// An [`Interaction`] whose ids are borrowed, e.g. read in place from a column of strings:
/// what a bulk build reads without allocating a `String` per id. Same fields, same rules.
///
/// ```
/// use craic_core::{Interaction, InteractionRef};
/// let row = InteractionRef { user_id: "ana", item_id: "gig-1", kind: "save", timestamp: 1_700_000_000, rank: None };
/// assert_eq!(row.to_interaction(), Interaction::new("ana", "gig-1", "save", 1_700_000_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InteractionRef<'a> {
    /// Who acted ([`Interaction::user_id`]).
    pub user_id: &'a str,
    /// What they acted on ([`Interaction::item_id`]).
    pub item_id: &'a str,
    /// The kind ([`Interaction::kind`]).
    pub kind: &'a str,
    /// Unix seconds ([`Interaction::timestamp`]).
    pub timestamp: i64,
    /// An impression's rank ([`Interaction::rank`]).
    pub rank: Option<u32>,
}

impl InteractionRef<'_> {
    /// [`Interaction::validate`].
    pub fn validate(&self) -> Result<()> {
        validate_id(self.user_id)?;
        validate_id(self.item_id)?;
        validate_timestamp(self.timestamp)?;
        if self.rank.is_some() && self.kind != IMPRESSION {
            return Err(Error::InvalidRank {
                kind: self.kind.to_owned(),
            });
        }
        Ok(())
    }

    /// The owned [`Interaction`].
    pub fn to_interaction(&self) -> Interaction {
        Interaction {
            user_id: self.user_id.to_owned(),
            item_id: self.item_id.to_owned(),
            kind: self.kind.to_owned(),
            timestamp: self.timestamp,
            rank: self.rank,
        }
    }
}

/// What a bulk build reads rows from: an [`Interaction`], a reference to one, or an
/// [`InteractionRef`] (ids borrowed in place).
pub trait AsInteraction {
    /// The row, borrowed.
    fn as_interaction(&self) -> InteractionRef<'_>;
}

impl AsInteraction for Interaction {
    fn as_interaction(&self) -> InteractionRef<'_> {
        self.view()
    }
}

impl AsInteraction for InteractionRef<'_> {
    fn as_interaction(&self) -> InteractionRef<'_> {
        *self
    }
}

impl<T: AsInteraction + ?Sized> AsInteraction for &T {
    fn as_interaction(&self) -> InteractionRef<'_> {
        (**self).as_interaction()
    }
}
