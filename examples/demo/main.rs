//! The craic demo: a whole recommendation service lifecycle in one process, in under a minute.
//!
//! ```text
//! cargo run --release --example demo [-- --tiny] [-- --out PATH] [-- --store URL]
//! ```
//!
//! 1. **Generates a synthetic city** ([`craic::synthetic`]): 20 000 users, 3 000 events and
//!    300 000 clicks, saves and hides over 90 days, seeded — the numbers are the same on every
//!    run (only timings and version ids change). The data is written to a store — a fresh
//!    SQLite file in the temp directory (its path is printed), or the empty database given by
//!    `--store URL` (`mysql://user:pass@host:port/db`) — and the service is opened on it
//!    (`Service::open`: built from the store's log and published as the first model version).
//! 2. **Evaluates the four strategies offline** on a time split (train on the first 80 % of the
//!    log, test on the last 20 %, recommending as of the split time): precision, recall, NDCG,
//!    hit rate and coverage at 10.
//! 3. **Simulates an A/B test** through [`craic::service::Service`]: an experiment with four
//!    equal arms (popularity as control, collaborative, content, hybrid) assigned by consistent
//!    hashing; for 14 days, a random 8 % of users visit each day and get their arm's list from
//!    `recommend_in_experiment`; each shown event is saved with probability 0.08 × the user's
//!    hidden affinity for it (the first save ends the visit) and recorded with
//!    `Service::record`, which attributes the conversion. Prints the statistics: rates with
//!    Wilson intervals, lifts against the control, the fixed-horizon p-value, the always-valid
//!    sequential decision and the sample-ratio-mismatch check.
//! 4. **Retrains behind the gate** (`retrain_blocking`): holdout evaluation of the candidate
//!    against the serving configuration and popularity, then a hot swap if it passes.
//! 5. Prints an excerpt of the **Prometheus metrics**, per-strategy latency quantiles, the cache
//!    hit rate and the drift PSI.
//! 6. Writes **`report.html`**: one self-contained page (inline SVG and CSS, no scripts, nothing
//!    fetched) with NDCG@10 per strategy, conversion rates with confidence intervals, latency
//!    quantiles and the retrain outcome.
//!
//! The history ends at the UTC midnight two days from now and the A/B days follow it, because the
//! service stamps exposures with the wall clock and only counts conversions after them.
//! Progress bars (on stderr) appear only when stdout is a terminal.
//!
//! **`--feeds DIR`: real events instead of the synthetic catalogue.** Step 1 then imports every
//! `*.json` page in DIR with [`craic::feeds`] — a Ticketmaster Discovery v2 event search page or
//! an Eventbrite v3 event list, told apart by file name (`ticketmaster…`, `tm-…`, `tm_…` /
//! `eventbrite…`, `eb-…`, `eb_…`) or else by content (a top-level `_embedded` key is
//! Ticketmaster's, `events` Eventbrite's; other files are skipped and listed). It prints what each
//! page gave (events imported, removed because cancelled or postponed, rejected with the JSON path
//! of the bad field), merges the events listed on both feeds ([`craic::feeds::deduplicate`], with
//! the reasons of a few merges), and runs steps 2–6 on that catalogue. The feeds carry no
//! behaviour, so **the users, their tastes and interactions are simulated**:
//! [`craic::synthetic::Dataset::on_catalogue`] runs the synthetic generator's user model on the
//! imported events (2 000 users, 40 000 interactions over the 60 days before the A/B test), and
//! the A/B visits are simulated as above. After the A/B test it shows one simulated user's hybrid
//! list by event name. Sample pages (31 events, 8 of them on both feeds, dated March–April 2029)
//! ship in `examples/demo/feeds/`:
//!
//! ```text
//! cargo run --release --example demo -- --feeds examples/demo/feeds
//! ```
//!
//! Options: `--tiny` (200 users; seconds), `--out PATH` (default `report.html`), `--feeds DIR`,
//! `--store URL` (default: a fresh SQLite file).

mod ab;
mod boredom;
mod feeds;
mod offline;
mod options;
mod report;
mod run;
mod simulate;
mod storage;
mod summary;
mod table;

use std::io::IsTerminal;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut tiny, mut report_path, mut feeds) = (false, PathBuf::from("report.html"), None);
    let (mut store_url, mut seed) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tiny" => tiny = true,
            "--out" => report_path = PathBuf::from(args.next().ok_or("--out needs a path")?),
            "--feeds" => {
                feeds = Some(PathBuf::from(
                    args.next().ok_or("--feeds needs a directory")?,
                ))
            }
            "--store" => store_url = Some(args.next().ok_or("--store needs a URL")?),
            "--seed" => {
                let n = args.next().ok_or("--seed needs a number")?;
                seed = Some(
                    n.parse::<u64>()
                        .map_err(|_| format!("--seed {n:?}: not a number"))?,
                )
            }
            "-h" | "--help" => {
                println!(
                    "usage: demo [--tiny] [--out PATH] [--feeds DIR] [--store URL] [--seed N]"
                );
                println!(
                    "--seed: another synthetic city and other visits (default: the city's seed)"
                );
                println!("sample feed pages: {}", feeds::sample_dir().display());
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    let mut options = match feeds {
        Some(dir) => run::Options::feeds(dir, tiny, report_path),
        None if tiny => run::Options::tiny(report_path),
        None => run::Options {
            report_path,
            ..run::Options::city()
        },
    };
    options.store_url = store_url;
    if let Some(seed) = seed {
        options.synthetic.seed = seed;
    }
    options.progress = std::io::stdout().is_terminal();
    let stdout = std::io::stdout();
    run::run(&options, &mut stdout.lock())?;
    Ok(())
}
