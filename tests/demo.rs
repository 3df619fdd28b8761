//! Runs the demo (`examples/demo`) at the tiny size and checks its output and `report.html`.

#[path = "../examples/demo/report.rs"]
mod report;
#[path = "../examples/demo/run.rs"]
mod run;
#[path = "../examples/demo/simulate.rs"]
mod simulate;
#[path = "../examples/demo/storage.rs"]
mod storage;
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
