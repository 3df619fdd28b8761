//! Prometheus text exposition format 0.0.4 for [`MetricsSnapshot`].

use std::fmt::Write;

use super::histogram::EXPORT_BOUNDS;
use super::registry::{MetricKind, MetricsSnapshot, SeriesValue};

/// A float as Prometheus writes it: shortest round-trip decimal, `+Inf`, `-Inf`, `NaN`.
pub fn format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n`.
pub fn escape_label_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes `# HELP` text: `\` → `\\`, newline → `\n`.
pub fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

fn label_block(labels: &[(String, String)], extra: Option<(&str, &str)>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v)))
        .collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn seconds(nanos: u64) -> String {
    format_float(nanos as f64 / 1e9)
}

impl MetricsSnapshot {
    /// Renders the snapshot in the Prometheus text exposition format 0.0.4: for each family
    /// with at least one series, `# HELP` and `# TYPE` lines, then one sample line per series —
    /// for histograms the cumulative `_bucket{le="..."}` lines at [`EXPORT_BOUNDS`] (in seconds)
    /// and `+Inf`, then `_sum` (seconds) and `_count`. Families and series are sorted, label
    /// values escaped; every line ends with `\n`. Serve it as
    /// `Content-Type: text/plain; version=0.0.4`.
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        for f in self.families.iter().filter(|f| !f.series.is_empty()) {
            let name = &f.name;
            let _ = writeln!(out, "# HELP {name} {}", escape_help(&f.help));
            let _ = writeln!(out, "# TYPE {name} {}", f.kind.as_str());
            for s in &f.series {
                let labels = label_block(&s.labels, None);
                match (&s.value, f.kind) {
                    (SeriesValue::Counter(v), _) => {
                        let _ = writeln!(out, "{name}{labels} {v}");
                    }
                    (SeriesValue::Gauge(v), _) => {
                        let _ = writeln!(out, "{name}{labels} {}", format_float(*v));
                    }
                    (SeriesValue::Histogram(h), MetricKind::Histogram) => {
                        for &b in &EXPORT_BOUNDS {
                            let le = seconds(b);
                            let l = label_block(&s.labels, Some(("le", &le)));
                            let _ = writeln!(out, "{name}_bucket{l} {}", h.count_le(b));
                        }
                        let l = label_block(&s.labels, Some(("le", "+Inf")));
                        let _ = writeln!(out, "{name}_bucket{l} {}", h.count());
                        let _ = writeln!(out, "{name}_sum{labels} {}", seconds(h.sum_nanos()));
                        let _ = writeln!(out, "{name}_count{labels} {}", h.count());
                    }
                    (SeriesValue::Histogram(_), _) => {}
                }
            }
        }
        out
    }
}
