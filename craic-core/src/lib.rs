//! # craic-core
//!
//! The pure core of craic: typed implicit feedback, an incrementally maintained interaction matrix,
//! user–user cosine neighbourhoods that stay equal to a full recompute, popularity / content /
//! collaborative / hybrid scoring with eligibility rules, experiments, evaluation and a synthetic
//! event-discovery dataset. No I/O, no async, no global state.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod alerts;
mod artist_prior;
mod bulk;
pub mod cache;
mod catalog;
mod config;
mod content;
mod decay;
pub mod drift;
mod engine;
mod error;
pub mod evaluation;
pub mod experiments;
pub mod feeds;
mod ids;
mod interaction;
mod item;
mod kinds;
mod lanes;
pub mod limits;
mod matrix;
mod model;
mod model_snapshot;
pub mod monitoring;
mod popularity;
mod pref_store;
mod recommend;
mod request;
mod rerank;
pub mod rng;
mod scratch;
mod similarity;
pub mod snapshot;
mod sparse;
pub mod synthetic;
mod timeline;

pub use config::{Config, Effect, FeatureWeights, KindSpec};
pub use engine::{Engine, Stats};
pub use error::{Error, ErrorKind, Result, SnapshotProblem};
pub use ids::{validate_id, MAX_ID_LEN};
pub use interaction::{
    validate_timestamp, Interaction, CLICK, HIDE, MAX_TIMESTAMP, MIN_TIMESTAMP, SAVE, UNSAVE,
};
pub use item::{Item, Preferences};
pub use model::Applied;
pub use model_snapshot::{SnapshotMeta, MODEL_KIND};
pub use recommend::BlendWeights;
pub use request::{Component, Contribution, Explanation, Recommendation, Request, Strategy};
