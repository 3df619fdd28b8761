//! The engine and its state: configuration, the model and every write to it, bulk loading,
//! model snapshots, errors and the limits on caller-supplied counts.

mod build;
pub mod bulk;
pub mod config;
pub mod engine;
pub mod error;
pub mod from_training;
mod heap_release;
pub mod hyper;
pub mod inspect;
pub(crate) mod item_updates;
pub mod learned;
mod learned_choice;
mod learned_fit;
mod learned_returning;
mod learned_tune;
mod learned_weights;
mod legacy_mod6;
mod legacy_mod7;
mod legacy_mod8;
mod legacy_mod9;
pub mod legacy_snapshot;
pub mod limits;
pub mod model_snapshot;
pub mod removal;
pub mod state;
