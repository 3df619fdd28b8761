//! The demo's steps, callable from `main` and from `tests/demo.rs`.

use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use craic::evaluation::{evaluate_lists, time_split, Metrics, Relevance};
use craic::experiments::{Report, StatsConfig};
use craic::monitoring::SeriesValue;
use craic::service::{RetrainOutcome, Service, ServiceOptions};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Engine, Request, Strategy, CLICK, HIDE, SAVE};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::feeds::FeedSummary;
use crate::simulate::{self, AbSettings, AbTotals, DAY, EXPERIMENT};
use crate::table::{self, Align, Table};

/// Boxed error of the demo.
pub type DemoResult<T> = Result<T, Box<dyn Error>>;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Size and shape of the synthetic city (its `start` is replaced, see [`run`]).
    pub synthetic: SyntheticConfig,
    /// Share of the interaction log (latest) held out by the offline evaluation.
    pub test_fraction: f64,
    /// Cut-off of the ranking metrics and length of the shown lists.
    pub k: usize,
    /// Days of the simulated A/B test.
    pub ab_days: u32,
    /// Chance that a user visits on a given day.
    pub daily_visit_share: f64,
    /// Each shown item converts with probability `affinity × conversion_scale`.
    pub conversion_scale: f64,
    /// Where `report.html` is written.
    pub report_path: PathBuf,
    /// Draw progress bars (on stderr).
    pub progress: bool,
    /// The store (`sqlite:///path.db`, `mysql://...`; must be empty). `None`: a fresh SQLite
    /// file in the temp directory.
    pub store_url: Option<String>,
    /// Import the catalogue from the feed pages of this directory instead of generating it
    /// (`synthetic` then sizes the simulated users and interactions).
    pub feeds: Option<PathBuf>,
}

impl Options {
    /// The default demo: 8 cities, 20 000 users, 3 000 events, 300 000 interactions.
    pub fn city() -> Self {
        Options {
            synthetic: SyntheticConfig {
                users: 20_000,
                items: 3_000,
                interactions: 300_000,
                cities: 6,
                genres: 16,
                artists: 800,
                venues_per_city: 16,
                clusters: 48,
                ..SyntheticConfig::small()
            },
            test_fraction: 0.2,
            k: 10,
            ab_days: 14,
            daily_visit_share: 0.08,
            conversion_scale: 0.08,
            report_path: PathBuf::from("report.html"),
            progress: false,
            store_url: None,
            feeds: None,
        }
    }

    /// The feeds demo on the pages of `dir`: 2 000 simulated users, 40 000 interactions over
    /// 60 days (`tiny`: 300 users, 6 000 interactions, 7 A/B days).
    pub fn feeds(dir: PathBuf, tiny: bool, report_path: PathBuf) -> Self {
        let base = if tiny {
            Options::tiny(report_path)
        } else {
            Options {
                report_path,
                ..Options::city()
            }
        };
        let (users, interactions) = if tiny { (300, 6_000) } else { (2_000, 40_000) };
        Options {
            synthetic: SyntheticConfig {
                users,
                interactions,
                clusters: 12,
                days: 60,
                ..base.synthetic
            },
            daily_visit_share: 0.2,
            feeds: Some(dir),
            ..base
        }
    }

    /// A tiny run for tests (200 users, 2 000 interactions).
    pub fn tiny(report_path: PathBuf) -> Self {
        Options {
            synthetic: SyntheticConfig::tiny(),
            ab_days: 7,
            daily_visit_share: 0.3,
            report_path,
            ..Options::city()
        }
    }
}

/// Latency of one strategy's `recommend` calls, from the service's histogram (microseconds).
#[derive(Debug, Clone)]
pub struct Latency {
    /// The strategy label.
    pub strategy: String,
    /// Calls.
    pub count: u64,
    /// Quantiles in µs.
    pub p50: f64,
    /// 95th percentile in µs.
    pub p95: f64,
    /// 99th percentile in µs.
    pub p99: f64,
    /// Mean in µs.
    pub mean: f64,
}

/// Everything the demo measured.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Dataset sizes.
    pub users: usize,
    /// Events in the catalogue.
    pub items: usize,
    /// Interactions generated.
    pub interactions: usize,
    /// Cities.
    pub cities: usize,
    /// Offline metrics per strategy (time split).
    pub offline: Vec<(Strategy, Metrics)>,
    /// Users evaluated offline.
    pub offline_users: usize,
    /// The A/B statistics report.
    pub ab: Report,
    /// A/B simulation totals.
    pub ab_totals: AbTotals,
    /// Simulated days.
    pub ab_days: u32,
    /// The simulation with bored users: totals and report (`boredom.rs`).
    pub bored: (AbTotals, Report),
    /// The retrain.
    pub retrain: RetrainOutcome,
    /// Recommend latency per strategy.
    pub latency: Vec<Latency>,
    /// Cache hits and misses.
    pub cache: (u64, u64),
    /// Wall-clock time of each step, in order.
    pub timings: Vec<(&'static str, Duration)>,
    /// Total wall-clock time.
    pub elapsed: Duration,
    /// The imported catalogue (`--feeds`).
    pub feeds: Option<FeedSummary>,
}

