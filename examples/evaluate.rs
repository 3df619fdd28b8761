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
    println!("generated {} interactions in {:.2?}", data.interactions.len(), t.elapsed());
    let split = time_split(&data.interactions, 0.2);
    let t = Instant::now();
    let engine = Engine::build(
        Config::default(),
        data.items.clone(),
        data.preferences.clone(),
        &split.train,
    )?;
    println!("built in {:.2?}: {:?}", t.elapsed(), engine.stats());
    let relevant = Relevance::default().relevant_items(&split.test);
    println!("| strategy | P@{k} | R@{k} | NDCG@{k} | HR@{k} | coverage |");
    println!("|---|---|---|---|---|---|");
    for s in Strategy::ALL {
        let req = Request::new(k).strategy(s).now(split.cutoff);
        let m = evaluate_relevant(&relevant, k, data.items.len(), |u| {
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
    Ok(())
}
