//! The data the engine learns from: ids, interactions, items and preferences, the catalogue, the
//! interaction matrix and its sparse rows, time decay and the start-time timeline.

pub mod appeal;
pub mod catalog;
pub mod decay;
pub mod exposure;
pub mod ids;
pub mod interaction;
pub mod item;
pub mod kinds;
pub mod matrix;
pub mod pref_store;
pub mod sparse;
pub mod timeline;
pub mod training;
