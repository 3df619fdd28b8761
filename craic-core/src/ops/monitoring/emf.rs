//! CloudWatch Embedded Metric Format (EMF) for [`MetricsSnapshot`].
//!
//! One JSON object per line, per series:
//!
//! ```text
//! {"_aws":{"CloudWatchMetrics":[{"Dimensions":[["operation","strategy"]],
//!   "Metrics":[{"Name":"craic_requests_total","Unit":"Count"}],"Namespace":"craic"}],
//!   "Timestamp":1700000000000},"craic_requests_total":3,"operation":"recommend","strategy":"hybrid"}
//! ```
//!
//! (on one line). Labels become dimensions (root members holding string values, listed in the
//! one dimension set; a series without labels has the empty dimension set `[[]]`); counters are
//! written with unit `Count`, gauges with unit `None`. A histogram series becomes the members
//! `<name>_count` (`Count`) and `<name>_sum`, `_p50`, `_p95`, `_p99`, `_max` (`Seconds`; the
//! quantiles only when the count is non-zero). Values are as in the snapshot: render a
//! [`MetricsSnapshot::delta`] to send per-interval values, which is what CloudWatch aggregates.
//!
//! CloudWatch accepts only non-empty ASCII dimension values of at most 1024 characters without
//! control characters: other characters are replaced by `?`, an empty value by `(empty)`, and
//! long values truncated. Non-finite gauge values are skipped (JSON has no NaN or infinity).

use serde_json::{json, Map, Value};

use super::registry::{MetricsSnapshot, SeriesValue};

fn dimension_value(v: &str) -> String {
    if v.is_empty() {
        return "(empty)".into();
    }
    let mut s: String = v
        .chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect();
    s.truncate(1024);
    if s.trim().is_empty() {
        "(blank)".into()
    } else {
        s
    }
}

impl MetricsSnapshot {
    /// Renders every series as one EMF JSON line (see the [module docs](self)) with the given
    /// CloudWatch `namespace` and `_aws.Timestamp` (milliseconds since the Unix epoch). Each
    /// line ends with `\n`; write them to stdout or a CloudWatch Logs stream.
    pub fn to_emf(&self, namespace: &str, timestamp_ms: i64) -> String {
        let mut out = String::new();
        for f in &self.families {
            for s in &f.series {
                let mut metrics: Vec<(String, &str, Value)> = Vec::new();
                match &s.value {
                    SeriesValue::Counter(v) => metrics.push((f.name.clone(), "Count", json!(v))),
                    SeriesValue::Gauge(v) if v.is_finite() => {
                        metrics.push((f.name.clone(), "None", json!(v)))
                    }
                    SeriesValue::Gauge(_) => {}
                    SeriesValue::Histogram(h) => {
                        let n = &f.name;
                        metrics.push((format!("{n}_count"), "Count", json!(h.count())));
                        metrics.push((
                            format!("{n}_sum"),
                            "Seconds",
                            json!(h.sum_nanos() as f64 / 1e9),
                        ));
                        for (suffix, p) in
                            [("_p50", 0.5), ("_p95", 0.95), ("_p99", 0.99), ("_max", 1.0)]
                        {
                            if let Some(q) = h.quantile(p) {
                                metrics.push((
                                    format!("{n}{suffix}"),
                                    "Seconds",
                                    json!(q as f64 / 1e9),
                                ));
                            }
                        }
                    }
                }
                if metrics.is_empty() {
                    continue;
                }
                let mut root = Map::new();
                let dims: Vec<&str> = s.labels.iter().map(|(k, _)| k.as_str()).collect();
                for (k, v) in &s.labels {
                    root.insert(k.clone(), Value::String(dimension_value(v)));
                }
                let defs: Vec<Value> = metrics
                    .iter()
                    .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
                    .collect();
                for (name, _, v) in metrics {
                    root.insert(name, v);
                }
                root.insert(
                    "_aws".into(),
                    json!({
                        "Timestamp": timestamp_ms,
                        "CloudWatchMetrics": [{
                            "Namespace": namespace,
                            "Dimensions": [dims],
                            "Metrics": defs,
                        }],
                    }),
                );
                out.push_str(&Value::Object(root).to_string());
                out.push('\n');
            }
        }
        out
    }
}
