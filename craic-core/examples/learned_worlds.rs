//! The learned Hybrid blend on every named synthetic world over several seeds: NDCG@10 of
//! popularity, collaborative, content, the fixed hybrid and the learned hybrid, and the learned
//! hybrid over the best single component (time split, the latest 20 % held out, `now` = the
//! split time; `craic_core::synthetic::judge`).
//!
//! `cargo run --release -p craic-core --features synthetic --example learned_worlds -- [size] [seeds] [worlds]`
//!
//! `size` is `test` (the worlds of `tests/learned_blend.rs`: `small` shrunk to 1 500 users,
//! 400 events, 30 000 interactions, the default) or a preset (`small`); `seeds` a
//! comma-separated list (default `1,2,3`); `worlds` a comma-separated list (default: every
//! world). Environment: `TUNED=1` tunes the hyperparameters (default: pinned, as the test),
//! `ITEM_LISTS=50` keeps item lists (the item-based component), `LINEAR_ITEMS=2000` (with
//! `LINEAR_L2=λ`) a linear item model in their place, `DISCOUNT=0,0.6` the
//! popularity discounts β tried (default: 0 pinned, the default axis tuned), `HALF_LIVES=30,none`
//! the half-lives tried, in days (`none`: no decay; default as `DISCOUNT`), `HOLDOUT=0.3` the
//! held-out share, `HIDE_WEIGHT=1` the weight of a hide (default: the library's, 0.25),
//! `WEIGHTS=1` prints each bucket's chosen weights and holdout NDCG, `ORACLE=1` those
//! of a blend fitted on the whole log (its holdout is the test period), `NEWSHARE=1` the share
//! of relevant test events nobody had engaged with before the cut, `PREFIX=0.8` runs on the
//! first 80 % of the log (so the test period is the learned blend's holdout).

use std::time::Instant;

use craic_core::synthetic::judge::{judge, Method, Trial};
use craic_core::synthetic::SyntheticConfig;
use craic_core::{Blend, Config, Engine, HyperGrid, LearnSettings, Request, Strategy};

fn env_on(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

/// The environment variable `name`, parsed (`None` when unset or unparsable).
fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

/// The distinct ids among `ids`.
fn distinct<'a>(ids: impl Iterator<Item = &'a str>) -> std::collections::HashSet<&'a str> {
    ids.collect()
}

fn base(size: &str, seed: u64) -> Result<SyntheticConfig, Box<dyn std::error::Error>> {
    let cfg = match size {
        "test" => SyntheticConfig {
            users: 1_500,
            items: 400,
            interactions: 30_000,
            ..SyntheticConfig::small()
        },
        preset => SyntheticConfig::preset(preset)?,
    };
    Ok(cfg.with_seed(seed))
}

/// The default configuration, with `HIDE_WEIGHT` as the hide weight when set.
fn base_config() -> Config {
    let config = Config::default();
    match env::<f64>("HIDE_WEIGHT") {
        Some(w) => config
            .with_kind_weight("hide", w)
            .expect("a valid hide weight"),
        None => config,
    }
}

fn learned_config() -> Config {
    let mut config = base_config();
    if let Some(k) = env("ITEM_LISTS") {
        config.item_neighbours = k;
    }
    if let Some(n) = env("LINEAR_ITEMS") {
        config.linear_items = n;
    }
    if let Some(l2) = env("LINEAR_L2") {
        config.linear_l2 = l2;
    }
    let mut hyper = if env_on("TUNED") {
        HyperGrid::default()
    } else {
        HyperGrid::pinned(&config)
    };
    if let Ok(list) = std::env::var("HALF_LIVES") {
        // Days, or `none` for no decay; anything else is left out.
        hyper.half_life_secs = Some(
            list.split(',')
                .map(str::trim)
                .filter_map(|x| match x {
                    "none" => Some(None),
                    days => days.parse::<f64>().ok().map(|d| Some(d * 86_400.0)),
                })
                .collect(),
        );
    }
    if let Ok(list) = std::env::var("DISCOUNT") {
        hyper.discount = Some(
            list.split(',')
                .filter_map(|x| x.trim().parse().ok())
                .collect(),
        );
    }
    config.blend = Blend::Learned(LearnSettings {
        hyper,
        holdout_fraction: env("HOLDOUT").unwrap_or(0.2),
        ..LearnSettings::default()
    });
    config
}

