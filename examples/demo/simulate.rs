//! The simulated A/B test: users visit, see their variant's list, and sometimes save an event.

use craic::experiments::{Experiment, Report};

use crate::table::{self, Align, Table};
use craic::rng::SplitMix64;
use craic::service::Service;
use craic::synthetic::Dataset;
use craic::{Impression, Interaction, Request, Strategy, SAVE};
use indicatif::ProgressBar;
use std::collections::HashMap;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The experiment's key.
pub const EXPERIMENT: &str = "home-feed";

/// The five arms, control first, equal weights.
pub const VARIANTS: [(&str, Strategy); 5] = [
    ("control", Strategy::Popularity),
    ("collaborative", Strategy::Collaborative),
    ("content", Strategy::Content),
    ("hybrid", Strategy::Hybrid),
    ("item_based", Strategy::ItemBased),
];

/// Settings of the simulation.
#[derive(Debug, Clone)]
pub struct AbSettings {
    /// Simulated days, starting at `start`.
    pub days: u32,
    /// Chance that a given user visits on a given day.
    pub daily_visit_share: f64,
    /// Each shown item converts with probability `affinity × conversion_scale`.
    pub conversion_scale: f64,
    /// Length of the shown list.
    pub k: usize,
    /// First simulated second (unix).
    pub start: i64,
    /// Seed of the visit and conversion draws.
    pub seed: u64,
    /// Simulated users get bored of events shown to them without a save (off by default).
    pub boredom: Option<Boredom>,
}

/// The boredom model: a user's chance to save an event they have already been shown `n` times
/// without saving it is the usual `affinity × conversion_scale` times `decay^n`. The same for
/// every variant; the constant was chosen before any run looked at the results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boredom {
    /// Factor per earlier showing without a save.
    pub decay: f64,
}

/// The boredom model of the demo: each earlier showing without a save halves the chance.
pub const BOREDOM: Boredom = Boredom { decay: 0.5 };

/// Totals of the simulation.
#[derive(Debug, Clone, Copy, Default)]
pub struct AbTotals {
    /// Home-feed visits served.
    pub visits: u64,
    /// Items shown.
    pub shown: u64,
    /// Saves recorded (at most one per visit).
    pub saves: u64,
}

/// The experiment with its five equal-weight variants.
pub fn experiment() -> craic::Result<Experiment> {
    VARIANTS
        .iter()
        .fold(Experiment::builder(EXPERIMENT), |b, (name, strategy)| {
            b.variant(*name, 1.0 / VARIANTS.len() as f64, *strategy)
        })
        .build()
}

/// One day's visits, `(time, user index)` sorted by time.
fn visits_of_day(
    data: &Dataset,
    s: &AbSettings,
    day: u32,
    rng: &mut SplitMix64,
) -> Vec<(i64, usize)> {
    let day_start = s.start + i64::from(day) * DAY;
    let mut visits: Vec<(i64, usize)> = (0..data.user_count())
        .filter_map(|u| {
            // Draw the time whether or not the user visits, so streams stay aligned.
            let at = day_start + rng.below(DAY as u64) as i64;
            rng.chance(s.daily_visit_share).then_some((at, u))
        })
        .collect();
    visits.sort_unstable();
    visits
}

/// Runs the simulation against `svc` (the experiment must be registered). Every visit is a
/// `recommend_in_experiment` call; a save is recorded through `Service::record`, so the service
/// attributes it to the user's variant.
pub fn run(
    svc: &Service,
    data: &Dataset,
    s: &AbSettings,
    bar: &ProgressBar,
) -> Result<AbTotals, Box<dyn std::error::Error>> {
    run_experiment(
        svc,
        data,
        s,
        EXPERIMENT,
        &|_, at| Request::new(s.k).now(at),
        &|_| false,
        bar,
    )
}

