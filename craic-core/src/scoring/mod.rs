//! The read path: what a caller asks for, the scorers (popularity, content, artist prior, the
//! opt-in item-based one), the blend of the strategies, and the per-request scratch buffers
//! and score reductions.

pub mod artist_prior;
mod blend_scan;
mod components;
pub mod content;
pub(crate) mod discount;
mod item_based;
pub mod lanes;
pub mod popularity;
mod rank;
pub mod recommend;
pub mod request;
pub mod rerank;
pub mod scratch;
mod similar;
