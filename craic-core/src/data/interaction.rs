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

/// One piece of implicit feedback: `user` did `kind` to `item` at `timestamp`.
///
/// ```
/// use craic_core::Interaction;
/// let i = Interaction::new("ana", "gig-1", "save", 1_700_000_000);
/// assert_eq!(i.kind, "save");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Interaction {
    /// Who acted. Unknown users are created on first interaction.
    pub user_id: String,
    /// What they acted on. Must be in the catalogue.
    pub item_id: String,
    /// `save`, `click`, `hide`, `unsave`, or a kind added to the [`crate::Config`].
    pub kind: String,
    /// When, in unix seconds.
    pub timestamp: i64,
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
        }
    }

    /// Checks ids and timestamp (kinds and items are checked against the engine's state).
    pub fn validate(&self) -> Result<()> {
        validate_id(&self.user_id)?;
        validate_id(&self.item_id)?;
        validate_timestamp(self.timestamp)
    }
}
