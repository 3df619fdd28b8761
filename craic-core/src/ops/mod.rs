//! Running craic in production: the response cache, drift (PSI), alert rules, monitoring
//! metrics and the checksummed snapshot container.

pub mod alerts;
pub mod cache;
pub mod drift;
pub mod monitoring;
pub mod snapshot;
