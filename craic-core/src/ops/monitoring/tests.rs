use std::collections::{BTreeMap, HashSet};

use super::*;

const ODD: &str = "bad \"quote\" \\ and\nnewline";

fn small_registry() -> MetricsRegistry {
    let r = MetricsRegistry::new();
    r.counter(
        "craic_requests_total",
        "Requests served.",
        &[("strategy", "hybrid")],
    )
    .unwrap()
    .add(3);
    r.counter(
        "craic_requests_total",
        "ignored",
        &[("strategy", "popular")],
    )
    .unwrap()
    .inc();
    r.gauge("craic_model_users", "Users in the model.", &[])
        .unwrap()
        .set(42.5);
    r.counter(
        "craic_errors_total",
        "Errors by kind.\nSecond \\ line",
        &[("kind", ODD)],
    )
    .unwrap()
    .inc();
    let h = r
        .histogram(
            "craic_request_duration_seconds",
            "Request latency.",
            &[("operation", "recommend")],
        )
        .unwrap();
    for ns in [500, 3_000, 2_000_000, 20_000_000_000] {
        h.record(ns);
    }
    r
}

#[test]
fn prometheus_exact_output() {
    let text = small_registry().to_prometheus();
    let les = [
        ("0.000001", 1),
        ("0.0000025", 1),
        ("0.000005", 2),
        ("0.00001", 2),
        ("0.000025", 2),
        ("0.00005", 2),
        ("0.0001", 2),
        ("0.00025", 2),
        ("0.0005", 2),
        ("0.001", 2),
        ("0.0025", 3),
        ("0.005", 3),
        ("0.01", 3),
        ("0.025", 3),
        ("0.05", 3),
        ("0.1", 3),
        ("0.25", 3),
        ("0.5", 3),
        ("1", 3),
        ("2.5", 3),
        ("5", 3),
        ("10", 3),
        ("+Inf", 4),
    ];
    let mut expected = vec![
        "# HELP craic_errors_total Errors by kind.\\nSecond \\\\ line".to_string(),
        "# TYPE craic_errors_total counter".into(),
        "craic_errors_total{kind=\"bad \\\"quote\\\" \\\\ and\\nnewline\"} 1".into(),
        "# HELP craic_model_users Users in the model.".into(),
        "# TYPE craic_model_users gauge".into(),
        "craic_model_users 42.5".into(),
        "# HELP craic_request_duration_seconds Request latency.".into(),
        "# TYPE craic_request_duration_seconds histogram".into(),
    ];
    for (le, n) in les {
        expected.push(format!(
            "craic_request_duration_seconds_bucket{{operation=\"recommend\",le=\"{le}\"}} {n}"
        ));
    }
    expected.extend([
        "craic_request_duration_seconds_sum{operation=\"recommend\"} 20.0020035".to_string(),
        "craic_request_duration_seconds_count{operation=\"recommend\"} 4".into(),
        "# HELP craic_requests_total Requests served.".into(),
        "# TYPE craic_requests_total counter".into(),
        "craic_requests_total{strategy=\"hybrid\"} 3".into(),
        "craic_requests_total{strategy=\"popular\"} 1".into(),
    ]);
    let got: Vec<&str> = text.lines().collect();
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "line {i}");
    }
    assert_eq!(got.len(), expected.len());
    assert!(text.ends_with('\n'));
    let parsed = parse_prometheus(&text);
    assert_eq!(parsed["craic_errors_total"][0].0["kind"], ODD);
}

type Sample = (BTreeMap<String, String>, f64);
type LabelKey = Vec<(String, String)>;

/// A small structural parser of the text format: checks HELP/TYPE order, sample names against
/// their family, label syntax and escapes, value syntax, and histogram bucket invariants.
/// Returns samples per sample name.
fn parse_prometheus(text: &str) -> BTreeMap<String, Vec<Sample>> {
    let mut out: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    let mut declared = HashSet::new();
    let mut family: Option<(String, String)> = None;
    let mut last_help: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(is_valid_metric_name(name));
            last_help = Some(name.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
            assert_eq!(parts.next(), None);
            assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind));
            assert_eq!(last_help.as_deref(), Some(name), "HELP precedes TYPE");
            assert!(declared.insert(name.to_string()), "{name} declared twice");
            family = Some((name.to_string(), kind.to_string()));
            continue;
        }
        assert!(!line.starts_with('#'));
        let (fname, kind) = family.clone().expect("sample after TYPE");
        let name_end = line.find(['{', ' ']).unwrap();
        let name = &line[..name_end];
        let allowed: Vec<String> = if kind == "histogram" {
            ["_bucket", "_sum", "_count"]
                .iter()
                .map(|s| format!("{fname}{s}"))
                .collect()
        } else {
            vec![fname.clone()]
        };
        assert!(allowed.contains(&name.to_string()), "{name} in {fname}");
        let (labels, rest) = parse_labels(&line[name_end..]);
        let rest = rest.strip_prefix(' ').expect("space before value");
        let value: f64 = match rest {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value {v:?}")),
        };
        out.entry(name.to_string())
            .or_default()
            .push((labels, value));
    }
    check_histograms(&out);
    out
}

