//! Offline evaluation of the four strategies on the synthetic dataset (time split, `now` = the
//! split's cutoff, relevance = test-period saves and clicks that were not hidden), plus two
//! oracles that know the generator's hidden tastes, as upper bounds.
//!
//! `cargo run --release --example evaluate -- [tiny|small|medium|large] [k] [test-fraction]`
//!
//! Environment overrides, to compare values: `SEED=7` (the generator's seed, default 42),
//! `MAX_ITEM_USERS=300` (the similarity cost guard), `POPULARITY_PRIOR=1.0` and
//! `ARTIST_PRIOR=0` (the content score's priors), `HIDE_WEIGHT=1` (the weight of a hide;
//! default 0.25), `BLEND=fixed` (the fixed Hybrid blend instead
//! of the default learned one, whose report is printed), `WORLD=long-histories` (a named world, see
//! `SyntheticConfig::WORLDS`).

use std::collections::BTreeMap;
use std::time::Instant;

use craic::evaluation::{evaluate_relevant, time_split, Metrics, Relevance, Split};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Engine, Request, Strategy};

fn row(name: &str, m: &Metrics) {
    println!(
        "| {name:<24} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
        m.precision, m.recall, m.ndcg, m.hit_rate, m.coverage
    );
}

/// The value of an environment variable, parsed; `None` when unset or unparsable.
fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let preset = args.next().unwrap_or_else(|| "small".into());
    let k: usize = args.next().map_or(Ok(10), |s| s.parse())?;
    let test_fraction: f64 = args.next().map_or(Ok(0.2), |s| s.parse())?;
    let mut cfg = match preset.as_str() {
        "tiny" => SyntheticConfig::tiny(),
        "medium" => SyntheticConfig::medium(),
        "large" => SyntheticConfig::large(),
        _ => SyntheticConfig::small(),
    };
    if let Some(seed) = env("SEED") {
        cfg = cfg.with_seed(seed);
    }
    if let Some(world) = env::<String>("WORLD") {
        cfg = cfg.in_world(&world)?;
    }
    let t = Instant::now();
    let data = Dataset::generate(&cfg);
    let split = time_split(&data.interactions, test_fraction);
    let config = config_from_env();
    let max_item_users = config.max_item_users;
    let engine = Engine::build(
        data.items.clone(),
        &split.train,
        data.preferences.clone(),
        config,
    )?;
    println!(
        "{preset} (seed {}): {} users, {} events, {} interactions ({} train), max_item_users {max_item_users}; generated and built in {:.2?}",
        cfg.seed,
        cfg.users,
        cfg.items,
        data.interactions.len(),
        split.train.len(),
        t.elapsed()
    );
    print_blend_report(&engine);
    let relevant = Relevance::default().relevant_items(&split.test);
    println!("| strategy                 | P@{k}  | R@{k}  | NDCG@{k} | HR@{k} | coverage |");
    println!("|--------------------------|--------|--------|---------|-------|----------|");
    for s in Strategy::ALL {
        let req = Request::new(k).strategy(s).now(split.cutoff);
        let m = evaluate_relevant(&relevant, k, data.items.len(), |u| {
            engine
                .recommend(u, &req)
                .map(|r| r.into_iter().map(|r| r.item_id).collect())
                .unwrap_or_default()
        });
        row(s.as_str(), &m);
    }
    oracle_rows(&data, &split, &relevant, k);
    Ok(())
}

/// The default configuration with the environment's overrides (`MAX_ITEM_USERS`,
/// `POPULARITY_PRIOR`, `ARTIST_PRIOR`, `HIDE_WEIGHT`, `BLEND`).
fn config_from_env() -> Config {
    let mut config = Config::default();
    if let Some(w) = env::<f64>("HIDE_WEIGHT") {
        config = config
            .with_kind_weight("hide", w)
            .expect("HIDE_WEIGHT: a finite weight >= 0");
    }
    if let Some(cap) = env("MAX_ITEM_USERS") {
        config.max_item_users = cap;
    }
    if let Some(gamma) = env("POPULARITY_PRIOR") {
        config.popularity_prior = gamma;
    }
    if let Some(weight) = env("ARTIST_PRIOR") {
        config.artist_prior = weight;
    }
    if env::<String>("BLEND").as_deref() == Some("fixed") {
        config.blend = craic::Blend::Fixed;
    }
    config
}

/// The learned blend's report, when the engine learned one.
fn print_blend_report(engine: &Engine) {
    if let Some(report) = engine.blend_report() {
        println!("learned blend (components {:?}):", report.components);
        for b in &report.buckets {
            println!(
                "  {:<5} users {:>4}: weights {:.2?}, component NDCG {:.4?}, blend {:.4}",
                b.name, b.users, b.weights, b.component_ndcg, b.blend_ndcg
            );
        }
        println!("  hyperparameters tried (half-life days, k, shrinkage, discount: holdout NDCG):");
        for g in &report.grid {
            let days = g.half_life_secs.map(|s| s / 86_400.0);
            println!(
                "    {days:?} {} {} {}: {:.5}",
                g.neighbours, g.shrinkage, g.discount, g.ndcg
            );
        }
        let days = report.half_life_secs.map(|s| s / 86_400.0);
        println!(
            "  chosen: {days:?} {} {} {}",
            report.neighbours, report.shrinkage, report.discount
        );
    }
}

/// Oracles: rank the upcoming events by the hidden affinity (taste × true appeal), and by
/// hidden taste × popularity observed in training.
fn oracle_rows(data: &Dataset, split: &Split, relevant: &BTreeMap<String, Vec<String>>, k: usize) {
    let mut pop = vec![0f64; data.items.len()];
    for x in &split.train {
        if let Some(i) = data.item_index(&x.item_id) {
            pop[i] += match x.kind.as_str() {
                "save" => 1.0,
                "click" => 0.25,
                _ => 0.0,
            };
        }
    }
    let upcoming: Vec<usize> = (0..data.items.len())
        .filter(|&i| data.items[i].starts_at > split.cutoff)
        .collect();
    for (name, observed) in [
        ("oracle: hidden affinity", false),
        ("oracle: taste × observed", true),
    ] {
        let m = evaluate_relevant(relevant, k, data.items.len(), |u| {
            let Some(ui) = data.user_index(u) else {
                return Vec::new();
            };
            let mut v: Vec<(f64, usize)> = upcoming
                .iter()
                .map(|&i| {
                    let s = if observed {
                        data.taste_match_by_index(ui, i) * pop[i].max(0.01)
                    } else {
                        data.affinity_by_index(ui, i)
                    };
                    (s, i)
                })
                .collect();
            v.sort_by(|a, b| b.0.total_cmp(&a.0));
            v.iter()
                .take(k)
                .map(|x| data.items[x.1].id.clone())
                .collect()
        });
        row(name, &m);
    }
}
