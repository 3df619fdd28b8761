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

// Temporary while paths move: the old flat module paths.
use data::{catalog, decay, ids, interaction, item, kinds, matrix, pref_store, sparse, timeline};
use model::{config, engine, error, model_snapshot};
use scoring::{artist_prior, content, lanes, popularity, recommend, request, scratch};

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
