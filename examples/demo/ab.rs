//! Step 3 of the demo: the service opened on the store, the experiment registered and the
//! two-week A/B test simulated — with the default simulated users, then with users who get bored
//! of events shown to them again (`boredom.rs`).

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use craic::experiments::{Report, StatsConfig};
use craic::service::{Service, ServiceOptions};
use craic::synthetic::Dataset;
use craic::Config;
use craic_store::BlockingStore;
use indicatif::{ProgressBar, ProgressStyle};

use crate::options::{DemoResult, Options};
use crate::run::{spinner, target};
use crate::simulate::{self, AbSettings, AbTotals, EXPERIMENT};
use crate::table;

/// What step 3 leaves for the rest of the demo.
pub struct AbStep {
    /// The service, serving and retraining from the store.
    pub svc: Service,
    /// The experiment's report with the default simulated users.
    pub report: Report,
    /// Visits, shown events and saves of that simulation.
    pub totals: AbTotals,
    /// The same with bored users.
    pub bored: (AbTotals, Report),
}

/// Opens the service on `store`, registers the experiment, simulates `options.ab_days` days of
/// visits from `end` (plain, then bored users) and writes the results.
pub fn step(
    options: &Options,
    data: &Dataset,
    store: Arc<BlockingStore>,
    end: i64,
    timings: &mut Vec<(&'static str, std::time::Duration)>,
    out: &mut dyn Write,
) -> DemoResult<AbStep> {
    let k = options.k;
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
    let totals = simulate::run(&svc, data, &settings, &bar)?;
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
    let (bored_totals, bored) = crate::boredom::step(data, &settings, &ProgressBar::hidden(), out)?;
    timings.push(("A/B simulation, bored users", t.elapsed()));

    Ok(AbStep {
        svc,
        report: ab,
        totals,
        bored: (bored_totals, bored),
    })
}
