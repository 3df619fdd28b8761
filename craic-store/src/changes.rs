//! The change feed of the catalogue and the preferences: every event upserted and every
//! preference set (or cleared) gets a position, so a replica tails catalogue edits as it tails
//! the interaction log ([`crate::Store::read_changes`]).

use craic_core::{Item, Preferences};
use serde_json::{json, Value};

use crate::error::MalformedRow;
use crate::types::Cursor;

/// One catalogue or preference change, with the whole new state (applying it twice, or
/// applying a run of changes again from an earlier position, ends in the same state).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// An event inserted or replaced (a removed event upserted again is live again).
    Item(Item),
    /// An event removed: no longer recommended; its past interactions still inform similarity.
    Removed(String),
    /// A user's stated preferences set; empty preferences clear them.
    Preferences(String, Preferences),
}

/// A change read back, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    /// Its position in the change feed (its own sequence, unrelated to the log's cursors).
    pub cursor: Cursor,
    /// The change.
    pub change: Change,
}

/// A page of the change feed ([`crate::Store::read_changes`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangePage {
    /// Decodable changes in order.
    pub changes: Vec<ChangeRecord>,
    /// Rows that cannot be decoded (written behind the store's back), by position.
    pub malformed: Vec<MalformedRow>,
    /// Read after this position next; equal to the position asked for when the page is empty.
    pub next: Cursor,
}

impl ChangePage {
    /// True when nothing (not even a malformed row) was after the position.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.malformed.is_empty()
    }

    /// Adds a stored row: decoded, or reported malformed.
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "mysql", feature = "dynamodb")),
        allow(dead_code)
    )]
    pub(crate) fn push(&mut self, seq: u64, text: std::result::Result<String, String>) {
        match text.and_then(|t| Change::decode(&t)) {
            Ok(change) => self.changes.push(ChangeRecord {
                cursor: Cursor(seq),
                change,
            }),
            Err(reason) => self.malformed.push(MalformedRow {
                table: "catalog_changes",
                row_id: seq as i64,
                reason,
            }),
        }
        self.next = Cursor(seq);
    }
}

impl Change {
    /// The stored form: `{"item": {...}}`, `{"removed": "id"}` or
    /// `{"preferences": ["user", {...}]}`.
    pub(crate) fn encode(&self) -> String {
        match self {
            Change::Item(item) => json!({ "item": item }),
            Change::Removed(id) => json!({ "removed": id }),
            Change::Preferences(user, p) => json!({ "preferences": [user, p] }),
        }
        .to_string()
    }

    pub(crate) fn decode(text: &str) -> std::result::Result<Change, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if let Some(item) = v.get("item") {
            return serde_json::from_value(item.clone())
                .map(Change::Item)
                .map_err(|e| format!("item: {e}"));
        }
        if let Some(id) = v.get("removed") {
            return match id.as_str() {
                Some(id) => Ok(Change::Removed(id.to_owned())),
                None => Err("removed: not a string".into()),
            };
        }
        if let Some(p) = v.get("preferences") {
            return serde_json::from_value::<(String, Preferences)>(p.clone())
                .map(|(u, p)| Change::Preferences(u, p))
                .map_err(|e| format!("preferences: {e}"));
        }
        Err("none of \"item\", \"removed\", \"preferences\"".into())
    }

    /// The changes of an `upsert_items` call, in order.
    pub(crate) fn items(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| Change::Item(i.clone()).encode())
            .collect()
    }

    /// The changes of a `remove_items` call, in order.
    pub(crate) fn removed(ids: &[String]) -> Vec<String> {
        ids.iter()
            .map(|id| Change::Removed(id.clone()).encode())
            .collect()
    }

    /// The changes of a `set_preferences` call, in order.
    pub(crate) fn preferences(prefs: &[(String, Preferences)]) -> Vec<String> {
        prefs
            .iter()
            .map(|(u, p)| Change::Preferences(u.clone(), p.clone()).encode())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_round_trip() {
        let item = Item::new("a'\"\u{0}", 1_900_000_000).genres(["rock"]);
        let p = Preferences {
            genres: vec!["folk".into()],
            ..Preferences::default()
        };
        for c in [
            Change::Item(item),
            Change::Removed("a'\"\u{0}".into()),
            Change::Preferences("ana".into(), p),
            Change::Preferences("ben".into(), Preferences::default()),
        ] {
            assert_eq!(Change::decode(&c.encode()).unwrap(), c);
        }
        assert!(Change::decode("{}").is_err());
        assert!(Change::decode(r#"{"removed": 7}"#).is_err());
        assert!(Change::decode("not json").is_err());
    }
}
