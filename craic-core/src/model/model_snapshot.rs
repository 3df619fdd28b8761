//! Versioned model snapshots: an [`Engine`]'s whole state plus metadata, in the checksummed
//! container of [`crate::snapshot`] (kind tag `MODA`, the tenth layout).
//!
//! The kind tag names the payload's layout: `MOD2` added `Config::artist_prior`; `MOD3` added
//! the exposure (impressions) and `Config::exposure_demotion` / `exposure_half_life_secs`;
//! `MOD4` the new-event appeal counts, `Config::blend` and the learned blend with its report;
//! `MOD5` `Config::item_neighbours` and the item–item neighbour lists (absent, one byte, when
//! the configuration keeps none); `MOD6` the learned blend's hyperparameter grid
//! (`LearnSettings::hyper`) and the chosen values and grid scores in its report; `MOD7` the
//! learned blend's popularity discount (`HyperGrid::discount`, the report's chosen β and each
//! grid point's); `MOD8` `Config::max_user_items`; `MOD9` `Config::linear_items` /
//! `linear_l2` and the linear item model (absent, one byte, when the configuration keeps none);
//! `MODA` `Config::linear_focus` and `LearnSettings::exclude_touched`. `MOD2`–`MOD9` snapshots
//! still load (with no impressions and the default exposure settings, resp. no appeal counts
//! and the fixed blend, resp. no item lists, resp. a learned blend pinned to the configuration's
//! hyperparameters, resp. a learned blend without discount, its discount axis pinned to 0,
//! resp. the item side's cost guard of the time, 100, resp. no linear item model, resp. the
//! recency focus off and a holdout keeping touched events) and are written back as `MODA`. A
//! snapshot of the earliest layout (`MODL`) is refused as [`SnapshotProblem::Foreign`] rather
//! than misread (bincode is not self-describing); rebuild and
//! save again.
//!
//! A snapshot holds the catalogue, the id maps, the interaction matrix (with its per-kind parts),
//! the neighbour lists, popularity, preferences, the configuration and the decay epoch, so a
//! loaded engine serves exactly what the saved one served, and keeps updating incrementally.
//! Derived indexes (content postings, ranked popularity sets, id lookup tables) are rebuilt on
//! load. Loading checks the structure as well as the checksum, so even a well-formed but
//! inconsistent payload is rejected as corrupt instead of being served.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::engine::Engine;
use crate::model::error::{Error, Result, SnapshotProblem};
use crate::model::state::Model;
use crate::snapshot;

/// Kind tag of model snapshots in the container header.
pub const MODEL_KIND: [u8; 4] = *b"MODA";

/// Describes a snapshot: which model version it is and what it contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SnapshotMeta {
    /// Version id chosen by the caller (e.g. `"2026-11-29T02:00Z-7"`).
    pub version: String,
    /// Creation time, unix seconds (the core has no clock: the caller passes it).
    pub created_at: i64,
    /// Latest interaction timestamp included (filled in from the engine when saving).
    pub watermark: Option<i64>,
    /// Interactions applied to the engine when it was saved (filled in when saving).
    pub interactions: u64,
    /// Training metrics (e.g. `"ndcg@10"`), as the caller measured them.
    pub metrics: BTreeMap<String, f64>,
}

#[derive(Serialize)]
struct Out<'a> {
    meta: &'a SnapshotMeta,
    model: &'a Model,
}

#[derive(Deserialize)]
pub(crate) struct In {
    pub meta: SnapshotMeta,
    pub model: Model,
}

/// Kind tags of the previous layouts, still read.
const MOD2: [u8; 4] = *b"MOD2";
const MOD3: [u8; 4] = *b"MOD3";
const MOD4: [u8; 4] = *b"MOD4";
const MOD5: [u8; 4] = *b"MOD5";
const MOD6: [u8; 4] = *b"MOD6";
const MOD7: [u8; 4] = *b"MOD7";
const MOD8: [u8; 4] = *b"MOD8";
const MOD9: [u8; 4] = *b"MOD9";

fn corrupt(detail: impl Into<String>) -> Error {
    Error::Snapshot {
        reason: SnapshotProblem::Corrupt,
        detail: detail.into(),
    }
}

impl Engine {
    /// Serialises the engine's whole state with `meta` (whose `watermark` and `interactions`
    /// are filled in from the engine). Readers are not blocked. A poisoned engine (see
    /// [`Engine::is_poisoned`]) is never written: [`crate::Error::Poisoned`].
    pub fn to_snapshot(&self, meta: &SnapshotMeta) -> Result<Vec<u8>> {
        self.read_model(|model| {
            let meta = SnapshotMeta {
                watermark: model.watermark,
                interactions: model.events,
                ..meta.clone()
            };
            snapshot::encode_kind(MODEL_KIND, &Out { meta: &meta, model })
        })?
    }