/// [`run`] on experiment `key`, with the request of each visit (`user`, time) from `request`;
/// the lists shown to the users for whom `logs_impressions` is true are recorded as impressions
/// (`Service::record_impressions`, rank = position), which feeds exposure-aware demotion.
pub fn run_experiment(
    svc: &Service,
    data: &Dataset,
    s: &AbSettings,
    key: &str,
    request: &dyn Fn(&str, i64) -> Request,
    logs_impressions: &dyn Fn(&str) -> bool,
    bar: &ProgressBar,
) -> Result<AbTotals, Box<dyn std::error::Error>> {
    let root = SplitMix64::new(s.seed);
    let mut convert_rng = root.fork(2);
    let days: Vec<Vec<(i64, usize)>> = {
        let mut visit_rng = root.fork(1);
        (0..s.days)
            .map(|d| visits_of_day(data, s, d, &mut visit_rng))
            .collect()
    };
    bar.set_length(days.iter().map(|v| v.len() as u64).sum());
    let mut totals = AbTotals::default();
    // Showings without a save so far, per (user, item), for the boredom model.
    let mut ignored: HashMap<(usize, String), i32> = HashMap::new();
    for (day, visits) in days.iter().enumerate() {
        for &(at, u) in visits {
            let user = Dataset::user_id(u);
            let exposure = format!("{key}|{user}|day{day}");
            let req = request(&user, at);
            let shown = svc.recommend_in_experiment_with_id(key, &user, &req, Some(&exposure))?;
            totals.visits += 1;
            totals.shown += shown.recommendations.len() as u64;
            if logs_impressions(&user) {
                let seen: Vec<Impression> = (shown.recommendations.iter().enumerate())
                    .map(|(pos, r)| Impression::new(&user, &r.item_id, at, pos as i64))
                    .collect();
                svc.record_impressions(&seen)?;
            }
            for (pos, rec) in shown.recommendations.iter().enumerate() {
                let mut p = data.affinity(&user, &rec.item_id) * s.conversion_scale;
                if let Some(b) = s.boredom {
                    let n = ignored.entry((u, rec.item_id.clone())).or_insert(0);
                    p *= b.decay.powi(*n);
                    *n += 1;
                }
                if convert_rng.chance(p) {
                    let t = at + 20 + 15 * pos as i64;
                    svc.record(&[Interaction::new(&user, &rec.item_id, SAVE, t)])?;
                    totals.saves += 1;
                    break;
                }
            }
            bar.inc(1);
        }
    }
    Ok(totals)
}

/// The A/B statistics as a table.
pub fn ab_table(ab: &Report) -> Table {
    let mut t = Table::new(&[
        ("variant", Align::Left),
        ("exposed", Align::Right),
        ("converted", Align::Right),
        ("rate %", Align::Right),
        ("95 % CI", Align::Right),
        ("lift %", Align::Right),
        ("lift 95 % CI", Align::Right),
        ("p-value", Align::Right),
        ("decision", Align::Left),
    ]);
    for v in &ab.variants {
        let (rate, ci) = match &v.conversion_rate {
            Some(e) => (
                format!("{:.1}", e.value * 100.0),
                format!("{:.1}–{:.1}", e.lower * 100.0, e.upper * 100.0),
            ),
            None => ("–".into(), "–".into()),
        };
        let (lift, lift_ci, p, decision) = match &v.comparison {
            None => (
                "control".into(),
                String::new(),
                String::new(),
                String::new(),
            ),
            Some(c) => {
                let (lift, lift_ci) = match &c.relative_lift {
                    Some(e) => (
                        format!("{:+.1}", e.value * 100.0),
                        format!("{:+.1}…{:+.1}", e.lower * 100.0, e.upper * 100.0),
                    ),
                    None => ("–".into(), "–".into()),
                };
                let up = c.relative_lift.is_some_and(|e| e.value > 0.0);
                let decision = match (c.sequential.reject, up) {
                    (true, true) => "better",
                    (true, false) => "worse",
                    (false, _) => "continue",
                };
                (
                    lift,
                    lift_ci,
                    c.p_value.map_or("–".into(), table::p_value),
                    decision.into(),
                )
            }
        };
        t.row(vec![
            v.variant.clone(),
            table::int(v.exposed_users),
            table::int(v.converting_users),
            rate,
            ci,
            lift,
            lift_ci,
            p,
            decision,
        ]);
    }
    t
}

/// Lines under the A/B table: strategies, the SRM check, what the columns mean.
pub fn ab_notes(ab: &Report) -> Vec<String> {
    let control = ab.variants.first().map_or("?", |v| v.strategy.as_str());
    let srm = &ab.sample_ratio_mismatch;
    vec![
        format!("arms: 20 % each; control serves {control}, the others their namesake strategy"),
        format!(
            "sample ratio check: χ² = {:.2} (df {}), p = {} → {}",
            srm.chi_square,
            srm.degrees_of_freedom,
            table::p_value(srm.p_value),
            if srm.mismatch {
                "MISMATCH: do not trust these numbers"
            } else {
                "no mismatch, assignment healthy"
            }
        ),
        "rate = converting users / exposed users (Wilson CI); lift = relative to control;".into(),
        "p-value: fixed-horizon z-test (valid at a planned sample size, looking once);".into(),
        format!(
            "decision: always-valid mSPRT at α = {}, safe to check at every look",
            ab.config.alpha
        ),
    ]
}
