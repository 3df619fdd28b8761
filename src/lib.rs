//! # craic
//!
//! An embeddable recommendation engine for event discovery: typed implicit feedback, incremental
//! user–user collaborative filtering, content and popularity scoring, a hybrid blend with a
//! cold-start path, and A/B experiments — in-process, no ML server.
//!
//! This facade re-exports [`craic_core`]; see its documentation for the details.
#![deny(missing_docs)]

pub use craic_core::*;

pub mod service;
