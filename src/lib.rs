//! # craic
//!
//! An embeddable recommendation engine for event discovery: typed implicit feedback, incremental
//! user–user collaborative filtering, content and popularity scoring, a hybrid blend with a
//! cold-start path, and A/B experiments — in-process, no ML server.
//!
//! This facade re-exports [`craic_core`]; see its documentation for the details.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub use craic_core::*;

pub mod service;

/// The README's Rust examples run as doc tests, so the README cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The Rust examples of the pages in `docs/` run as doc tests too.
#[cfg(doctest)]
mod docs_doctests {
    #[doc = include_str!("../docs/how-it-works.md")]
    struct HowItWorks;
    #[doc = include_str!("../docs/operations.md")]
    struct Operations;
    #[doc = include_str!("../docs/evaluation.md")]
    struct Evaluation;
    #[doc = include_str!("../docs/performance.md")]
    struct Performance;
    #[doc = include_str!("../docs/api-stability.md")]
    struct ApiStability;
}
