//! [`Treatment`]: what the users of one experiment arm get — a strategy, and optionally an
//! engine [`Config`] of their own, so configurations (neighbour count, decay half-life, blend,
//! ...) can be A/B tested, not only strategies.

use crate::model::config::Config;
use crate::scoring::request::Strategy;

/// What an arm serves: [`Treatment::strategy`], from the serving engine, or from an engine
/// built with [`Treatment::config`] on the same training data when one is given.
///
/// A [`Strategy`] converts into a treatment without a config, so
/// `ExperimentSpec::variant(name, weight, Strategy::Hybrid)` keeps working:
///
/// ```
/// use craic_core::experiments::{Experiment, Treatment};
/// use craic_core::{Config, Strategy};
///
/// let fewer = Config { neighbours: 10, ..Config::default() };
/// let exp = Experiment::builder("neighbours")
///     .variant("control", 0.5, Strategy::Hybrid)
///     .variant("ten", 0.5, Treatment::new(Strategy::Hybrid).config(fewer.clone()))
///     .build()?;
/// assert_eq!(exp.variants()[0].config, None);
/// assert_eq!(exp.variants()[1].config, Some(fewer));
/// # Ok::<(), craic_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Treatment {
    /// The recommendation strategy.
    pub strategy: Strategy,
    /// The engine configuration of the arm (`None`: the serving engine's).
    pub config: Option<Config>,
}

impl Treatment {
    /// `strategy` from the serving engine.
    pub fn new(strategy: Strategy) -> Self {
        Treatment {
            strategy,
            config: None,
        }
    }

    /// The same strategy from an engine built with `config`.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }
}

impl From<Strategy> for Treatment {
    fn from(strategy: Strategy) -> Self {
        Treatment::new(strategy)
    }
}
