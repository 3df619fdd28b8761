//! Building an engine from a store ([`load_engine`]) and keeping it current ([`tail`]).
//!
//! # Malformed-row policy
//!
//! Rows already in the database that the core would reject are **skipped and reported**, never
//! silently dropped and never fatal:
//!
//! - events that fail [`craic_core::Item::validate`] (found by [`Store::checked_items`]);
//! - log rows that cannot be decoded, fail [`Interaction::validate`] (empty or over-long id,
//!   timestamp out of range), name a kind the configuration does not define, or name an item
//!   that is not in the catalogue (during [`tail`], an invalid event counts as absent);
//! - stated preferences the core would reject (an empty or over-long user id or name).
//!
//! Every skipped row is returned as a [`MalformedRow`] with its table and row id (for the log,
//! its cursor; for preferences, 0 and the user in the reason), and everything else is loaded.
//! The cursor returned moves past skipped rows, so a row is reported once.

use std::collections::HashSet;

use craic_core::{Config, Engine, Interaction, Preferences, TrainingData};

use crate::error::{MalformedRow, Result, StoreError};
use crate::store::Store;
use crate::types::{Cursor, LogRecord};

/// Log rows read per page.
pub const PAGE: usize = 50_000;

/// An engine built from a store.
#[derive(Debug)]
pub struct Loaded {
    /// The engine: catalogue, preferences and every usable interaction up to `cursor`.
    pub engine: Engine,
    /// Tail from here.
    pub cursor: Cursor,
    /// Interactions applied.
    pub interactions: u64,
    /// Rows skipped under the malformed-row policy (see the module docs).
    pub skipped: Vec<MalformedRow>,
}

/// What [`tail`] applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tailed {
    /// Tail from here next time.
    pub cursor: Cursor,
    /// Interactions applied.
    pub interactions: u64,
    /// Rows skipped under the malformed-row policy.
    pub skipped: Vec<MalformedRow>,
}

/// Builds an engine from everything in the store with the core's bulk build
/// ([`Engine::from_training`]): the catalogue (removed events kept, and removed after the
/// build; a learned blend is fitted with them removed), the preferences and the whole log.
/// Skips and reports malformed rows (module docs).
pub async fn load_engine(store: &dyn Store, config: Config) -> Result<Loaded> {
    config.validate()?;
    let mut skipped = Vec::new();
    let checked = store.checked_items().await?;
    skipped.extend(checked.malformed);
    let items = checked.items;
    let preferences = usable_preferences(store.preferences().await?, &mut skipped);
    let known: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let mut log: Vec<Interaction> = Vec::new();
    let mut cursor = Cursor::START;
    loop {
        let page = store.read_log(cursor, PAGE).await?;
        if page.is_empty() {
            break;
        }
        skipped.extend(page.malformed);
        for r in page.records {
            match check(&config, &r, |id| known.contains(id)) {
                Ok(()) => log.push(r.interaction),
                Err(m) => skipped.push(m),
            }
        }
        cursor = page.next;
    }
    drop(known);
    let interactions = log.len() as u64;
    let removed = store.removed_items().await?;
    let engine = tokio::task::spawn_blocking(move || {
        // Removed events stay in the catalogue (their interactions count), never recommended;
        // a learned blend is fitted with them removed (neither offered nor relevant there).
        let data = TrainingData {
            items,
            preferences,
            interactions: log,
            removed,
        };
        Engine::from_training(config, &data, &data.interactions)
    })
    .await
    .map_err(crate::error::join_error)??;
    skipped.sort_by_key(|m| (m.table, m.row_id));
    Ok(Loaded {
        engine,
        cursor,
        interactions,
        skipped,
    })
}

/// Applies every log row after `after` to `engine` with [`Engine::record`], a page at a time,
/// and returns the cursor to tail from next. An interaction naming an item the engine does not
/// hold yet fetches it from the store's catalogue first. Skips and reports malformed rows.
pub async fn tail(store: &dyn Store, engine: &Engine, after: Cursor) -> Result<Tailed> {
    let config = engine.config();
    let mut out = Tailed {
        cursor: after,
        ..Tailed::default()
    };
    // Items looked up in the store and not found there: asked for once per call.
    let mut absent: HashSet<String> = HashSet::new();
    loop {
        let page = store.read_log(out.cursor, PAGE).await?;
        if page.is_empty() {
            break;
        }
        out.skipped.extend(page.malformed);
        let mut batch = Vec::with_capacity(page.records.len());
        for r in page.records {
            let item = &r.interaction.item_id;
            if engine.item(item).is_none() && !absent.contains(item) {
                fetch_item(store, engine, item).await?;
                if engine.item(item).is_none() {
                    absent.insert(item.clone());
                }
            }
            match check(&config, &r, |id| engine.item(id).is_some()) {
                Ok(()) => batch.push(r.interaction),
                Err(m) => out.skipped.push(m),
            }
        }
        engine.record(&batch)?;
        out.interactions += batch.len() as u64;
        out.cursor = page.next;
    }
    out.skipped.sort_by_key(|m| (m.table, m.row_id));
    Ok(out)
}

/// Adds a catalogue entry the engine lacks, if the store has a valid one (an invalid one is
/// treated as absent: the interactions naming it are reported as naming an unknown item).
async fn fetch_item(store: &dyn Store, engine: &Engine, id: &str) -> Result<()> {
    if craic_core::validate_id(id).is_err() {
        return Ok(());
    }
    if let Some(item) = store.item(id).await? {
        if item.validate().is_ok() {
            engine.upsert_items(vec![item])?;
        }
    }
    Ok(())
}

/// The preferences the core accepts; the others are reported (row id 0, the user in the reason).
fn usable_preferences(
    prefs: Vec<(String, Preferences)>,
    skipped: &mut Vec<MalformedRow>,
) -> Vec<(String, Preferences)> {
    prefs
        .into_iter()
        .filter(|(user, p)| {
            let problem = craic_core::validate_id(user)
                .map_err(StoreError::from)
                .and_then(|()| crate::types::check_preferences(p));
            match problem {
                Ok(()) => true,
                Err(e) => {
                    skipped.push(MalformedRow {
                        table: "user_preferences",
                        row_id: 0,
                        reason: format!("user {user:?}: {e}"),
                    });
                    false
                }
            }
        })
        .collect()
}

/// The core's checks of [`Engine::record`], per row, so that one bad row costs only itself.
fn check(
    config: &Config,
    r: &LogRecord,
    has_item: impl Fn(&str) -> bool,
) -> std::result::Result<(), MalformedRow> {
    let x = &r.interaction;
    let problem = match x.validate() {
        Err(e) => Some(e),
        Ok(()) if !config.kinds.contains_key(&x.kind) && x.kind != craic_core::IMPRESSION => {
            Some(craic_core::Error::UnknownKind(x.kind.clone()))
        }
        Ok(()) if !has_item(&x.item_id) => Some(craic_core::Error::UnknownItem(x.item_id.clone())),
        Ok(()) => None,
    };
    match problem {
        None => Ok(()),
        Some(e) => Err(MalformedRow {
            table: "interactions",
            row_id: r.cursor.0 as i64,
            reason: e.to_string(),
        }),
    }
}