/// The fixed blend's hybrid, on an engine of its own built on the same training part.
fn fixed_hybrid() -> Method {
    Method::new("fixed hybrid", |trial: &Trial| {
        let engine = Engine::build(
            trial.data.items.clone(),
            &trial.split.train,
            trial.data.preferences.clone(),
            Config {
                blend: Blend::Fixed,
                ..base_config()
            },
        )?;
        let req = Request::new(10)
            .strategy(Strategy::Hybrid)
            .now(trial.split.cutoff);
        Ok(Box::new(move |user: &str| {
            engine
                .recommend(user, &req)
                .map(|r| r.into_iter().map(|r| r.item_id).collect())
                .unwrap_or_default()
        }))
    })
}

/// The trial on `cfg`, or with `PREFIX=0.8` on the first 80 % of its log (so the test period
/// is the learned blend's holdout).
fn trial(world: &str, cfg: &SyntheticConfig) -> Result<Trial, Box<dyn std::error::Error>> {
    let prefix: f64 = env("PREFIX").unwrap_or(1.0);
    if prefix >= 1.0 {
        return Ok(Trial::from_config(world, cfg, learned_config())?);
    }
    let mut data = craic_core::synthetic::Dataset::generate(cfg);
    data.interactions.sort_by_key(|x| x.timestamp);
    data.interactions
        .truncate((data.interactions.len() as f64 * prefix) as usize);
    Ok(Trial::from_data(world, cfg.seed, data, learned_config())?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let size = args.next().unwrap_or_else(|| "test".into());
    let seeds: Vec<u64> = args
        .next()
        .unwrap_or_else(|| "1,2,3".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let worlds: Vec<String> = args.next().map_or_else(
        || SyntheticConfig::WORLDS.map(String::from).to_vec(),
        |w| w.split(',').map(String::from).collect(),
    );
    let mut methods: Vec<Method> = [
        Strategy::Popularity,
        Strategy::Collaborative,
        Strategy::Content,
    ]
    .map(|s| Method::strategy(s, 10))
    .into();
    methods.push(fixed_hybrid());
    methods.push(Method::strategy(Strategy::Hybrid, 10));
    let started = Instant::now();
    println!("| world | seed | popularity | collaborative | content | fixed hybrid | learned hybrid | learned / best |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for world in &worlds {
        for &seed in &seeds {
            let cfg = base(&size, seed)?.in_world(world)?;
            let trial = trial(world, &cfg)?;
            let s: Vec<f64> = judge(&trial, &methods, 10)?
                .iter()
                .map(|s| s.metrics.ndcg)
                .collect();
            let best = s[0].max(s[1]).max(s[2]);
            ratios.push((world.clone(), s[4] / best));
            println!(
                "| {world} | {seed} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} |",
                s[0],
                s[1],
                s[2],
                s[3],
                s[4],
                s[4] / best
            );
            if env_on("NEWSHARE") {
                let train = &trial.split.train;
                let seen = distinct(train.iter().map(|x| x.item_id.as_str()));
                let (mut new, mut all) = (0, 0);
                for items in trial.relevant.values() {
                    for i in items {
                        all += 1;
                        new += usize::from(!seen.contains(i.as_str()));
                    }
                }
                let users = distinct(train.iter().map(|x| x.user_id.as_str()));
                println!("    relevant pairs {all}, with items new at the cut {new} ({:.3}); train users {}, test users {}", new as f64 / all as f64, users.len(), trial.relevant.len());
            }
            if env_on("WEIGHTS") {
                print_weights(&trial.engine);
            }
            if env_on("ORACLE") {
                // Built on the whole log, the blend's holdout is the test period itself.
                let oracle = Engine::build(
                    trial.data.items.clone(),
                    &trial.data.interactions,
                    trial.data.preferences.clone(),
                    learned_config(),
                )?;
                println!("    oracle (fitted on the test period):");
                print_weights(&oracle);
            }
        }
    }
    let mean = ratios.iter().map(|r| r.1).sum::<f64>() / ratios.len().max(1) as f64;
    let min = ratios.iter().map(|r| r.1).fold(f64::MAX, f64::min);
    println!(
        "\nlearned / best component: mean {mean:.4}, min {min:.4}; {:.1?}",
        started.elapsed()
    );
    Ok(())
}

fn print_weights(engine: &Engine) {
    if let Some(report) = engine.blend_report() {
        println!(
            "    chosen: half-life {:?}, neighbours {}, shrinkage {}, discount {}",
            report.half_life_secs, report.neighbours, report.shrinkage, report.discount
        );
        for b in &report.buckets {
            println!(
                "    {:<5} users {:>4}: weights {:.2?}, component NDCG {:.4?}, blend {:.4}",
                b.name, b.users, b.weights, b.component_ndcg, b.blend_ndcg
            );
        }
    }
}
