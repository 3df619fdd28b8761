//! The demo's steps, callable from `main` and from `tests/demo.rs`; what to run is an
//! [`Options`] (`options.rs`), what it measured a [`Summary`] (`summary.rs`).

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use craic::monitoring::SeriesValue;
use craic::service::{RetrainOutcome, Service};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Strategy, CLICK, HIDE, SAVE};
use craic_store::BlockingStore;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::feeds::Catalogue;
pub use crate::options::{DemoResult, Options};
use crate::simulate::DAY;
pub use crate::summary::{Latency, Summary};
use crate::table::{self, Align, Table};

pub(crate) fn spinner(progress: bool, msg: &'static str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, target(progress));
    pb.set_style(
        ProgressStyle::with_template("  {spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg);
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

pub(crate) fn target(progress: bool) -> ProgressDrawTarget {
    if progress {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// The first second of a UTC day at least one full day ahead of the wall clock. The history
/// ends there and the A/B test runs after it, so every simulated conversion happens after its
/// (wall-clock stamped) exposure; whole days keep the data identical from run to run.
fn anchor() -> DemoResult<i64> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    Ok((now.div_euclid(DAY) + 2) * DAY)
}

/// Runs the whole demo, writing the human-readable account to `out` and the HTML report to
/// `options.report_path`.
pub fn run(options: &Options, out: &mut dyn Write) -> DemoResult<Summary> {
    let t_all = Instant::now();
    let mut timings = Vec::new();
    let title = match options.feeds {
        None => "a synthetic city,",
        Some(_) => "ticketing-feed events with simulated users,",
    };
    writeln!(
        out,
        "craic demo: {title} trained, A/B-tested and retrained in-process"
    )?;
    writeln!(out)?;

    // 1. Generate, or import the feeds and simulate users on them; store it.
    let end = anchor()?;
    let (data, catalogue, store) = prepare(options, end, &mut timings, out)?;

    // 2. Offline evaluation on a time split.
    let t = Instant::now();
    let (offline, offline_users) = crate::offline::step(options, &data, out)?;
    timings.push(("offline evaluation", t.elapsed()));

    // 3. The service, the experiment and the simulated A/B test.
    let ab = crate::ab::step(options, &data, store, end, &mut timings, out)?;
    let feeds = match &catalogue {
        Some(cat) => {
            let now = end + i64::from(options.ab_days) * DAY;
            Some(crate::feeds::write_sample(&ab.svc, cat, &data, now, out)?)
        }
        None => None,
    };
    writeln!(out)?;
    let svc = ab.svc;

    // 4. Gated retrain and hot swap.
    let t = Instant::now();
    let pb = spinner(options.progress, "retraining (holdout, gate, swap)");
    let retrain = svc.retrain_blocking(None)?;
    pb.finish_and_clear();
    timings.push(("retrain", t.elapsed()));
    write_retrain(out, &retrain, &svc)?;
    writeln!(out)?;

    // 5. Metrics.
    let now = end + i64::from(options.ab_days) * DAY;
    let (latency, cache) = write_metrics(&svc, now, out)?;

    // 6. The HTML report.
    let mut summary = Summary {
        users: data.user_count(),
        items: data.items.len(),
        interactions: data.interactions.len(),
        cities: data.cities.len(),
        offline,
        offline_users,
        ab: ab.report,
        ab_totals: ab.totals,
        ab_days: options.ab_days,
        bored: ab.bored,
        retrain,
        latency,
        cache,
        timings,
        elapsed: t_all.elapsed(),
        feeds,
    };
    let html = crate::report::render(&summary);
    std::fs::write(&options.report_path, html)
        .map_err(|e| format!("cannot write {}: {e}", options.report_path.display()))?;
    summary.elapsed = t_all.elapsed();
    writeln!(
        out,
        "6. Report written to {}",
        options.report_path.display()
    )?;
    writeln!(out, "   done in {}", table::duration(summary.elapsed))?;
    Ok(summary)
}

/// Step 1: the synthetic city, or the feeds' events with simulated users, with history ending
/// at `end`, written to the store (`options.store_url`, else an SQLite file).
fn prepare(
    options: &Options,
    end: i64,
    timings: &mut Vec<(&'static str, Duration)>,
    out: &mut dyn Write,
) -> DemoResult<(Dataset, Option<Catalogue>, Arc<BlockingStore>)> {
    let t = Instant::now();
    let (data, catalogue) = match &options.feeds {
        None => (synthetic_city(&options.synthetic, end, out)?, None),
        Some(dir) => {
            let (cat, data) = crate::feeds::step(dir, &options.synthetic, end, out)?;
            (data, Some(cat))
        }
    };
    timings.push(("generate", t.elapsed()));
    let t = Instant::now();
    let (store, place) = crate::storage::open(options.store_url.as_deref())?;
    crate::storage::fill(&store, &data)?;
    timings.push(("store ingest", t.elapsed()));
    writeln!(
        out,
        "   stored in {}: {place}",
        table::duration(t.elapsed())
    )?;
    writeln!(out)?;

    Ok((data, catalogue, store))
}

/// Step 5: an excerpt of `/metrics`, the latency by strategy, the cache and drift; returns the
/// latency rows and (cache hits, misses) for the report.
fn write_metrics(
    svc: &Service,
    now: i64,
    out: &mut dyn Write,
) -> DemoResult<(Vec<Latency>, (u64, u64))> {
    let drift = svc.drift_report_at(now);
    let text = svc.metrics_text();
    let latency = latencies(svc);
    let cache = (
        sample(&text, "craic_cache_hits_total").unwrap_or(0.0) as u64,
        sample(&text, "craic_cache_misses_total").unwrap_or(0.0) as u64,
    );
    writeln!(
        out,
        "5. /metrics (excerpt; {} lines in full)",
        text.lines().count()
    )?;
    for line in excerpt(&text) {
        writeln!(out, "   {line}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "   recommend latency by strategy (from the service's histograms):"
    )?;
    let mut t_lat = Table::new(&[
        ("strategy", Align::Left),
        ("calls", Align::Right),
        ("mean µs", Align::Right),
        ("p50 µs", Align::Right),
        ("p95 µs", Align::Right),
        ("p99 µs", Align::Right),
    ]);
    for l in &latency {
        t_lat.row(vec![
            l.strategy.clone(),
            table::int(l.count),
            format!("{:.0}", l.mean),
            format!("{:.0}", l.p50),
            format!("{:.0}", l.p95),
            format!("{:.0}", l.p99),
        ]);
    }
    write!(out, "{}", t_lat.render("   "))?;
    let hit_rate = cache.0 as f64 / (cache.0 + cache.1).max(1) as f64;
    writeln!(
        out,
        "   cache: {} hits, {} misses ({} hit rate)",
        table::int(cache.0),
        table::int(cache.1),
        table::pct(hit_rate, 1)
    )?;
    let psi: Vec<String> = drift
        .features
        .iter()
        .map(|f| match &f.report {
            Some(r) => format!("{} {:.3}", f.feature, r.psi),
            None => format!("{} n/a", f.feature),
        })
        .collect();
    writeln!(
        out,
        "   drift PSI, last simulated day vs training (≥ 0.25 significant; the simulation"
    )?;
    writeln!(out, "   records only saves): {}", psi.join(" · "))?;
    writeln!(out)?;

    Ok((latency, cache))
}

/// Step 1 of the default demo: the synthetic city, history ending at `end`.
fn synthetic_city(
    synthetic: &SyntheticConfig,
    end: i64,
    out: &mut dyn Write,
) -> DemoResult<Dataset> {
    let mut cfg = synthetic.clone();
    cfg.start = end - i64::from(cfg.days) * DAY;
    let t = Instant::now();
    let data = Dataset::generate(&cfg);
    let count = |kind: &str| data.interactions.iter().filter(|x| x.kind == kind).count() as u64;
    writeln!(
        out,
        "1. Synthetic city (seed {}, {})",
        cfg.seed,
        table::duration(t.elapsed())
    )?;
    writeln!(
        out,
        "   {} users ({} with stated preferences) · {} events · {} cities",
        table::int(data.user_count() as u64),
        table::int(data.preferences.len() as u64),
        table::int(data.items.len() as u64),
        data.cities.len(),
    )?;
    writeln!(
        out,
        "   {} interactions over {} days: {} clicks · {} saves · {} hides",
        table::int(data.interactions.len() as u64),
        cfg.days,
        table::int(count(CLICK)),
        table::int(count(SAVE)),
        table::int(count(HIDE)),
    )?;
    Ok(data)
}

fn write_retrain(out: &mut dyn Write, r: &RetrainOutcome, svc: &Service) -> DemoResult<()> {
    let verdict = if r.accepted() { "ACCEPTED" } else { "REJECTED" };
    writeln!(
        out,
        "4. Retrain with the gate: {verdict} in {}",
        table::duration(r.duration)
    )?;
    match &r.new_version {
        Some(v) => writeln!(out, "   hot-swapped {} → {v}", r.old_version)?,
        None => writeln!(out, "   still serving {}", r.old_version)?,
    }
    if let Some(why) = &r.rejection {
        writeln!(out, "   reason: {why}")?;
    }
    writeln!(
        out,
        "   holdout: latest {} of {} interactions (the simulated saves included)",
        table::int(r.holdout_interactions as u64),
        table::int((r.train_interactions + r.holdout_interactions) as u64)
    )?;
    let m = &r.metrics;
    let k = m.candidate.k;
    writeln!(
        out,
        "   NDCG@{k}: candidate {:.4} · serving config {:.4} · popularity {:.4}",
        m.candidate.ndcg, m.serving.ndcg, m.popularity.ndcg
    )?;
    writeln!(
        out,
        "   candidate P@{k} {:.4} · R@{k} {:.4} · HR@{k} {:.4} · coverage {:.4} ({} users)",
        m.candidate.precision,
        m.candidate.recall,
        m.candidate.hit_rate,
        m.candidate.coverage,
        table::int(m.candidate.users as u64)
    )?;
    let gate = &svc.options().retrain.gate;
    writeln!(
        out,
        "   gate: candidate ≥ serving × {:.2}{}",
        1.0 - gate.max_relative_drop,
        if gate.must_beat_popularity {
            " and > popularity"
        } else {
            ""
        }
    )?;
    Ok(())
}

/// The value of an unlabelled or fully labelled series in Prometheus text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// The interesting lines of the exposition: no comments, no histogram buckets.
fn excerpt(text: &str) -> Vec<&str> {
    const KEEP: [&str; 11] = [
        "craic_requests_total",
        "craic_recommend_duration_seconds_count",
        "craic_recommend_duration_seconds_sum",
        "craic_record_duration_seconds_count",
        "craic_record_duration_seconds_sum",
        "craic_cache_",
        "craic_experiment_",
        "craic_model_info",
        "craic_retrains_total",
        "craic_last_retrain",
        "craic_interactions_recorded_total",
    ];
    text.lines()
        .filter(|l| !l.starts_with('#') && KEEP.iter().any(|k| l.starts_with(k)))
        .collect()
}

/// Per-strategy latency from the service's `craic_recommend_duration_seconds` histograms, for
/// the strategies that served requests.
fn latencies(svc: &Service) -> Vec<Latency> {
    let snap = svc.metrics_registry().snapshot();
    let us = |n: Option<u64>| n.map_or(0.0, |n| n as f64 / 1e3);
    let mut out: Vec<Latency> = snap
        .families
        .iter()
        .filter(|f| f.name == "craic_recommend_duration_seconds")
        .flat_map(|f| &f.series)
        .filter_map(|s| {
            let SeriesValue::Histogram(h) = &s.value else {
                return None;
            };
            // Every strategy has a series from the start; one never served (the opt-in
            // item_based here) has no latency to show.
            if h.count() == 0 {
                return None;
            }
            let strategy = s
                .labels
                .iter()
                .find(|(k, _)| k == "strategy")
                .map_or_else(String::new, |(_, v)| v.clone());
            Some(Latency {
                strategy,
                count: h.count(),
                p50: us(h.quantile(0.5)),
                p95: us(h.quantile(0.95)),
                p99: us(h.quantile(0.99)),
                mean: h.mean().map_or(0.0, |m| m / 1e3),
            })
        })
        .collect();
    let rank = |s: &str| Strategy::ALL.iter().position(|x| x.as_str() == s);
    out.sort_by_key(|l| rank(&l.strategy));
    out
}
