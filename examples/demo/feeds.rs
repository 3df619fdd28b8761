//! `--feeds DIR`: the demo's catalogue imported from Ticketmaster / Eventbrite pages instead of
//! the synthetic city, with simulated users and interactions on it.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use craic::feeds::{
    deduplicate, import_eventbrite, import_ticketmaster, AliasTable, Dedup, FeedEvent,
    ImportOptions, ImportReport, MatchConfig, Problem,
};
use craic::service::Service;
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Request, Strategy, CLICK, HIDE, SAVE};

use crate::run::DemoResult;
use crate::simulate::DAY;
use crate::table;

/// The sample pages shipped with the demo (`cargo run --release --example demo -- --feeds
/// examples/demo/feeds`).
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/feeds")
}

/// Which feed a page is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// A Ticketmaster Discovery v2 event search page.
    Ticketmaster,
    /// An Eventbrite v3 event list.
    Eventbrite,
}

impl Feed {
    /// The feed's name.
    pub fn name(self) -> &'static str {
        match self {
            Feed::Ticketmaster => "Ticketmaster",
            Feed::Eventbrite => "Eventbrite",
        }
    }
}

/// The feed of a page: by file name first (`ticketmaster…` / `tm-…` / `tm_…`, `eventbrite…` /
/// `eb-…` / `eb_…`, case-insensitive), else by content (a top-level `"_embedded"` key is
/// Ticketmaster's, an `"events"` key Eventbrite's). `None`: not a feed page, skipped.
pub fn detect(path: &Path, bytes: &[u8]) -> Option<Feed> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let starts = |p: &[&str]| p.iter().any(|p| name.starts_with(p));
    if starts(&["ticketmaster", "tm-", "tm_"]) {
        return Some(Feed::Ticketmaster);
    }
    if starts(&["eventbrite", "eb-", "eb_"]) {
        return Some(Feed::Eventbrite);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let object = value.as_object()?;
    if object.contains_key("_embedded") {
        Some(Feed::Ticketmaster)
    } else if object.contains_key("events") {
        Some(Feed::Eventbrite)
    } else {
        None
    }
}

/// One imported page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The file name.
    pub file: String,
    /// Its feed.
    pub feed: Feed,
    /// What the importer made of it.
    pub report: ImportReport,
}

/// Every page of a directory, imported and de-duplicated.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The pages, in file name order.
    pub pages: Vec<Page>,
    /// Files that are not feed pages (skipped).
    pub skipped: Vec<String>,
    /// Listings imported from all pages (before de-duplication).
    pub listings: usize,
    /// The de-duplicated catalogue.
    pub dedup: Dedup,
    /// Display name of every listing id.
    pub names: HashMap<String, String>,
}

impl Catalogue {
    /// Events removed by their feed (cancelled / postponed), over all pages.
    pub fn removed(&self) -> usize {
        self.pages.iter().map(|p| p.report.removed.len()).sum()
    }

    /// Events rejected (a required field missing or bad), over all pages.
    pub fn rejected(&self) -> impl Iterator<Item = &Problem> {
        self.pages.iter().flat_map(|p| &p.report.rejected)
    }
}

/// Imports every `*.json` page of `dir` (see [`detect`]) and merges cross-listed events.
pub fn load(dir: &Path) -> DemoResult<Catalogue> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        })
        .collect();
    files.sort();
    let options = ImportOptions::default();
    let (mut pages, mut skipped, mut listings) = (Vec::new(), Vec::new(), Vec::<FeedEvent>::new());
    for path in files {
        let file = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {file}: {e}"))?;
        let Some(feed) = detect(&path, &bytes) else {
            skipped.push(file);
            continue;
        };
        let report = match feed {
            Feed::Ticketmaster => import_ticketmaster(bytes.as_slice(), &options),
            Feed::Eventbrite => import_eventbrite(bytes.as_slice(), &options),
        }
        .map_err(|e| format!("{file}: {e}"))?;
        listings.extend(report.events.iter().cloned());
        pages.push(Page { file, feed, report });
    }
    if listings.is_empty() {
        return Err(format!("no event imported from {}", dir.display()).into());
    }
    let names = listings
        .iter()
        .map(|e| (e.item.id.clone(), e.name.clone()))
        .collect();
    let dedup = deduplicate(&listings, &MatchConfig::default(), &AliasTable::new());
    Ok(Catalogue {
        pages,
        skipped,
        listings: listings.len(),
        dedup,
        names,
    })
}

/// Simulated users and interactions on the catalogue with [`Dataset::on_catalogue`]: the history
/// covers `cfg.days` days ending at `end`, on events starting up to the last one's date.
pub fn world(cat: &Catalogue, cfg: &SyntheticConfig, end: i64) -> Dataset {
    let mut cfg = cfg.clone();
    cfg.start = end - i64::from(cfg.days) * DAY;
    let last = cat
        .dedup
        .items
        .iter()
        .map(|i| i.starts_at)
        .max()
        .unwrap_or(end);
    cfg.lookahead_days = u32::try_from((last - cfg.start) / DAY + 1).unwrap_or(u32::MAX);
    Dataset::on_catalogue(&cfg, cat.dedup.items.clone())
}

