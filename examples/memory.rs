//! Peak memory of the engine alone: the dataset is generated and written to CSV files by one
//! process, and a second process streams those files into [`Engine::build_from_iter`] the way a
//! service would, never holding the interaction log.
//!
//! ```text
//! cargo run --release --example memory -- write <tiny|small|medium|large> <dir>
//! cargo run --release --example memory -- build <dir>
//! ```
//!
//! `write` generates the preset with [`Dataset::generate`] (which holds everything in memory:
//! several GiB for `large`) and writes `items.csv`, `preferences.csv` and `interactions.csv`
//! into `<dir>` (the columns of `Dataset::write_*_csv`). `build` reads the items and the
//! preferences whole (they are small), then reads `interactions.csv` line by line, parsing each
//! line into an `Interaction` handed straight to the build, and reports the build time, the
//! process's peak resident memory (`VmHWM` from `/proc/self/status`: this is the figure for the
//! engine's memory target) and its current one (`VmRSS`), then runs a few recommendations as a
//! sanity check.

use std::borrow::Cow;
use std::cell::Cell;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Engine, Interaction, Item, Preferences, Request, Strategy};

type Error = Box<dyn std::error::Error>;

/// A `/proc/self/status` field (`VmHWM`, `VmRSS`) in MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn memory() -> String {
    format!(
        "peak RSS {:.0} MiB, current RSS {:.0} MiB{}",
        status_mib("VmHWM"),
        status_mib("VmRSS"),
        heap()
    )
}

/// glibc's view of the heap: bytes in use, and bytes freed but still held (fragmentation).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap() -> String {
    #[repr(C)]
    struct Mallinfo2 {
        arena: usize,
        ordblks: usize,
        smblks: usize,
        hblks: usize,
        hblkhd: usize,
        usmblks: usize,
        fsmblks: usize,
        uordblks: usize,
        fordblks: usize,
        keepcost: usize,
    }
    extern "C" {
        fn mallinfo2() -> Mallinfo2;
    }
    // SAFETY: glibc >= 2.33 provides mallinfo2, which only reads allocator statistics.
    let m = unsafe { mallinfo2() };
    let mib = |b: usize| b as f64 / 1_048_576.0;
    format!(
        " (malloc: {:.0} MiB in use, {:.0} MiB free in the heap)",
        mib(m.uordblks + m.hblkhd),
        mib(m.fordblks)
    )
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap() -> String {
    String::new()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let done = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["write", preset, dir] => write(preset, Path::new(dir)),
        ["build", dir] => build(Path::new(dir)),
        _ => Err("usage: memory write <tiny|small|medium|large> <dir> | memory build <dir>".into()),
    };
    if let Err(e) = done {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn write(preset: &str, dir: &Path) -> Result<(), Error> {
    let cfg = match preset {
        "tiny" => SyntheticConfig::tiny(),
        "small" => SyntheticConfig::small(),
        "medium" => SyntheticConfig::medium(),
        "large" => SyntheticConfig::large(),
        other => return Err(format!("unknown preset {other:?}").into()),
    };
    std::fs::create_dir_all(dir)?;
    let t = Instant::now();
    let data = Dataset::generate(&cfg);
    println!("generate {preset}: {:.2?}, {}", t.elapsed(), memory());
    let t = Instant::now();
    let file = |name: &str| -> Result<BufWriter<File>, Error> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            File::create(dir.join(name))?,
        ))
    };
    data.write_items_csv(file("items.csv")?)?;
    data.write_preferences_csv(file("preferences.csv")?)?;
    data.write_interactions_csv(file("interactions.csv")?)?;
    println!(
        "wrote {} items, {} preferences, {} interactions to {} in {:.2?}",
        data.items.len(),
        data.preferences.len(),
        data.interactions.len(),
        dir.display(),
        t.elapsed()
    );
    Ok(())
}

fn build(dir: &Path) -> Result<(), Error> {
    let t = Instant::now();
    let items = read_items(&dir.join("items.csv"))?;
    let preferences = read_preferences(&dir.join("preferences.csv"))?;
    println!(
        "read {} items and {} preferences in {:.2?}, {}",
        items.len(),
        preferences.len(),
        t.elapsed(),
        memory()
    );

    let path = dir.join("interactions.csv");
    let mut stream = CsvInteractions::open(&path)?;
    let (exhausted, problem, rows) = (
        Rc::clone(&stream.exhausted),
        Rc::clone(&stream.problem),
        Rc::clone(&stream.rows),
    );
    let t = Instant::now();
    let engine = Engine::build_from_iter(
        items,
        std::iter::from_fn(move || stream.next()),
        preferences,
        // The fixed blend streams the log (a learned one keeps every row to learn from).
        Config {
            blend: craic::Blend::Fixed,
            ..Config::default()
        },
    )
    .map_err(|e| match e.row() {
        // Row n of the stream is line n + 2 of the file (after the header).
        Some(n) => format!("{} line {}: {e}", path.display(), n + 2),
        None => e.to_string(),
    })?;
    let total = t.elapsed();
    if let Some(p) = problem.take() {
        return Err(p.into());
    }
    let streamed = exhausted.get().map_or(total, |e| e - t);
    println!(
        "build from {} streamed rows: {:.2?} (reading, parsing, validating and interning while \
         streaming {:.2?}; matrix, columns and neighbour lists after it {:.2?})",
        rows.get(),
        total,
        streamed,
        total - streamed
    );
    println!("after build: {}", memory());
    let stats = engine.stats();
    println!("{stats:?}");

    // Sanity check: a few users, every strategy, as of the last interaction.
    let now = stats.watermark.unwrap_or(0);
    for user in ["u0", "u1", "u7919"] {
        let neighbours = engine.neighbours(user);
        println!(
            "{user}: {} neighbours (best {:?})",
            neighbours.len(),
            neighbours.first()
        );
        for s in Strategy::ALL {
            let recs = engine.recommend(user, &Request::new(5).strategy(s).now(now))?;
            let ids: Vec<&str> = recs.iter().map(|r| r.item_id.as_str()).collect();
            println!("  {s}: {ids:?}");
        }
    }
    println!("end: {}", memory());
    Ok(())
}

