//! # craic-node
//!
//! The Node.js binding of craic: the native addon behind the npm package `craic`
//! (`craic-node/`). Build it with `npm install && npm run build` in `craic-node/`; test it with
//! `craic-node/scripts/test.sh`.
//!
//! The binding only converts: JavaScript objects into core types (one conversion per concept, in
//! [`values`] and beside each class), core results into plain objects, and core errors into the
//! classes of `errors.js` through one mapping ([`errors`]). Names are camelCase; option objects
//! refuse unknown names; numbers that must be whole (counts, unix-second timestamps) are checked
//! before they reach the core. Heavy work returns a Promise and runs off the JS thread
//! ([`work`]); no Rust panic crosses into JavaScript (every export catches unwinding).
#![deny(missing_docs)]
#![deny(unsafe_code)]
// Under `cfg(test)` napi registers no exports, so the exported functions look unused.
#![cfg_attr(test, allow(dead_code))]

mod alerts;
mod blend;
mod config;
mod convert;
mod engine;
mod errors;
mod evaluation;
mod experiments;
mod feeds;
mod service;
mod store;
mod store_values;
mod synthetic;
mod values;
mod work;
