//! The A/B test again, with bored users: a second two-week simulation where the chance to save
//! an event falls with each showing of it without a save ([`simulate::BOREDOM`]), comparing the
//! hybrid ranking (control) with the same ranking re-ranked for variety, and with the lists
//! logged as impressions so that exposure-aware demotion acts (the engine's default
//! `Config::exposure_demotion`; nothing else differs).
//!
//! It runs on its own service built from the same training log, so the default simulation stays
//! exactly as it was. Every arm serves the hybrid strategy; what differs is the request and
//! whether the shown lists are logged: the [`ARMS`] table, one line per arm.

use craic::experiments::{Experiment, Report, StatsConfig};
use craic::service::{Service, ServiceOptions, TrainingData};
use craic::synthetic::Dataset;
use craic::{Config, Request, Strategy};
use indicatif::ProgressBar;

use crate::simulate::{self, AbSettings, AbTotals, BOREDOM};

/// The experiment's key.
pub const EXPERIMENT: &str = "home-feed-bored";

/// The diversity arm's re-ranking: the trade-off and the caps.
pub const DIVERSITY: f64 = 0.3;
/// At most this many events of one artist in the diversity arm's list.
pub const MAX_PER_ARTIST: usize = 1;
/// At most this many events at one venue in the diversity arm's list.
pub const MAX_PER_VENUE: usize = 2;

/// How an arm changes the plain request of a visit.
pub type Tweak = fn(Request) -> Request;

/// The arms, control first, equal weights: a name, how the arm changes the plain request, and
/// whether the lists it shows are logged as impressions (which demotes events shown again and
/// again without a save, for that user only).
pub const ARMS: [(&str, Tweak, bool); 3] = [
    ("control", |r| r, false),
    (
        "diversity",
        |r| {
            r.diversity(DIVERSITY)
                .max_per_artist(MAX_PER_ARTIST)
                .max_per_venue(MAX_PER_VENUE)
        },
        false,
    ),
    ("demotion", |r| r, true),
];

/// The experiment: every arm serves the hybrid strategy, with equal weights.
pub fn experiment() -> craic::Result<Experiment> {
    let w = 1.0 / ARMS.len() as f64;
    ARMS.iter()
        .fold(Experiment::builder(EXPERIMENT), |b, (name, _, _)| {
            b.variant(*name, w, Strategy::Hybrid)
        })
        .build()
}

/// Runs the bored simulation with the default settings `s` (the same visits, boredom switched
/// on) on a fresh service trained on `train`; returns the totals and the report.
pub fn run(
    data: &Dataset,
    train: TrainingData,
    s: &AbSettings,
    bar: &ProgressBar,
) -> Result<(AbTotals, Report), Box<dyn std::error::Error>> {
    let svc = Service::build(Config::default(), train, ServiceOptions::default())?;
    let exp = experiment()?;
    svc.register_experiment(exp.clone())?;
    let settings = AbSettings {
        boredom: Some(BOREDOM),
        ..s.clone()
    };
    let request = |user: &str, at: i64| {
        let plain = Request::new(s.k).now(at);
        match exp.assign(user) {
            Some(a) => (ARMS[a.index].1)(plain),
            None => plain,
        }
    };
    let logs = |user: &str| exp.assign(user).is_some_and(|a| ARMS[a.index].2);
    let totals = simulate::run_experiment(&svc, data, &settings, EXPERIMENT, &request, &logs, bar)?;
    let report = svc.experiment_report(EXPERIMENT, &StatsConfig::default())?;
    Ok((totals, report))
}

/// Step 3b of the demo: runs the bored simulation and writes its account to `out`.
pub fn step(
    data: &Dataset,
    s: &AbSettings,
    bar: &ProgressBar,
    out: &mut dyn std::io::Write,
) -> Result<(AbTotals, Report), Box<dyn std::error::Error>> {
    let train = TrainingData {
        items: data.items.clone(),
        preferences: data.preferences.clone(),
        interactions: data.interactions.clone(),
        removed: Vec::new(),
    };
    let (totals, ab) = run(data, train, s, bar)?;
    writeln!(
        out,
        "   with bored users (experiment {EXPERIMENT:?}, the same visits on a fresh service):"
    )?;
    writeln!(
        out,
        "   each earlier showing of an event without a save multiplies its save chance by {};",
        BOREDOM.decay
    )?;
    writeln!(
        out,
        "   every arm serves hybrid; \"diversity\" re-ranks (diversity {DIVERSITY}, \
         ≤ {MAX_PER_ARTIST}/artist, ≤ {MAX_PER_VENUE}/venue);"
    )?;
    writeln!(
        out,
        "   \"demotion\" logs what it shows as impressions (exposure-aware demotion)"
    )?;
    writeln!(
        out,
        "   {} visits · {} events shown · {} saves",
        crate::table::int(totals.visits),
        crate::table::int(totals.shown),
        crate::table::int(totals.saves)
    )?;
    write!(out, "{}", simulate::ab_table(&ab).render("   "))?;
    Ok((totals, ab))
}
