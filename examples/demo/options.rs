//! What the demo runs: the synthetic city's size, the evaluation, the A/B simulation, where the
//! report and the store go.

use std::error::Error;
use std::path::PathBuf;

use craic::synthetic::SyntheticConfig;

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
