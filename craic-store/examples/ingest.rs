//! Measures ingest into a store and a full engine load from it, at the synthetic `medium`
//! preset (20 000 events, 100 000 users, 2 000 000 interactions).
//!
//! ```text
//! cargo run --release -p craic-store --example ingest -- [sqlite|mysql|both] [interactions]
//! ```
//!
//! SQLite writes a fresh file under the temp directory; MySQL creates the database
//! `craic_bench_<pid>` on `CRAIC_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`) and drops it
//! after. `interactions` (default 1 000 000) is how many of the log are timed as "the ingest";
//! the rest of the medium log is appended after it, then the engine is loaded from the store.

use std::time::Instant;

use craic_core::synthetic::{Dataset, SyntheticConfig};
use craic_core::{Config, Engine};
use craic_store::{load_engine, LogEntry, Store};
use mysql_async::prelude::Queryable;

/// Entries handed to one `append` call.
const CALL: usize = 100_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("both");
    let timed: usize = args
        .get(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let t = Instant::now();
    let data = Dataset::generate(&SyntheticConfig::medium());
    println!(
        "medium dataset: {} events, {} users with preferences, {} interactions (generated in {:.1} s)",
        data.items.len(),
        data.preferences.len(),
        data.interactions.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let reference = Engine::build(
        data.items.clone(),
        &data.interactions,
        data.preferences.clone(),
        Config::default(),
    )?;
    println!(
        "in-memory Engine::build (reference): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let entries: Vec<LogEntry> = data
        .interactions
        .iter()
        .cloned()
        .map(LogEntry::new)
        .collect();

    if which == "sqlite" || which == "both" {
        let path = std::env::temp_dir().join(format!("craic_bench_{}.db", std::process::id()));
        let store = craic_store::open(&format!("sqlite://{}", path.display())).await?;
        run("sqlite", &*store, &data, &entries, timed, &reference).await?;
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    if which == "mysql" || which == "both" {
        let server = std::env::var("CRAIC_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
        let db = format!("craic_bench_{}", std::process::id());
        let mut admin = mysql_async::Conn::from_url(server.as_str()).await?;
        admin.query_drop(format!("CREATE DATABASE `{db}`")).await?;
        let store = craic_store::open(&format!("{server}/{db}")).await?;
        let result = run("mysql", &*store, &data, &entries, timed, &reference).await;
        drop(store);
        admin.query_drop(format!("DROP DATABASE `{db}`")).await?;
        admin.disconnect().await?;
        result?;
    }
    Ok(())
}

async fn run(
    name: &str,
    store: &dyn Store,
    data: &Dataset,
    entries: &[LogEntry],
    timed: usize,
    reference: &Engine,
) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    store.upsert_items(&data.items).await?;
    let items = t.elapsed().as_secs_f64();
    let t = Instant::now();
    store.set_preferences(&data.preferences).await?;
    let prefs = t.elapsed().as_secs_f64();
    println!("[{name}] catalogue {items:.2} s, preferences {prefs:.2} s");

    ingest(name, store, entries, timed).await?;
    read_back(name, store, reference).await
}

/// Appends `entries` in calls of `CALL` rows, timing the first `timed` apart, then re-sends
/// those (all duplicates).
async fn ingest(
    name: &str,
    store: &dyn Store,
    entries: &[LogEntry],
    timed: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let (head, rest) = entries.split_at(timed.min(entries.len()));
    let t = Instant::now();
    let mut inserted = 0;
    for call in head.chunks(CALL) {
        inserted += store.append(call).await?.inserted;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "[{name}] ingest of {} interactions: {secs:.2} s ({:.0} rows/s), {inserted} inserted",
        head.len(),
        head.len() as f64 / secs
    );
    let t = Instant::now();
    for call in rest.chunks(CALL) {
        store.append(call).await?;
    }
    println!(
        "[{name}] remaining {} interactions: {:.2} s",
        rest.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut duplicates = 0;
    for call in head.chunks(CALL) {
        duplicates += store.append(call).await?.duplicates;
    }
    println!(
        "[{name}] re-sending the first {}: {:.2} s, {duplicates} duplicates, nothing written",
        head.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Reads the whole log back, then loads an engine from the store and checks it equals
/// `reference`.
async fn read_back(
    name: &str,
    store: &dyn Store,
    reference: &Engine,
) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let (mut cursor, mut rows) = (craic_store::Cursor::START, 0);
    loop {
        let page = store.read_log(cursor, craic_store::PAGE).await?;
        if page.is_empty() {
            break;
        }
        rows += page.records.len();
        cursor = page.next;
    }
    println!(
        "[{name}] reading the whole log back ({rows} rows, pages of {}): {:.2} s",
        craic_store::PAGE,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let loaded = load_engine(store, Config::default()).await?;
    let secs = t.elapsed().as_secs_f64();
    let stats = loaded.engine.stats();
    println!(
        "[{name}] full engine load from the store: {secs:.2} s ({} users, {} items, {} interactions, {} skipped)",
        stats.users,
        stats.items,
        stats.interactions,
        loaded.skipped.len()
    );
    assert_eq!(
        stats,
        reference.stats(),
        "the store's engine equals the in-memory one"
    );
    Ok(())
}