/// The labels of a sample (`rest` starts after its name, with `{` when it has labels), checked
/// for syntax and escapes; returns them and what follows the closing brace.
fn parse_labels(mut rest: &str) -> (BTreeMap<String, String>, &str) {
    let mut labels = BTreeMap::new();
    if rest.starts_with('{') {
        let mut chars = rest[1..].char_indices();
        let mut key = String::new();
        loop {
            let (i, c) = chars.next().expect("unterminated labels");
            if c == '}' {
                rest = &rest[i + 2..];
                break;
            }
            if c == ',' {
                continue;
            }
            if c != '=' {
                key.push(c);
                continue;
            }
            assert!(is_valid_label_name(&key) || key == "le", "{key}");
            assert_eq!(chars.next().unwrap().1, '"');
            let mut value = String::new();
            loop {
                match chars.next().expect("unterminated value").1 {
                    '"' => break,
                    '\\' => match chars.next().unwrap().1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        other => panic!("bad escape \\{other}"),
                    },
                    '\n' => panic!("raw newline"),
                    c => value.push(c),
                }
            }
            assert!(labels.insert(std::mem::take(&mut key), value).is_none());
        }
    }
    (labels, rest)
}

/// Histogram invariants: per series, buckets ascend in `le` and count, end at +Inf = `_count`.
fn check_histograms(out: &BTreeMap<String, Vec<Sample>>) {
    for (name, samples) in out {
        let Some(base) = name.strip_suffix("_bucket") else {
            continue;
        };
        let mut series: BTreeMap<LabelKey, Vec<(f64, f64)>> = BTreeMap::new();
        for (labels, v) in samples {
            let mut l = labels.clone();
            let le = l.remove("le").expect("le label");
            let le: f64 = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            series
                .entry(l.into_iter().collect())
                .or_default()
                .push((le, *v));
        }
        for (labels, buckets) in series {
            assert!(buckets
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
            let (le, total) = *buckets.last().unwrap();
            assert_eq!(le, f64::INFINITY);
            let count = out[&format!("{base}_count")]
                .iter()
                .find(|(l, _)| l.clone().into_iter().collect::<Vec<_>>() == labels)
                .unwrap()
                .1;
            assert_eq!(count, total);
        }
    }
}

#[test]
fn prometheus_structure_of_a_busy_registry() {
    let r = MetricsRegistry::new();
    for op in ["recommend", "ingest", "retrain"] {
        for strategy in ["hybrid", "cf", "popular", "content"] {
            let h = r
                .histogram(
                    "lat_seconds",
                    "L.",
                    &[("operation", op), ("strategy", strategy)],
                )
                .unwrap();
            for i in 0..200u64 {
                h.record(i * i * 997);
            }
            r.counter(
                "req_total",
                "R.",
                &[("operation", op), ("strategy", strategy)],
            )
            .unwrap()
            .add(200);
        }
    }
    r.gauge("weird", "W.", &[]).unwrap().set(f64::NAN);
    let parsed = parse_prometheus(&r.to_prometheus());
    assert_eq!(parsed["lat_seconds_count"].len(), 12);
    assert_eq!(parsed["lat_seconds_bucket"].len(), 12 * 23);
    assert!(parsed["weird"][0].1.is_nan());
    assert!(parsed["req_total"].iter().all(|(_, v)| *v == 200.0));
}

#[test]
fn emf_structure() {
    let text = small_registry().to_emf("craic/test", 1_700_000_000_123);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5); // one per series
    for line in &lines {
        let root = line.as_object().unwrap();
        let aws = &root["_aws"];
        assert_eq!(aws["Timestamp"], 1_700_000_000_123i64);
        let directives = aws["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        let d = &directives[0];
        assert_eq!(d["Namespace"], "craic/test");
        let sets = d["Dimensions"].as_array().unwrap();
        assert_eq!(sets.len(), 1);
        for dim in sets[0].as_array().unwrap() {
            let v = root[dim.as_str().unwrap()].as_str().unwrap();
            assert!(!v.is_empty() && v.chars().all(|c| (' '..='~').contains(&c)));
        }
        let metrics = d["Metrics"].as_array().unwrap();
        assert!(!metrics.is_empty() && metrics.len() <= 100);
        for m in metrics {
            let name = m["Name"].as_str().unwrap();
            assert!(["Count", "None", "Seconds"].contains(&m["Unit"].as_str().unwrap()));
            assert!(root[name].is_number(), "{name}");
        }
        // Nothing else at the root: dimensions, metrics and _aws.
        assert_eq!(
            root.len(),
            1 + sets[0].as_array().unwrap().len() + metrics.len()
        );
    }
    let hybrid = lines.iter().find(|l| l["strategy"] == "hybrid").unwrap();
    assert_eq!(hybrid["craic_requests_total"], 3.0);
    assert_eq!(
        hybrid["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        serde_json::json!([["strategy"]])
    );
    let users = lines
        .iter()
        .find(|l| l.get("craic_model_users").is_some())
        .unwrap();
    assert_eq!(users["craic_model_users"], 42.5);
    assert_eq!(
        users["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        serde_json::json!([[]])
    );
    let errors = lines.iter().find(|l| l.get("kind").is_some()).unwrap();
    assert_eq!(errors["kind"], "bad \"quote\" \\ and?newline");
    let lat = lines
        .iter()
        .find(|l| l["operation"] == "recommend")
        .unwrap();
    assert_eq!(lat["craic_request_duration_seconds_count"], 4.0);
    assert_eq!(lat["craic_request_duration_seconds_max"], 20.0);
    assert_eq!(lat["craic_request_duration_seconds_sum"], 20.0020035);
}
