//! Helpers shared by the Service integration tests (`tests/service*.rs`); each test binary uses
//! some of them.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use craic::service::{Service, ServiceOptions};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Request};

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn tiny() -> Dataset {
    Dataset::generate(&SyntheticConfig::tiny())
}

pub fn service(data: &Dataset, options: ServiceOptions) -> Service {
    Service::build(Config::default(), data.clone().into(), options).unwrap()
}

/// A counter's value in the Prometheus text (0 when absent).
pub fn counter(svc: &Service, series: &str) -> u64 {
    svc.metrics_text()
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|r| r.strip_prefix(' ')))
        .map_or(0, |v| v.parse().unwrap())
}

/// The first user with a non-empty Hybrid list at the data's end.
pub fn active_user(svc: &Service, data: &Dataset) -> (String, i64) {
    let at = data.config.end();
    for x in &data.interactions {
        if svc
            .recommend(&x.user_id, &Request::new(5).now(at))
            .unwrap()
            .len()
            == 5
        {
            return (x.user_id.clone(), at);
        }
    }
    panic!("no user with recommendations");
}