    /// Loads an engine from [`Engine::to_snapshot`] bytes. Truncated, corrupted, foreign or
    /// newer-format input is an `InvalidSnapshot` error (never a panic, never half a model).
    pub fn from_snapshot(bytes: &[u8]) -> Result<(Engine, SnapshotMeta)> {
        let In { meta, mut model } = match snapshot::header(bytes)?.kind {
            MOD2 => crate::model::legacy_snapshot::decode_mod2(bytes)?,
            MOD3 => crate::model::legacy_snapshot::decode_mod3(bytes)?,
            MOD4 => crate::model::legacy_snapshot::decode_mod4(bytes)?,
            MOD5 => crate::model::legacy_snapshot::decode_mod5(bytes)?,
            MOD6 => crate::model::legacy_mod6::decode_mod6(bytes)?,
            MOD7 => crate::model::legacy_mod7::decode_mod7(bytes)?,
            MOD8 => crate::model::legacy_mod8::decode_mod8(bytes)?,
            MOD9 => crate::model::legacy_mod9::decode_mod9(bytes)?,
            _ => snapshot::decode_kind(MODEL_KIND, bytes)?,
        };
        model.check().map_err(corrupt)?;
        model.restore();
        Ok((Engine::from_model(model), meta))
    }
}

impl Model {
    /// Structural invariants a decoded model must satisfy before it is used.
    fn check(&self) -> std::result::Result<(), String> {
        self.config.validate().map_err(|e| e.to_string())?;
        if crate::data::kinds::KindTable::new(&self.config) != self.kinds {
            return Err("kind table does not match the configuration".into());
        }
        let users = self.users.len();
        let items = self.catalog.items.len();
        let m = &self.matrix;
        let same = |what: &str, n: usize, want: usize| {
            if n == want {
                Ok(())
            } else {
                Err(format!("{what}: {n} entries for {want}"))
            }
        };
        same("catalogue ids", self.catalog.ids.len(), items)?;
        same("removed flags", self.catalog.removed.len(), items)?;
        same("item cities", self.catalog.city_of.len(), items)?;
        same("columns", m.cols.len(), items)?;
        same("cap flags", self.capped.len(), items)?;
        same("popularity", self.popularity.score.len(), items)?;
        same("rows", m.rows.len(), users)?;
        same("parts", m.parts.len(), users)?;
        same("norms", m.norms.len(), users)?;
        same("neighbour lists", self.neighbours.lists.len(), users)?;
        same("neighbour bounds", self.neighbours.bound.len(), users)?;
        let cities = self.catalog.cities.len() as u32;
        if self
            .catalog
            .city_of
            .iter()
            .any(|&c| c != crate::data::catalog::NO_CITY && c >= cities)
        {
            return Err("item city out of range".into());
        }
        let sorted_in = |idx: &[u32], bound: usize| {
            idx.windows(2).all(|w| w[0] < w[1]) && idx.last().is_none_or(|&l| (l as usize) < bound)
        };
        for (r, c) in m.rows.iter().zip(&m.parts) {
            if r.idx.len() != r.val.len() || !sorted_in(&r.idx, items) {
                return Err("malformed row".into());
            }
            if c.windows(2)
                .any(|w| (w[0].item, w[0].kind) >= (w[1].item, w[1].kind))
                || c.iter()
                    .any(|p| p.item as usize >= items || p.kind as usize >= self.kinds.names.len())
            {
                return Err("malformed parts".into());
            }
        }
        for col in &m.cols {
            if col.idx.len() != col.val.len() || !sorted_in(&col.idx, users) {
                return Err("malformed column".into());
            }
        }
        for list in &self.neighbours.lists {
            if list.len() > self.config.neighbours + self.config.neighbour_buffer
                || list.iter().any(|e| e.0 as usize >= users)
            {
                return Err("malformed neighbour list".into());
            }
        }
        self.check_item_lists(items)?;
        match (&self.linear, self.config.linear_items) {
            (None, 0) => {}
            (Some(l), n) if n > 0 => l.check(items, n)?,
            (None, _) => return Err("linear item model missing".into()),
            (Some(_), _) => {
                return Err("a linear item model the configuration does not keep".into())
            }
        }
        self.prefs.validate(users)?;
        self.exposure.check(users, items)?;
        self.appeal.check(items)?;
        Ok(())
    }
}

impl Model {
    /// The item lists: present exactly when the configuration keeps them, one per item, each
    /// within `item_neighbours + neighbour_buffer` entries naming items.
    fn check_item_lists(&self, items: usize) -> std::result::Result<(), String> {
        let Some(side) = &self.items else {
            return match self.config.item_neighbours {
                0 => Ok(()),
                _ => Err("item neighbour lists missing".into()),
            };
        };
        if self.config.item_neighbours == 0 {
            return Err("item neighbour lists the configuration does not keep".into());
        }
        let (lists, bounds) = (side.lists.lists.len(), side.lists.bound.len());
        if lists != items || bounds != items {
            return Err(format!(
                "item neighbour lists: {lists} lists, {bounds} bounds for {items} items"
            ));
        }
        let keep = self.config.item_neighbours + self.config.neighbour_buffer;
        for list in &side.lists.lists {
            if list.len() > keep || list.iter().any(|e| e.0 as usize >= items) {
                return Err("malformed item neighbour list".into());
            }
        }
        Ok(())
    }
}
