//! # craic-core
//!
//! The pure core of craic: typed implicit feedback, an incrementally maintained interaction matrix,
//! user–user cosine neighbourhoods that stay equal to a full recompute, popularity / content /
//! collaborative / hybrid scoring with eligibility rules, experiments, evaluation and a synthetic
//! event-discovery dataset. No I/O, no async, no global state.
//!
//! # Layout
//! The modules are grouped by concept: `data/` (ids, interactions, items, the catalogue, the
//! interaction matrix, decay, the timeline), `similarity/` (user–user neighbourhoods),
//! `scoring/` (requests, scorers, the read path), `model/` (the [`Engine`], its state,
//! configuration, errors, limits, model snapshots), `ops/` ([`cache`], [`drift`], [`alerts`],
//! [`monitoring`], the [`snapshot`] container), plus [`experiments`], [`feeds`],
//! [`evaluation`], [`rng`] and `synthetic`. Public paths are flat: everything is re-exported here.
//!
//! # Crate features
//! * `synthetic` (off by default): the `synthetic` module, a deterministic synthetic
//!   event-discovery dataset with a hidden ground truth, for tests, demos, benchmarks and
//!   simulations. A production build leaves it out; the Python and Node bindings and the `craic`
//!   facade's tests, examples and benches turn it on.
//!
//! # Versioning of `sprs`
//! [`Engine::interaction_matrix`] returns a [`sprs::CsMat`], so `sprs` is part of the public API:
//! it is re-exported as [`craic_core::sprs`](crate::sprs), and a craic release that moves to a
//! semver-incompatible `sprs` is itself a semver-breaking release (see docs/api-stability.md).
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod data;
pub mod evaluation;
pub mod experiments;
pub mod feeds;
mod linear;
mod model;
mod ops;
pub mod rng;
mod scoring;
mod similarity;
#[cfg(any(test, feature = "synthetic"))]
pub mod synthetic;

pub use model::limits;
pub use ops::{alerts, cache, drift, monitoring, snapshot};
/// The sparse-matrix crate of [`Engine::interaction_matrix`], re-exported so callers name the same
/// version craic was built with.
pub use sprs;

pub use data::exposure::Impression;
pub use data::ids::{validate_id, MAX_ID_LEN};
pub use data::interaction::{
    validate_timestamp, AsInteraction, Interaction, InteractionRef, CLICK, HIDE, IMPRESSION,
    MAX_TIMESTAMP, MIN_TIMESTAMP, SAVE, UNSAVE,
};
pub use data::item::{Item, Preferences};
pub use data::training::TrainingData;
pub use model::config::{
    Config, Effect, FeatureWeights, KindSpec, DEFAULT_LINEAR_FOCUS, DEFAULT_LINEAR_L2,
    DEFAULT_MAX_USER_ITEMS,
};
pub use model::engine::{impressions_to_interactions, Engine};
pub use model::error::{Error, ErrorKind, Result, SnapshotProblem};
pub use model::hyper::{GridPoint, HyperGrid, DEFAULT_DISCOUNTS, MAX_DISCOUNT, MAX_GRID_VALUES};
pub use model::inspect::Stats;
pub use model::learned::{
    Blend, BlendReport, BucketReport, LearnSettings, COMPONENTS, MAX_BLEND_CANDIDATES,
    MAX_BLEND_GRID, MAX_BLEND_USERS, MIN_HOLDOUT_USERS, MIN_WARM_USERS,
};
pub use model::model_snapshot::{SnapshotMeta, MODEL_KIND};
pub use model::state::Applied;
pub use scoring::recommend::BlendWeights;
pub use scoring::request::{
    Component, Contribution, Explanation, Recommendation, Request, Strategy, Touched,
};
