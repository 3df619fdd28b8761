//! The shared tests (each takes a fresh fixture), one file per part of the store.

mod catalog;
mod log;
mod registry;

// Each test binary runs the part of the suite it needs (`load_tail_prop` only compares models).
#[allow(unused_imports)]
pub use catalog::*;
#[allow(unused_imports)]
pub use log::*;
#[allow(unused_imports)]
pub use registry::*;
