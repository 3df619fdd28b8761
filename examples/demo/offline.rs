//! Step 2 of the demo: the offline evaluation of every strategy on a time split of the log,
//! written as a table.

use std::io::Write;
use std::time::Instant;

use craic::evaluation::{evaluate_lists, time_split, Metrics, Relevance};
use craic::synthetic::Dataset;
use craic::{Config, Engine, Request, Strategy};

use crate::options::{DemoResult, Options};
use crate::run::spinner;
use crate::table::{self, Align, Table};

/// Trains on the first part of the log, evaluates every strategy @k on the rest as of the
/// split time, writes the table; returns each strategy's metrics and the users evaluated.
pub fn step(
    options: &Options,
    data: &Dataset,
    out: &mut dyn Write,
) -> DemoResult<(Vec<(Strategy, Metrics)>, usize)> {
    let t = Instant::now();
    let k = options.k;
    let pb = spinner(options.progress, "training on the time split");
    let split = time_split(&data.interactions, options.test_fraction);
    let engine = Engine::build(
        data.items.clone(),
        &split.train,
        data.preferences.clone(),
        Config::default(),
    )?;
    pb.set_message("evaluating the four strategies");
    let relevant = Relevance::default().relevant_items(&split.test);
    let info = engine.catalogue_info();
    let offline: Vec<(Strategy, Metrics)> = Strategy::ALL
        .iter()
        .map(|&s| {
            let req = Request::new(k).strategy(s).now(split.cutoff);
            let m = evaluate_lists(&relevant, k, &info, |u| {
                engine
                    .recommend(u, &req)
                    .map(|r| r.into_iter().map(|r| r.item_id).collect())
                    .unwrap_or_default()
            });
            (s, m)
        })
        .collect();
    drop(engine);
    pb.finish_and_clear();
    let offline_users = offline.first().map_or(0, |(_, m)| m.users);
    writeln!(
        out,
        "2. Offline evaluation @{k} ({})",
        table::duration(t.elapsed())
    )?;
    writeln!(
        out,
        "   time split: train on the first {} of the log, test on the last {} ({} users",
        table::pct(1.0 - options.test_fraction, 0),
        table::pct(options.test_fraction, 0),
        table::int(offline_users as u64)
    )?;
    writeln!(
        out,
        "   with a save or click there), recommending as of the split time"
    )?;
    let mut t_off = Table::new(&[
        ("strategy", Align::Left),
        ("precision", Align::Right),
        ("recall", Align::Right),
        ("NDCG", Align::Right),
        ("hit rate", Align::Right),
        ("coverage", Align::Right),
        ("ILD", Align::Right),
        ("novelty", Align::Right),
        ("Gini", Align::Right),
    ]);
    for (s, m) in &offline {
        t_off.row(vec![
            s.to_string(),
            format!("{:.4}", m.precision),
            format!("{:.4}", m.recall),
            format!("{:.4}", m.ndcg),
            format!("{:.4}", m.hit_rate),
            format!("{:.4}", m.coverage),
            format!("{:.3}", m.intra_list_diversity),
            format!("{:.2}", m.novelty),
            format!("{:.3}", m.gini),
        ]);
    }
    write!(out, "{}", t_off.render("   "))?;
    writeln!(out)?;

    Ok((offline, offline_users))
}
