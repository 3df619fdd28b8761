//! The read path: what a caller asks for, the scorers (popularity, content, artist prior), the
//! blend of the five strategies (item-based scores and similar events in `item_based`, `similar`), and the per-request scratch buffers and score reductions.

pub mod artist_prior;
pub mod content;
pub mod item_based;
pub mod lanes;
pub mod popularity;
pub mod recommend;
pub mod request;
pub mod rerank;
pub mod scratch;
pub mod similar;
