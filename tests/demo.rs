//! Runs the demo (`examples/demo`) at the tiny size and checks its output and `report.html`.

#[path = "../examples/demo/ab.rs"]
mod ab;
#[path = "../examples/demo/boredom.rs"]
mod boredom;
#[path = "../examples/demo/feeds.rs"]
mod feeds;
#[path = "../examples/demo/offline.rs"]
mod offline;
#[path = "../examples/demo/options.rs"]
mod options;
#[path = "../examples/demo/report.rs"]
mod report;
#[path = "../examples/demo/run.rs"]
mod run;
#[path = "../examples/demo/simulate.rs"]
mod simulate;
#[path = "../examples/demo/storage.rs"]
mod storage;
#[path = "../examples/demo/summary.rs"]
mod summary;
#[path = "../examples/demo/table.rs"]
mod table;

use std::path::PathBuf;

/// A fresh temporary directory for this test process.
fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("craic-demo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn tiny_demo_writes_a_self_contained_report() {
    let dir = temp_dir();
    let path = dir.join("report.html");
    let mut out = Vec::new();
    let mut options = run::Options::tiny(path.clone());
    options.store_url = Some(format!("sqlite://{}", dir.join("demo.db").display()));
    let summary = run::run(&options, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();

    // The A/B summary has the four arms, control first, and every arm got traffic.
    let names: Vec<&str> = summary
        .ab
        .variants
        .iter()
        .map(|v| v.variant.as_str())
        .collect();
    assert_eq!(names, ["control", "collaborative", "content", "hybrid"]);
    assert!(summary.ab.variants.iter().all(|v| v.exposed_users > 0));
    assert!(summary.ab_totals.saves > 0, "{text}");
    let converting: u64 = summary.ab.variants.iter().map(|v| v.converting_users).sum();
    assert!(converting > 0, "no conversion was attributed:\n{text}");
    assert_eq!(summary.offline.len(), 4);
    assert_bored_and_beyond_accuracy(&summary);
    assert_eq!(summary.latency.len(), 4);

    // The terminal output stays readable.
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "line too long: {line:?}");
    }
    for needle in [
        "control",
        "hybrid",
        "NDCG",
        "craic_requests_total",
        "Retrain",
        "stored in",
        "bored users",
        "novelty",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }

    // The report exists, has charts, and references nothing outside itself.
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.matches("<svg").count() >= 3);
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("<link"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn feeds_demo_imports_merges_and_recommends_the_sample_pages() {
    let dir = std::env::temp_dir().join(format!("craic-demo-feeds-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.html");
    let options = run::Options::feeds(feeds::sample_dir(), true, path.clone());
    let mut out = Vec::new();
    let summary = run::run(&options, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();

    // Both sample pages imported: 20 + 19 listings, 8 gigs on both feeds merged into one item
    // each, the cancelled Ticketmaster gig removed and the Eventbrite event without a start
    // rejected with its JSON path.
    let f = summary.feeds.as_ref().expect("feeds summary");
    assert_eq!(f.pages, 2, "{text}");
    assert_eq!(f.listings, 39, "{text}");
    assert_eq!(f.merged, 8, "{text}");
    assert_eq!(f.events, 31, "{text}");
    assert_eq!((f.removed, f.rejected), (1, 1), "{text}");
    assert_eq!(summary.items, 31);
    for needle in [
        "ticketmaster-ie-2029-03.json (Ticketmaster): 20 imported · 1 cancelled/postponed",
        "eventbrite-ie-2029-03.json (Eventbrite): 19 imported · 0 cancelled/postponed · 1 rejected",
        "$.events[19].start: missing",
        "39 listings → 31 events; 8 cross-listed events merged",
        "eb:90005550001 \"LANKUM (Live)\" = tm:Z698xZ2qZa000 \"Lankum\"",
        "SIMULATED (not from the feeds)",
        "hybrid recommendations for simulated user",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }

    // Recommendations are imported events, by name; merged events appear under their canonical
    // (Ticketmaster) id only.
    assert_eq!(f.sample.len(), 5, "{text}");
    assert!(f
        .sample
        .iter()
        .all(|(id, name)| (id.starts_with("tm:") || id.starts_with("eb:")) && !name.is_empty()));
    assert!(!f.sample.iter().any(|(id, _)| id == "eb:90005550001"));

    // The rest of the demo ran on that catalogue.
    assert!(
        summary.ab_totals.shown > 0 && summary.ab_totals.saves > 0,
        "{text}"
    );
    assert!(summary.ab.variants.iter().all(|v| v.exposed_users > 0));
    assert_eq!(summary.offline.len(), 4);
    assert_bored_and_beyond_accuracy(&summary);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "line too long: {line:?}");
    }
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn feed_pages_are_told_apart_by_name_then_content() {
    use feeds::{detect, Feed};
    let tm = br#"{"_embedded":{"events":[]}}"#;
    let eb = br#"{"pagination":{},"events":[]}"#;
    let p = std::path::Path::new;
    assert_eq!(detect(p("d/TM-page-1.json"), eb), Some(Feed::Ticketmaster));
    assert_eq!(detect(p("d/eventbrite.json"), tm), Some(Feed::Eventbrite));
    assert_eq!(detect(p("d/page-1.json"), tm), Some(Feed::Ticketmaster));
    assert_eq!(detect(p("d/page-2.json"), eb), Some(Feed::Eventbrite));
    assert_eq!(detect(p("d/notes.json"), br#"{"a":1}"#), None);
    assert_eq!(detect(p("d/broken.json"), b"{"), None);
}

#[test]
fn report_escapes_text() {
    assert_eq!(
        report::esc("<b>\"a\" & 'b'</b>"),
        "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
    );
}

#[test]
fn store_passwords_are_masked() {
    assert_eq!(
        storage::masked("mysql://root:pw@h:1/db"),
        "mysql://root:***@h:1/db"
    );
    assert_eq!(storage::masked("mysql://root@h/db"), "mysql://root@h/db");
    assert_eq!(storage::masked("sqlite:///a@b.db"), "sqlite:///a@b.db");
}

/// The bored simulation: control, diversity and demotion arms, all with traffic; the offline
/// table reports the beyond-accuracy metrics.
fn assert_bored_and_beyond_accuracy(summary: &run::Summary) {
    let bored: Vec<&str> = summary
        .bored
        .1
        .variants
        .iter()
        .map(|v| v.variant.as_str())
        .collect();
    assert_eq!(bored, ["control", "diversity", "demotion"]);
    assert!(summary.bored.1.variants.iter().all(|v| v.exposed_users > 0));
    assert!(summary.bored.0.visits > 0);
    assert!(summary
        .offline
        .iter()
        .all(|(_, m)| m.intra_list_diversity > 0.0
            && m.novelty > 0.0
            && (0.0..=1.0).contains(&m.gini)));
}
