//! Helpers shared by the criterion benches: preset selection, cached synthetic data and fixed
//! workloads (user lists, incremental interactions).

use std::sync::OnceLock;

use craic::rng::SplitMix64;
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Engine, Interaction, CLICK, HIDE, SAVE};

/// Environment variable that selects the "large" preset of the benches: `medium` (default) or
/// `small` (a quick run, e.g. `CRAIC_BENCH_PRESET=small cargo bench --workspace --bench engine`).
pub const PRESET_VAR: &str = "CRAIC_BENCH_PRESET";

/// The preset that the heavy groups run on, with its name (used in benchmark ids).
pub fn large_preset() -> (&'static str, SyntheticConfig) {
    match std::env::var(PRESET_VAR).as_deref() {
        Ok("small") => ("small", SyntheticConfig::small()),
        Ok("medium") | Err(_) => ("medium", SyntheticConfig::medium()),
        Ok(other) => panic!("{PRESET_VAR}={other:?}: expected `small` or `medium`"),
    }
}

/// True for the `medium` preset (the heavy groups then use fewer samples).
pub fn is_medium(name: &str) -> bool {
    name == "medium"
}

/// The `small()` dataset, generated once per process.
pub fn small_dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| Dataset::generate(&SyntheticConfig::small()))
}

/// The dataset of [`large_preset`], generated once per process.
pub fn large_dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    let (name, cfg) = large_preset();
    if !is_medium(name) {
        // The quick run: the same data as `small_dataset()`, generated once.
        return small_dataset();
    }
    DATA.get_or_init(|| Dataset::generate(&cfg))
}

/// A fresh engine built (default config) from a dataset.
pub fn build_engine(data: &Dataset) -> Engine {
    build_engine_with(data, Config::default())
}

/// [`build_engine`] under `config`.
pub fn build_engine_with(data: &Dataset, config: Config) -> Engine {
    Engine::build(
        data.items.clone(),
        &data.interactions,
        data.preferences.clone(),
        config,
    )
    .expect("synthetic data builds")
}

/// The timestamp of the last interaction of the log: "now" for eligibility.
pub fn log_end(data: &Dataset) -> i64 {
    data.interactions.last().map_or(0, |x| x.timestamp)
}

/// `n` user ids spread over the whole user range (`u{(i * 7919) % users}`, as in
/// `examples/profile.rs`): a fixed, deterministic mix of heavy, light and preference-only users.
pub fn user_ids(data: &Dataset, n: usize) -> Vec<String> {
    let users = data.config.users.max(1);
    (0..n).map(|i| format!("u{}", (i * 7919) % users)).collect()
}

/// `n` interactions to apply after the log: existing users (spread as in [`user_ids`]) acting on
/// events starting more than two days after the log's end, kinds mixed about 70 % click, 20 % save, 10 % hide.
/// Timestamps are placeholders: the caller sets each one just before recording it so that they
/// keep increasing however many times the list is cycled through.
pub fn incremental_interactions(data: &Dataset, n: usize) -> Vec<Interaction> {
    let end = log_end(data);
    let upcoming: Vec<&str> = data
        .items
        .iter()
        .filter(|i| i.starts_at > end + 2 * 86_400)
        .map(|i| i.id.as_str())
        .collect();
    assert!(!upcoming.is_empty(), "no upcoming events after the log");
    let users = user_ids(data, n);
    let mut rng = SplitMix64::new(0x5eed_be9c);
    users
        .into_iter()
        .map(|u| {
            let item = upcoming[rng.below(upcoming.len() as u64) as usize];
            let kind = match rng.below(10) {
                0..=6 => CLICK,
                7 | 8 => SAVE,
                _ => HIDE,
            };
            Interaction::new(u, item, kind, end)
        })
        .collect()
}
