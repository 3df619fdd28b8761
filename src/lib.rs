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
