//! Helpers shared by the Service-on-a-store tests: a fresh store on each backend (SQLite file,
//! MariaDB database, DynamoDB Local tables), seeding, and every user's lists.
//!
//! MariaDB is expected on `CRAIC_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`); when it
//! does not answer, the MariaDB tests fail saying how to start it. DynamoDB Local is started by
//! the tests themselves (`craic-store/tests/common/dynamodb_local.rs`).
#![allow(dead_code)]

#[path = "../../craic-store/tests/common/dynamodb_local.rs"]
pub mod dynamodb_local;
pub mod mariadb;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use craic::service::{Gate, RetrainOptions, Service, ServiceOptions};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::Request;
use craic_store::{BlockingStore, DynamoStore, LogEntry};

/// A fresh SQLite URL in the temp directory (removed with the returned guard).
pub struct TempDb(pub PathBuf);

impl TempDb {
    pub fn new() -> TempDb {
        TempDb(fresh_dir("craic-service-store"))
    }
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.0.join("craic.db").display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fresh_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn unique() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos}_{}", N.fetch_add(1, Ordering::Relaxed))
}

/// Dummy credentials: DynamoDB Local accepts any made of letters and digits.
const DYNAMO_KEY: (&str, &str) = ("craictest", "craictestsecret");

/// One fresh, empty store on one backend; [`Backend::store`] opens a new connection to it
/// (each replica gets its own, as separate processes would).
pub enum Backend {
    /// A database file.
    Sqlite(TempDb),
    /// A database on the shared MariaDB, dropped on drop.
    Mariadb(mariadb::Db),
    /// Fresh tables on the tests' own DynamoDB Local (gone with the test process).
    Dynamodb(String),
}

impl Backend {
    pub fn sqlite() -> Backend {
        Backend::Sqlite(TempDb::new())
    }
    pub fn mariadb() -> Backend {
        Backend::Mariadb(mariadb::Db::new())
    }
    pub fn dynamodb() -> Backend {
        let endpoint = &dynamodb_local::server().endpoint;
        let prefix = format!("craic_svc_{}_{}", std::process::id(), unique());
        Backend::Dynamodb(format!(
            "dynamodb://{prefix}?endpoint={endpoint}&region=us-east-1"
        ))
    }

    /// A new connection to the store.
    pub fn store(&self) -> Arc<BlockingStore> {
        let store = match self {
            Backend::Sqlite(db) => BlockingStore::open(&db.url()),
            Backend::Mariadb(db) => BlockingStore::open(&db.url()),
            Backend::Dynamodb(url) => BlockingStore::from_future(
                DynamoStore::open_with_static_credentials(url, DYNAMO_KEY.0, DYNAMO_KEY.1),
            ),
        };
        Arc::new(store.unwrap())
    }

    /// A service on a new connection to the store.
    pub fn service(&self, options: ServiceOptions) -> Service {
        Service::open(self.store(), fixed(), options).unwrap()
    }
}

/// The default configuration with the fixed blend: these services replicate and replay a log,
/// and a learned blend is fitted at each build on the log as it then was (so two services
/// built at different points of the log blend differently until their next retrain).
pub fn fixed() -> craic::Config {
    craic::Config {
        blend: craic::Blend::Fixed,
        ..craic::Config::default()
    }
}

pub fn tiny() -> Dataset {
    Dataset::generate(&SyntheticConfig::tiny())
}

/// Writes the catalogue, the preferences and the first `n` interactions to the store.
pub fn seed(store: &BlockingStore, data: &Dataset, n: usize) {
    store.upsert_items(&data.items).unwrap();
    store.set_preferences(&data.preferences).unwrap();
    let entries: Vec<LogEntry> = data.interactions[..n]
        .iter()
        .cloned()
        .map(LogEntry::new)
        .collect();
    store.append(&entries).unwrap();
}

/// A gate every candidate passes on quality (only the data ratio can refuse).
pub fn lenient(min_data_ratio: f64) -> ServiceOptions {
    ServiceOptions {
        retrain: RetrainOptions {
            gate: Gate {
                max_relative_drop: 1.0,
                max_drop_vs_recorded: 1.0,
                must_beat_popularity: false,
                min_data_ratio,
            },
            ..RetrainOptions::default()
        },
        ..ServiceOptions::default()
    }
}

/// Every user who interacted, sorted.
pub fn users(data: &Dataset) -> Vec<String> {
    let mut users: Vec<String> = data
        .interactions
        .iter()
        .map(|x| x.user_id.clone())
        .collect();
    users.sort();
    users.dedup();
    users
}

/// Every user's Hybrid list (items and scores) at `at`.
pub fn lists(svc: &Service, data: &Dataset, at: i64) -> Vec<(String, Vec<(String, f64)>)> {
    let out: Vec<(String, Vec<(String, f64)>)> = users(data)
        .into_iter()
        .map(|u| {
            let recs = svc.recommend(&u, &Request::new(10).now(at)).unwrap();
            let recs = recs.into_iter().map(|r| (r.item_id, r.score)).collect();
            (u, recs)
        })
        .collect();
    let full = out.iter().filter(|(_, r)| r.len() == 10).count();
    assert!(full * 2 > out.len(), "most users get a full list");
    out
}
