//! Offline evaluation of the four strategies on the synthetic dataset.
//!
//! `cargo run --release --example evaluate -- [tiny|small|medium] [k]`

use std::time::Instant;

use craic::evaluation::{evaluate_relevant, time_split, Relevance};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Engine, Request, Strategy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let preset = args.next().unwrap_or_else(|| "small".into());
    let k: usize = args.next().map_or(Ok(10), |s| s.parse())?;
    let cfg = match preset.as_str() {
        "tiny" => SyntheticConfig::tiny(),
        "medium" => SyntheticConfig::medium(),
        "large" => SyntheticConfig::large(),
        _ => SyntheticConfig::small(),
    };
    let t = Instant::now();
    let data = Dataset::generate(&cfg);
    println!(
        "generated {} interactions in {:.2?}",
        data.interactions.len(),
        t.elapsed()
    );
    let split = time_split(&data.interactions, 0.2);
    let t = Instant::now();
    let env = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let base = Config::default();
    let config = Config {
        neighbours: env("K", base.neighbours as f64) as usize,
        shrinkage: env("SH", base.shrinkage),
        hybrid_k0: env("K0", base.hybrid_k0),
        hybrid_content_share: env("CS", base.hybrid_content_share),
        preference_weight: env("PW", base.preference_weight),
        half_life_secs: Some(env("HL", 30.0) * 86400.0),
        max_item_users: env("MAXU", base.max_item_users as f64) as usize,
        min_overlap: env("MINO", 1.0) as u32,
        content_weights: craic::FeatureWeights {
            genre: env("WG", 1.0),
            artist: env("WA", 1.0),
            venue: env("WV", 1.0),
            city: env("WC", 1.0),
            tag: 1.0,
        },
        ..base
    };
    let engine = Engine::build(
        config,
        data.items.clone(),
        data.preferences.clone(),
        &split.train,
    )?;
    println!("built in {:.2?}: {:?}", t.elapsed(), engine.stats());
    let mut relevant = Relevance::default().relevant_items(&split.test);
    if let Ok(n) = std::env::var("SAMPLE") {
        let n: usize = n.parse()?;
        relevant = relevant
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == 0)
            .map(|(_, x)| x)
            .collect();
    }
    let novel = std::env::var("NOVEL").is_ok();
    let mut seen: std::collections::HashMap<&str, Vec<String>> = Default::default();
    for x in &split.train {
        seen.entry(x.user_id.as_str())
            .or_default()
            .push(x.item_id.clone());
    }
    if novel {
        for (u, rel) in relevant.iter_mut() {
            if let Some(s) = seen.get(u.as_str()) {
                rel.retain(|i| !s.contains(i));
            }
        }
    }
    println!("| strategy | P@{k} | R@{k} | NDCG@{k} | HR@{k} | coverage |");
    println!("|---|---|---|---|---|---|");
    for s in Strategy::ALL {
        let req = Request::new(k).strategy(s).now(split.cutoff);
        let m = evaluate_relevant(&relevant, k, data.items.len(), |u| {
            let mut req = req.clone();
            if novel {
                req.exclude = seen.get(u).cloned().unwrap_or_default();
            }
            engine
                .recommend(u, &req)
                .map(|r| r.into_iter().map(|r| r.item_id).collect())
                .unwrap_or_default()
        });
        println!(
            "| {s} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
            m.precision, m.recall, m.ndcg, m.hit_rate, m.coverage
        );
    }
    if std::env::var("ORACLE").is_ok() {
        let mut pop = vec![0f64; data.items.len()];
        for x in &split.train {
            let w = match x.kind.as_str() {
                "save" => 1.0,
                "click" => 0.25,
                _ => -1.0,
            };
            pop[data.item_index(&x.item_id).unwrap()] += w;
        }
        let upcoming: Vec<usize> = (0..data.items.len())
            .filter(|&i| data.items[i].starts_at > split.cutoff)
            .collect();
        for (name, mode) in [("affinity", 0), ("taste x pop", 1)] {
            let m = evaluate_relevant(&relevant, k, data.items.len(), |u| {
                let ui = data.user_index(u).unwrap();
                let mut v: Vec<(f64, usize)> = upcoming
                    .iter()
                    .map(|&i| {
                        let s = if mode == 0 {
                            data.affinity_by_index(ui, i)
                        } else {
                            data.taste_match_by_index(ui, i) * pop[i].max(0.01)
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
            println!(
                "| oracle {name} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
                m.precision, m.recall, m.ndcg, m.hit_rate, m.coverage
            );
        }
    }
    Ok(())
}
