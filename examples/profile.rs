//! Times the full build and single-user recommendations on a synthetic preset.
//!
//! `cargo run --release --example profile -- [small|medium|large] [users-to-query]`

use std::time::Instant;

use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Engine, Request, Strategy};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let preset = args.next().unwrap_or_else(|| "medium".into());
    let queries: usize = args.next().map_or(Ok(2000), |s| s.parse())?;
    let cfg = match preset.as_str() {
        "small" => SyntheticConfig::small(),
        "large" => SyntheticConfig::large(),
        _ => SyntheticConfig::medium(),
    };
    let t = Instant::now();
    let data = Dataset::generate(&cfg);
    println!("generate: {:.2?}, peak RSS {:.0} MB", t.elapsed(), rss_mb());
    let now = data.interactions.last().map_or(0, |x| x.timestamp);
    let t = Instant::now();
    let max_item_users = std::env::var("MAXU")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(Config::default().max_item_users);
    let mut lens = std::collections::HashMap::<&str, usize>::new();
    for x in &data.interactions {
        *lens.entry(x.item_id.as_str()).or_default() += 1;
    }
    let mut l: Vec<usize> = lens.values().copied().collect();
    l.sort_unstable_by(|a, b| b.cmp(a));
    println!(
        "interactions per item: top {:?}, #>1000 {}, #>500 {}",
        &l[..5.min(l.len())],
        l.iter().filter(|&&x| x > 1000).count(),
        l.iter().filter(|&&x| x > 500).count()
    );
    let engine = Engine::build(
        Config {
            max_item_users,
            ..Config::default()
        },
        data.items.clone(),
        data.preferences.clone(),
        &data.interactions,
    )?;
    println!(
        "build: {:.2?}, peak RSS {:.0} MB, {:?}",
        t.elapsed(),
        rss_mb(),
        engine.stats()
    );
    let users: Vec<String> = (0..queries)
        .map(|i| format!("u{}", (i * 7919) % cfg.users))
        .collect();
    for s in Strategy::ALL {
        let req = Request::new(10).strategy(s).now(now);
        let mut lat: Vec<u128> = users
            .iter()
            .map(|u| {
                let t = Instant::now();
                let r = engine.recommend(u, &req).unwrap();
                assert_eq!(r.len(), 10);
                t.elapsed().as_nanos()
            })
            .collect();
        lat.sort_unstable();
        let q = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
        println!("recommend {s}: p50 {:.1} µs, p99 {:.1} µs", q(0.5), q(0.99));
    }
    Ok(())
}
