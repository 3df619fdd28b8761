//! NDCG@10 and recall@10 of every method on every named synthetic world, over several seeds
//! (time split, the latest 20 % held out, `now` = the split time; `craic_core::synthetic::judge`).
//!
//! `cargo run --release -p craic-core --features synthetic --example worlds -- [preset] [seeds]`
//!
//! `preset` defaults to `small`; `seeds` is a comma-separated list (default `1,2,3,7,42`). Prints
//! one markdown table of means over the seeds (the best method of each world in bold), then
//! each seed's NDCG@10. To judge another method, add it to `methods()`.

use std::time::Instant;

use craic_core::synthetic::judge::{judge, Method, Score, Trial};
use craic_core::synthetic::SyntheticConfig;

/// The methods compared: every strategy of the engine. Add a method here (one line) to put it
/// in the report, e.g. `m.push(Method::new("name", |trial| ...))`.
fn methods() -> Vec<Method> {
    Method::strategies()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let preset = args.next().unwrap_or_else(|| "small".into());
    let seeds: Vec<u64> = args
        .next()
        .unwrap_or_else(|| "1,2,3,7,42".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let methods = methods();
    let started = Instant::now();
    // results[world][seed] = scores of every method
    let mut results: Vec<Vec<Vec<Score>>> = Vec::new();
    for world in SyntheticConfig::WORLDS {
        let mut per_seed = Vec::new();
        for &seed in &seeds {
            let trial = Trial::new(world, &preset, seed)?;
            per_seed.push(judge(&trial, &methods, 10)?);
        }
        results.push(per_seed);
    }
    println!(
        "{preset}, seeds {seeds:?}: mean NDCG@10 (recall@10) over the seeds; {:.1?} in all\n",
        started.elapsed()
    );
    print_means(&methods, &results);
    println!("\nNDCG@10 per seed:\n");
    print_per_seed(&methods, &seeds, &results);
    Ok(())
}

fn header(first: &str, methods: &[Method]) {
    let names: Vec<&str> = methods.iter().map(|m| m.name.as_str()).collect();
    println!("| {first} | {} |", names.join(" | "));
    println!("|---|{}", "---|".repeat(methods.len()));
}

fn print_means(methods: &[Method], results: &[Vec<Vec<Score>>]) {
    header("world", methods);
    for (world, per_seed) in SyntheticConfig::WORLDS.iter().zip(results) {
        let n = per_seed.len() as f64;
        let mean =
            |j: usize, f: fn(&Score) -> f64| per_seed.iter().map(|s| f(&s[j])).sum::<f64>() / n;
        let ndcg: Vec<f64> = (0..methods.len())
            .map(|j| mean(j, |s| s.metrics.ndcg))
            .collect();
        let best = ndcg.iter().copied().fold(f64::MIN, f64::max);
        let cells: Vec<String> = (0..methods.len())
            .map(|j| {
                let cell = format!("{:.4} ({:.4})", ndcg[j], mean(j, |s| s.metrics.recall));
                if ndcg[j] == best {
                    format!("**{cell}**")
                } else {
                    cell
                }
            })
            .collect();
        println!("| {world} | {} |", cells.join(" | "));
    }
}

fn print_per_seed(methods: &[Method], seeds: &[u64], results: &[Vec<Vec<Score>>]) {
    header("world, seed", methods);
    for (world, per_seed) in SyntheticConfig::WORLDS.iter().zip(results) {
        for (seed, scores) in seeds.iter().zip(per_seed) {
            let cells: Vec<String> = scores
                .iter()
                .map(|s| format!("{:.4}", s.metrics.ndcg))
                .collect();
            println!("| {world}, {seed} | {} |", cells.join(" | "));
        }
    }
}
