//! # craic-core
//!
//! The pure core of craic: typed implicit feedback, an incrementally maintained interaction matrix,
//! user–user cosine neighbourhoods that stay equal to a full recompute, popularity / content /
//! collaborative / hybrid scoring with eligibility rules, experiments, evaluation and a synthetic
//! event-discovery dataset. No I/O, no async, no global state.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod data;
pub mod evaluation;
pub mod experiments;
pub mod feeds;
mod model;
mod ops;
pub mod rng;
mod scoring;
mod similarity;
pub mod synthetic;

pub use model::limits;
pub use ops::{alerts, cache, drift, monitoring, snapshot};

pub use data::ids::{validate_id, MAX_ID_LEN};
pub use data::interaction::{
    validate_timestamp, Interaction, CLICK, HIDE, MAX_TIMESTAMP, MIN_TIMESTAMP, SAVE, UNSAVE,
};
pub use data::item::{Item, Preferences};
pub use model::config::{Config, Effect, FeatureWeights, KindSpec};
pub use model::engine::{Engine, Stats};
pub use model::error::{Error, ErrorKind, Result, SnapshotProblem};
pub use model::model_snapshot::{SnapshotMeta, MODEL_KIND};
pub use model::state::Applied;
pub use scoring::recommend::BlendWeights;
pub use scoring::request::{
    Component, Contribution, Explanation, Recommendation, Request, Strategy,
};