fn spinner(progress: bool, msg: &'static str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, target(progress));
    pb.set_style(
        ProgressStyle::with_template("  {spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg);
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

fn target(progress: bool) -> ProgressDrawTarget {
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
    let k = options.k;
    let title = match options.feeds {
        None => "a synthetic city,",
        Some(_) => "ticketing-feed events with simulated users,",
    };
    writeln!(
        out,
        "craic demo: {title} trained, A/B-tested and retrained in-process"
    )?;
    writeln!(out)?;

    // 1. Generate, or import the feeds and simulate users on them.
    let end = anchor()?;
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

    // 2. Offline evaluation on a time split.
    let t = Instant::now();
    let pb = spinner(options.progress, "training on the time split");
    let split = time_split(&data.interactions, options.test_fraction);
    let engine = Engine::build(
        data.items.clone(),
        &split.train,
        data.preferences.clone(),
        Config::default(),
    )?;
    pb.set_message("evaluating the four strategies");
    let relevant = Relevance::default().relevant_items(&split.test);
    let info = engine.catalogue_info();
    let offline: Vec<(Strategy, Metrics)> = Strategy::ALL
        .iter()
        .map(|&s| {
            let req = Request::new(k).strategy(s).now(split.cutoff);
            let m = evaluate_lists(&relevant, k, &info, |u| {
                engine
                    .recommend(u, &req)
                    .map(|r| r.into_iter().map(|r| r.item_id).collect())
                    .unwrap_or_default()
            });
            (s, m)
        })
        .collect();
    drop(engine);
    pb.finish_and_clear();
    timings.push(("offline evaluation", t.elapsed()));
    let offline_users = offline.first().map_or(0, |(_, m)| m.users);
    writeln!(
        out,
        "2. Offline evaluation @{k} ({})",
        table::duration(t.elapsed())
    )?;
    writeln!(
        out,
        "   time split: train on the first {} of the log, test on the last {} ({} users",
        table::pct(1.0 - options.test_fraction, 0),
        table::pct(options.test_fraction, 0),
        table::int(offline_users as u64)
    )?;
    writeln!(
        out,
        "   with a save or click there), recommending as of the split time"
    )?;
    let mut t_off = Table::new(&[
        ("strategy", Align::Left),
        ("precision", Align::Right),
        ("recall", Align::Right),
        ("NDCG", Align::Right),
        ("hit rate", Align::Right),
        ("coverage", Align::Right),
        ("ILD", Align::Right),
        ("novelty", Align::Right),
        ("Gini", Align::Right),
    ]);
    for (s, m) in &offline {
        t_off.row(vec![
            s.to_string(),
            format!("{:.4}", m.precision),
            format!("{:.4}", m.recall),
            format!("{:.4}", m.ndcg),
            format!("{:.4}", m.hit_rate),
            format!("{:.4}", m.coverage),
            format!("{:.3}", m.intra_list_diversity),
            format!("{:.2}", m.novelty),
            format!("{:.3}", m.gini),
        ]);
    }
    write!(out, "{}", t_off.render("   "))?;
    writeln!(out)?;

    // 3. The service, the experiment and the simulated A/B test.
    let t = Instant::now();
    let pb = spinner(options.progress, "building the service from the store");
    let svc = Service::open(store, Config::default(), ServiceOptions::default())?;
    svc.register_experiment(simulate::experiment()?)?;
    pb.finish_and_clear();
    let build_time = t.elapsed();
    timings.push(("service build", build_time));
    let settings = AbSettings {
        days: options.ab_days,
        daily_visit_share: options.daily_visit_share,
        conversion_scale: options.conversion_scale,
        k,
        start: end,
        seed: data.config.seed ^ 0xAB,
        boredom: None,
    };
    let t = Instant::now();
    let bar = ProgressBar::with_draw_target(Some(0), target(options.progress));
    bar.set_style(
        ProgressStyle::with_template(
            "  simulating visits [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let totals = simulate::run(&svc, &data, &settings, &bar)?;
    bar.finish_and_clear();
    timings.push(("A/B simulation", t.elapsed()));
    let ab = svc.experiment_report(EXPERIMENT, &StatsConfig::default())?;
    writeln!(
        out,
        "3. Service built in {}; A/B test {EXPERIMENT:?} simulated in {}",
        table::duration(build_time),
        table::duration(t.elapsed())
    )?;
    writeln!(
        out,
        "   {} days · {} visits · {} events shown · {} saves; each shown event is saved with",
        options.ab_days,
        table::int(totals.visits),
        table::int(totals.shown),
        table::int(totals.saves)
    )?;
    writeln!(
        out,
        "   probability {} × hidden affinity (first save ends the visit)",
        options.conversion_scale
    )?;
    write!(out, "{}", simulate::ab_table(&ab).render("   "))?;
    for line in simulate::ab_notes(&ab) {
        writeln!(out, "   {line}")?;
    }
    let t = Instant::now();
    let (bored_totals, bored) =
        crate::boredom::step(&data, &settings, &ProgressBar::hidden(), out)?;
    timings.push(("A/B simulation, bored users", t.elapsed()));
    let feeds = match &catalogue {
        Some(cat) => {
            let now = end + i64::from(options.ab_days) * DAY;
            Some(crate::feeds::write_sample(&svc, cat, &data, now, out)?)
        }
        None => None,
    };
    writeln!(out)?;

    // 4. Gated retrain and hot swap.
    let t = Instant::now();
    let pb = spinner(options.progress, "retraining (holdout, gate, swap)");
    let retrain = svc.retrain_blocking(None)?;
    pb.finish_and_clear();
    timings.push(("retrain", t.elapsed()));
    write_retrain(out, &retrain, &svc)?;
    writeln!(out)?;

    // 5. Metrics.
    let drift = svc.drift_report_at(end + i64::from(options.ab_days) * DAY);
    let text = svc.metrics_text();
    let latency = latencies(&svc);
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

    // 6. The HTML report.
    let mut summary = Summary {
        users: data.user_count(),
        items: data.items.len(),
        interactions: data.interactions.len(),
        cities: data.cities.len(),
        offline,
        offline_users,
        ab,
        ab_totals: totals,
        ab_days: options.ab_days,
        bored: (bored_totals, bored),
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

/// Per-strategy latency from the service's `craic_recommend_duration_seconds` histograms.
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
