//! `examples/grafana-dashboard.json` parses, is shaped like an importable Grafana dashboard, and
//! only queries metrics the service actually exports.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use craic::experiments::Experiment;
use craic::service::{Service, ServiceOptions};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Interaction, Request, Strategy, SAVE};
use serde_json::Value;

const DASHBOARD: &str = include_str!("../examples/grafana-dashboard.json");

/// Every metric name (`craic_...` identifier) in a PromQL expression.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut cur = String::new();
    let mut in_string = false;
    for c in expr.chars().chain([' ']) {
        if c == '"' {
            in_string = !in_string;
        }
        if !in_string && (c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            cur.push(c);
        } else {
            if cur.starts_with("craic_") {
                names.push(std::mem::take(&mut cur));
            }
            cur.clear();
        }
    }
    names
}

/// Every PromQL expression of the dashboard: panel targets (rows included) and query variables.
fn expressions(dashboard: &Value) -> Vec<String> {
    fn panels(list: &Value, out: &mut Vec<String>) {
        for p in list.as_array().into_iter().flatten() {
            for t in p["targets"].as_array().into_iter().flatten() {
                out.push(
                    t["expr"]
                        .as_str()
                        .expect("every target has an expr")
                        .to_owned(),
                );
            }
            panels(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    panels(&dashboard["panels"], &mut out);
    for v in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if v["type"] == "query" {
            let q = v["query"]["query"].as_str().or(v["query"].as_str());
            out.push(q.expect("query variables have a query").to_owned());
        }
    }
    out
}

/// The sample names a service exposes after exercising every code path that creates series.
fn exported_names() -> BTreeSet<String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let data = Dataset::generate(&SyntheticConfig {
        start: now - 60 * 86_400,
        ..SyntheticConfig::tiny()
    });
    let svc = Service::build(
        Config::default(),
        data.clone().into(),
        ServiceOptions::default(),
    )
    .unwrap();
    let exp = Experiment::builder("feed")
        .variant("control", 0.5, Strategy::Popularity)
        .variant("hybrid", 0.5, Strategy::Hybrid)
        .build()
        .unwrap();
    svc.register_experiment(exp).unwrap();
    let at = now + 60;
    for s in Strategy::ALL {
        svc.recommend("u1", &Request::new(5).strategy(s).now(at))
            .unwrap();
    }
    let mut converted = false;
    for u in 0..data.user_count() {
        let user = Dataset::user_id(u);
        let shown = svc
            .recommend_in_experiment("feed", &user, &Request::new(5).now(at))
            .unwrap();
        if let Some(first) = shown.recommendations.first() {
            svc.record(&[Interaction::new(&user, &first.item_id, SAVE, at + 5)])
                .unwrap();
            converted = true;
            break;
        }
    }
    assert!(converted, "no user got a recommendation");
    assert!(svc
        .recommend_in_experiment("nope", "u1", &Request::new(5))
        .is_err());
    svc.retrain_blocking(None).unwrap();
    svc.drift_report_at(at + 10);
    svc.metrics_text()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn dashboard_is_importable_and_uses_exported_metrics() {
    let d: Value = serde_json::from_str(DASHBOARD).expect("valid JSON");
    assert!(d["schemaVersion"].as_u64().unwrap() >= 36);
    assert!(d["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(d["uid"].as_str().is_some());
    let vars = d["templating"]["list"].as_array().unwrap();
    assert!(vars.iter().any(|v| v["name"] == "datasource"
        && v["type"] == "datasource"
        && v["query"] == "prometheus"));

    let panels = d["panels"].as_array().unwrap();
    let mut ids = BTreeSet::new();
    for p in panels {
        assert!(ids.insert(p["id"].as_u64().unwrap()), "duplicate panel id");
        for k in ["x", "y", "w", "h"] {
            assert!(
                p["gridPos"][k].is_u64(),
                "panel {} lacks gridPos.{k}",
                p["title"]
            );
        }
        if p["type"] != "row" {
            assert_eq!(
                p["datasource"]["uid"], "${datasource}",
                "panel {}",
                p["title"]
            );
            assert!(!p["targets"].as_array().unwrap().is_empty());
        }
    }

    let exported = exported_names();
    let exprs = expressions(&d);
    let mut used = BTreeSet::new();
    for e in &exprs {
        let names = metric_names(e);
        assert!(!names.is_empty(), "no craic metric in {e:?}");
        for n in names {
            assert!(
                exported.contains(&n),
                "{n} (in {e:?}) is not exported; exported: {exported:?}"
            );
            used.insert(n);
        }
    }
    // The dashboard covers what operators need.
    for needed in [
        "craic_recommend_duration_seconds_bucket",
        "craic_cache_hits_total",
        "craic_cache_misses_total",
        "craic_experiment_conversions_total",
        "craic_experiment_exposures_total",
        "craic_model_age_seconds",
        "craic_drift_psi",
        "craic_retrains_total",
    ] {
        assert!(used.contains(needed), "{needed} not on the dashboard");
    }
}

#[test]
fn metric_name_extraction() {
    assert_eq!(
        metric_names(
            "sum by (le) (rate(craic_x_bucket{a=\"craic_not_me\"}[$__rate_interval])) / craic_y"
        ),
        ["craic_x_bucket", "craic_y"]
    );
}