/// Step 1 of the demo in feeds mode: import, de-duplicate, simulate; prints what it did.
pub fn step(
    dir: &Path,
    cfg: &SyntheticConfig,
    end: i64,
    out: &mut dyn Write,
) -> DemoResult<(Catalogue, Dataset)> {
    let t = Instant::now();
    let cat = load(dir)?;
    let data = world(&cat, cfg, end);
    writeln!(
        out,
        "1. Feed catalogue from {} ({} pages, {})",
        dir.display(),
        cat.pages.len(),
        table::duration(t.elapsed())
    )?;
    for p in &cat.pages {
        writeln!(
            out,
            "   {} ({}): {} imported · {} cancelled/postponed · {} rejected",
            p.file,
            p.feed.name(),
            p.report.events.len(),
            p.report.removed.len(),
            p.report.rejected.len()
        )?;
    }
    for file in &cat.skipped {
        writeln!(
            out,
            "   {file}: not a Ticketmaster or Eventbrite page, skipped"
        )?;
    }
    for problem in cat.rejected() {
        writeln!(
            out,
            "   rejected {}: {problem}",
            problem.id.as_deref().unwrap_or("?")
        )?;
    }
    write_dedup(&cat, out)?;
    let count = |kind: &str| data.interactions.iter().filter(|x| x.kind == kind).count() as u64;
    writeln!(
        out,
        "   SIMULATED (not from the feeds): {} users ({} with stated preferences) with hidden",
        table::int(data.user_count() as u64),
        table::int(data.preferences.len() as u64),
    )?;
    writeln!(
        out,
        "   tastes, {} interactions over {} days ({} clicks · {} saves · {} hides), generated",
        table::int(data.interactions.len() as u64),
        data.config.days,
        table::int(count(CLICK)),
        table::int(count(SAVE)),
        table::int(count(HIDE)),
    )?;
    writeln!(
        out,
        "   by craic::synthetic on the imported events (seed {}); the A/B visits are simulated too",
        data.config.seed
    )?;
    Ok((cat, data))
}

/// The de-duplication lines: counts and a few merges with their reasons.
fn write_dedup(cat: &Catalogue, out: &mut dyn Write) -> DemoResult<()> {
    let d = &cat.dedup;
    writeln!(
        out,
        "   de-duplication: {} listings → {} events; {} cross-listed events merged",
        cat.listings,
        d.items.len(),
        d.groups.len()
    )?;
    let name = |id: &str| cat.names.get(id).map_or("?", String::as_str).to_string();
    for g in d.groups.iter().take(3) {
        let Some(e) = g.explanations.first() else {
            continue;
        };
        writeln!(
            out,
            "     {} {:?} = {} {:?}",
            e.a,
            name(&e.a),
            e.b,
            name(&e.b)
        )?;
        writeln!(
            out,
            "       venue {} · start Δ {} min · name {:.2} · score {:.2}",
            e.venue.map_or("?".into(), |v| format!("{v:.2}")),
            e.start_delta_secs / 60,
            e.name,
            e.score
        )?;
    }
    Ok(())
}

/// The first `n` hybrid recommendations of `user` as of `now`, as `(id, name)`.
pub fn sample_recommendations(
    svc: &Service,
    cat: &Catalogue,
    user: &str,
    now: i64,
    n: usize,
) -> DemoResult<Vec<(String, String)>> {
    let req = Request::new(n).strategy(Strategy::Hybrid).now(now);
    Ok(svc
        .recommend(user, &req)?
        .into_iter()
        .map(|r| {
            let name = cat.names.get(&r.item_id).cloned().unwrap_or_default();
            (r.item_id, name)
        })
        .collect())
}

/// What the feeds step gave, for the summary.
#[derive(Debug, Clone)]
pub struct FeedSummary {
    /// Pages imported.
    pub pages: usize,
    /// Listings imported (both feeds, before de-duplication).
    pub listings: usize,
    /// Distinct events after de-duplication.
    pub events: usize,
    /// Cross-listed events merged (groups of listings).
    pub merged: usize,
    /// Events removed by their feed.
    pub removed: usize,
    /// Events rejected.
    pub rejected: usize,
    /// A user's hybrid recommendations after the A/B test, as `(id, name)`.
    pub sample: Vec<(String, String)>,
}

impl FeedSummary {
    /// The summary of `cat` with the sample recommendations.
    pub fn new(cat: &Catalogue, sample: Vec<(String, String)>) -> Self {
        FeedSummary {
            pages: cat.pages.len(),
            listings: cat.listings,
            events: cat.dedup.items.len(),
            merged: cat.dedup.groups.len(),
            removed: cat.removed(),
            rejected: cat.rejected().count(),
            sample,
        }
    }
}

/// After the A/B test: one simulated user's hybrid list, by name; returns the summary.
pub fn write_sample(
    svc: &Service,
    cat: &Catalogue,
    data: &Dataset,
    now: i64,
    out: &mut dyn Write,
) -> DemoResult<FeedSummary> {
    let user = data
        .preferences
        .first()
        .map_or_else(|| Dataset::user_id(0), |(u, _)| u.clone());
    let sample = sample_recommendations(svc, cat, &user, now, 5)?;
    writeln!(out, "   hybrid recommendations for simulated user {user}:")?;
    for (id, name) in &sample {
        let name: String = name.chars().take(60).collect();
        writeln!(out, "     {id}  {name}")?;
    }
    Ok(FeedSummary::new(cat, sample))
}
