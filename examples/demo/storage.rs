//! The demo's store: an SQLite file by default, or any store URL (`--store mysql://...`).

use std::sync::Arc;

use craic::synthetic::Dataset;
use craic_store::{BlockingStore, Cursor, LogEntry};

use crate::run::DemoResult;

/// Interactions appended per `append` call.
const BATCH: usize = 100_000;

/// Opens the store at `url`, or a fresh SQLite file in the temp directory; returns it with a
/// description for the output. The store must be empty (the demo's numbers assume it).
pub fn open(url: Option<&str>) -> DemoResult<(Arc<BlockingStore>, String)> {
    let (url, description) = match url {
        Some(url) => (url.to_owned(), format!("store {}", masked(url))),
        None => {
            let path = std::env::temp_dir().join(format!("craic-demo-{}.db", std::process::id()));
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            let description = format!("SQLite file {}", path.display());
            (format!("sqlite://{}", path.display()), description)
        }
    };
    let store = BlockingStore::open(&url)?;
    if store.log_head()? != Cursor::START || store.current_model()?.is_some() {
        return Err(format!("{description} is not empty: the demo needs an empty database").into());
    }
    Ok((Arc::new(store), description))
}

/// Writes the catalogue, the preferences and the interaction log to the store.
pub fn fill(store: &BlockingStore, data: &Dataset) -> DemoResult<()> {
    store.upsert_items(&data.items)?;
    store.set_preferences(&data.preferences)?;
    for chunk in data.interactions.chunks(BATCH) {
        let entries: Vec<LogEntry> = chunk.iter().cloned().map(LogEntry::new).collect();
        store.append(&entries)?;
    }
    Ok(())
}

/// The URL with its password (between `user:` and `@`) replaced by `***`.
pub fn masked(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((user, _)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{name}:***@{}", &rest[user.len() + 1..])
        }
        _ => url.to_owned(),
    }
}
