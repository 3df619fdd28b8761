//! The classes of what the engine answers: `Recommendation` and its `Contribution`s, `Applied`,
//! `Stats` and `BlendWeights`. Each mirrors one core type, converted with `From`.

use craic_core as core;
use pyo3::prelude::*;

use crate::repr::{opt, py_bool};

/// One component's share of a recommendation's score.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Contribution")]
#[derive(Clone, PartialEq)]
pub struct PyContribution {
    /// The scorer: `"popularity"`, `"collaborative"`, `"content"` or `"item_based"` (similar events).
    pub component: String,
    /// Its weighted contribution to the final score.
    pub score: f64,
    /// Human-readable reason, e.g. `"matches genre folk"`.
    pub reason: String,
}

#[pymethods]
impl PyContribution {
    fn __repr__(&self) -> String {
        format!(
            "Contribution(component={:?}, score={:?}, reason={:?})",
            self.component, self.score, self.reason
        )
    }
}

/// One recommended item; `explanation` is set when the call asked for `explain=True`.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Recommendation")]
#[derive(Clone, PartialEq)]
pub struct PyRecommendation {
    /// The item id.
    pub item_id: String,
    /// Score under the requested strategy (comparable within one response).
    pub score: f64,
    /// Contributions, largest first, or `None` when not asked for.
    pub explanation: Option<Vec<PyContribution>>,
}

impl From<core::Recommendation> for PyRecommendation {
    fn from(r: core::Recommendation) -> Self {
        PyRecommendation {
            item_id: r.item_id,
            score: r.score,
            explanation: r.explanation.map(|e| {
                e.contributions
                    .into_iter()
                    .map(|c| PyContribution {
                        component: c.component.as_str().to_owned(),
                        score: c.score,
                        reason: c.reason,
                    })
                    .collect()
            }),
        }
    }
}

#[pymethods]
impl PyRecommendation {
    pub(crate) fn __repr__(&self) -> String {
        let explanation = match &self.explanation {
            None => "None".to_owned(),
            Some(cs) => format!(
                "[{}]",
                cs.iter()
                    .map(PyContribution::__repr__)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!(
            "Recommendation(item_id={:?}, score={:?}, explanation={})",
            self.item_id, self.score, explanation
        )
    }
}

/// What applying a batch of interactions did.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Applied")]
#[derive(Clone, PartialEq)]
pub struct PyApplied {
    /// Interactions applied.
    pub interactions: usize,
    /// Distinct users whose rows changed.
    pub users_changed: usize,
    /// Neighbour lists recomputed from scratch.
    pub lists_recomputed: usize,
    /// Neighbour-list entries checked or fixed in place.
    pub entries_touched: usize,
    /// True when the batch was large enough to rebuild every list instead.
    pub full_rebuild: bool,
}

impl From<core::Applied> for PyApplied {
    fn from(a: core::Applied) -> Self {
        PyApplied {
            interactions: a.interactions,
            users_changed: a.users_changed,
            lists_recomputed: a.lists_recomputed,
            entries_touched: a.entries_touched,
            full_rebuild: a.full_rebuild,
        }
    }
}

#[pymethods]
impl PyApplied {
    fn __repr__(&self) -> String {
        format!(
            "Applied(interactions={}, users_changed={}, lists_recomputed={}, entries_touched={}, \
             full_rebuild={})",
            self.interactions,
            self.users_changed,
            self.lists_recomputed,
            self.entries_touched,
            py_bool(self.full_rebuild)
        )
    }
}

/// Counts describing an engine's contents.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Stats")]
#[derive(Clone, PartialEq)]
pub struct PyStats {
    /// Users known.
    pub users: usize,
    /// Items in the catalogue, removed ones included.
    pub items: usize,
    /// Items that can be recommended.
    pub live_items: usize,
    /// Non-empty user–item cells.
    pub cells: usize,
    /// Interactions applied since the engine was created.
    pub interactions: u64,
    /// Latest interaction timestamp applied, if any.
    pub watermark: Option<i64>,
}

impl From<core::Stats> for PyStats {
    fn from(s: core::Stats) -> Self {
        PyStats {
            users: s.users,
            items: s.items,
            live_items: s.live_items,
            cells: s.cells,
            interactions: s.interactions,
            watermark: s.watermark,
        }
    }
}

#[pymethods]
impl PyStats {
    fn __repr__(&self) -> String {
        format!(
            "Stats(users={}, items={}, live_items={}, cells={}, interactions={}, watermark={})",
            self.users,
            self.items,
            self.live_items,
            self.cells,
            self.interactions,
            opt(&self.watermark)
        )
    }
}

/// Shares of each component in a user's Hybrid score (they sum to 1, less with the learned
/// blend when a component the user lacks weighs 0).
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "BlendWeights")]
#[derive(Clone, PartialEq)]
pub struct PyBlendWeights {
    /// Collaborative share.
    pub collaborative: f64,
    /// Content share.
    pub content: f64,
    /// Popularity share.
    pub popularity: f64,
    /// New-event appeal share (the learned blend only; else 0).
    pub appeal: f64,
    /// Item-based share (a learned blend with `item_neighbours` > 0; else 0).
    pub item_based: f64,
}

impl From<core::BlendWeights> for PyBlendWeights {
    fn from(b: core::BlendWeights) -> Self {
        PyBlendWeights {
            collaborative: b.collaborative,
            content: b.content,
            popularity: b.popularity,
            appeal: b.appeal,
            item_based: b.item_based,
        }
    }
}

#[pymethods]
impl PyBlendWeights {
    fn __repr__(&self) -> String {
        format!(
            "BlendWeights(collaborative={:?}, content={:?}, popularity={:?}, appeal={:?}, \
             item_based={:?})",
            self.collaborative, self.content, self.popularity, self.appeal, self.item_based
        )
    }
}