/// Splits one CSV record (RFC 4180 quoting, no line breaks inside fields), borrowing the
/// fields when nothing is quoted.
fn split_csv(line: &str) -> Vec<Cow<'_, str>> {
    let line = line.trim_end_matches(['\n', '\r']);
    if !line.contains('"') {
        return line.split(',').map(Cow::Borrowed).collect();
    }
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(Cow::Owned(std::mem::take(&mut cur))),
            _ => cur.push(c),
        }
    }
    out.push(Cow::Owned(cur));
    out
}

/// A `|`-separated list (empty for an empty field), exactly sized.
fn list(field: &str) -> Vec<String> {
    if field.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(field.matches('|').count() + 1);
    out.extend(field.split('|').map(str::to_owned));
    out
}

/// Calls `row` with the fields of every record of a CSV file after its header, checking their
/// number.
fn for_each_record(
    path: &Path,
    fields: usize,
    mut row: impl FnMut(&[Cow<'_, str>]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut line = String::new();
    let mut n = 0;
    while {
        line.clear();
        reader.read_line(&mut line)? > 0
    } {
        n += 1;
        if n == 1 {
            continue; // header
        }
        let f = split_csv(&line);
        if f.len() != fields {
            return Err(format!("{} line {n}: {} fields", path.display(), f.len()).into());
        }
        row(&f).map_err(|e| format!("{} line {n}: {e}", path.display()))?;
    }
    Ok(())
}

/// `item_id,city,venue,genres,artists,starts_at,ends_at,tags`
fn read_items(path: &Path) -> Result<Vec<Item>, Error> {
    let mut items = Vec::new();
    for_each_record(path, 8, |f| {
        let mut item = Item::new(&*f[0], f[5].parse()?)
            .city(&*f[1])
            .venue(&*f[2])
            .genres(list(&f[3]))
            .artists(list(&f[4]))
            .tags(list(&f[7]));
        if !f[6].is_empty() {
            item = item.ends_at(f[6].parse()?);
        }
        items.push(item);
        Ok(())
    })?;
    Ok(items)
}

/// `user_id,genres,artists,cities`
fn read_preferences(path: &Path) -> Result<Vec<(String, Preferences)>, Error> {
    let mut out = Vec::new();
    for_each_record(path, 4, |f| {
        let p = Preferences {
            genres: list(&f[1]),
            artists: list(&f[2]),
            cities: list(&f[3]),
        };
        out.push((f[0].to_string(), p));
        Ok(())
    })?;
    Ok(out)
}

/// `user_id,item_id,kind,timestamp` rows, read one line at a time. A read or parse problem ends
/// the stream early and is kept in `problem` for the caller to report.
struct CsvInteractions {
    reader: BufReader<File>,
    path: PathBuf,
    line: String,
    rows: Rc<Cell<usize>>,
    exhausted: Rc<Cell<Option<Instant>>>,
    problem: Rc<Cell<Option<String>>>,
}

impl CsvInteractions {
    fn open(path: &Path) -> Result<CsvInteractions, Error> {
        let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
        let mut header = String::new();
        reader.read_line(&mut header)?;
        if header.trim_end() != "user_id,item_id,kind,timestamp" {
            return Err(format!("{}: unexpected header {header:?}", path.display()).into());
        }
        Ok(CsvInteractions {
            reader,
            path: path.to_owned(),
            line: String::new(),
            rows: Rc::default(),
            exhausted: Rc::default(),
            problem: Rc::default(),
        })
    }

    fn next(&mut self) -> Option<Interaction> {
        self.line.clear();
        let row = match self.reader.read_line(&mut self.line) {
            Ok(0) => {
                self.exhausted.set(Some(Instant::now()));
                return None;
            }
            Ok(_) => self.parse(),
            Err(e) => Err(e.to_string()),
        };
        match row {
            Ok(x) => {
                self.rows.set(self.rows.get() + 1);
                Some(x)
            }
            Err(e) => {
                let line = self.rows.get() + 2;
                self.problem
                    .set(Some(format!("{} line {line}: {e}", self.path.display())));
                None
            }
        }
    }

    fn parse(&self) -> Result<Interaction, String> {
        let line = self.line.trim_end_matches(['\n', '\r']);
        let bad = || format!("expected user_id,item_id,kind,timestamp, got {line:?}");
        let row = |f: &[&str]| -> Result<Interaction, String> {
            match f {
                [user, item, kind, ts] => {
                    let ts = ts.parse().map_err(|e| format!("timestamp {ts:?}: {e}"))?;
                    Ok(Interaction::new(*user, *item, *kind, ts))
                }
                _ => Err(bad()),
            }
        };
        if line.contains('"') {
            let f = split_csv(line);
            row(&f.iter().map(|f| &**f).collect::<Vec<_>>())
        } else {
            let mut f = [""; 4];
            let mut parts = line.split(',');
            for slot in &mut f {
                *slot = parts.next().ok_or_else(bad)?;
            }
            if parts.next().is_some() {
                return Err(bad());
            }
            row(&f)
        }
    }
}
