//! The simulated A/B test: users visit, see their variant's list, and sometimes save an event.

use craic::experiments::Experiment;
use craic::rng::SplitMix64;
use craic::service::Service;
use craic::synthetic::Dataset;
use craic::{Interaction, Request, Strategy, SAVE};
use indicatif::ProgressBar;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The experiment's key.
pub const EXPERIMENT: &str = "home-feed";

/// The four arms, control first, equal weights.
pub const VARIANTS: [(&str, Strategy); 4] = [
    ("control", Strategy::Popularity),
    ("collaborative", Strategy::Collaborative),
    ("content", Strategy::Content),
    ("hybrid", Strategy::Hybrid),
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
}

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

/// The experiment with its four equal-weight variants.
pub fn experiment() -> craic::Result<Experiment> {
    VARIANTS
        .iter()
        .fold(Experiment::builder(EXPERIMENT), |b, (name, strategy)| {
            b.variant(*name, 0.25, *strategy)
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
    for (day, visits) in days.iter().enumerate() {
        for &(at, u) in visits {
            let user = Dataset::user_id(u);
            let exposure = format!("{EXPERIMENT}|{user}|day{day}");
            let req = Request::new(s.k).now(at);
            let shown =
                svc.recommend_in_experiment_with_id(EXPERIMENT, &user, &req, Some(&exposure))?;
            totals.visits += 1;
            totals.shown += shown.recommendations.len() as u64;
            for (pos, rec) in shown.recommendations.iter().enumerate() {
                let p = data.affinity(&user, &rec.item_id) * s.conversion_scale;
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
