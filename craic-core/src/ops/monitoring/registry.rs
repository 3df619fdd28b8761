//! [`MetricsRegistry`]: named counters, gauges and latency histograms with labels.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::histogram::{bucket_index, LatencyHistogram, NUM_BOUNDS};
use crate::model::error::{Error, Result};

/// Maximum number of labels of one series (CloudWatch allows 30 dimensions per metric).
pub const MAX_LABELS: usize = 30;

/// Suffixes of the extra EMF members written for a histogram (see [`super::emf`]).
pub(crate) const EMF_HISTOGRAM_SUFFIXES: [&str; 6] =
    ["_count", "_sum", "_p50", "_p95", "_p99", "_max"];
/// Suffixes of the extra Prometheus samples written for a histogram.
const PROM_HISTOGRAM_SUFFIXES: [&str; 3] = ["_bucket", "_sum", "_count"];

/// What a metric family measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A monotonically increasing count.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A latency distribution ([`LatencyHistogram`]), exported in seconds.
    Histogram,
}

impl MetricKind {
    /// The Prometheus `# TYPE` name.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// A handle to one counter series; cheap to clone, lock-free to update.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Adds 1.
    pub fn inc(&self) {
        self.add(1);
    }
    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    /// The current total.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A handle to one gauge series (an `f64`); cheap to clone, lock-free to update.
#[derive(Debug, Clone)]
pub struct Gauge(Arc<AtomicU64>);

impl Default for Gauge {
    fn default() -> Self {
        Gauge(Arc::new(AtomicU64::new(0f64.to_bits())))
    }
}

impl Gauge {
    /// Sets the value.
    pub fn set(&self, v: f64) {
        self.0.store(v.to_bits(), Ordering::Relaxed);
    }
    /// Adds `d` (may be negative).
    pub fn add(&self, d: f64) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some((f64::from_bits(b) + d).to_bits())
            });
    }
    /// The current value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

#[derive(Debug)]
struct AtomicHistogram {
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    min: AtomicU64,
    max: AtomicU64,
}

/// A handle to one latency-histogram series; cheap to clone, lock-free to update (four relaxed
/// atomic operations per observation).
#[derive(Debug, Clone)]
pub struct Histogram(Arc<AtomicHistogram>);

impl Default for Histogram {
    fn default() -> Self {
        Histogram(Arc::new(AtomicHistogram {
            counts: (0..=NUM_BOUNDS).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            min: AtomicU64::new(u64::MAX),
            max: AtomicU64::new(0),
        }))
    }
}

impl Histogram {
    /// Records one observation in nanoseconds.
    pub fn record(&self, nanos: u64) {
        let h = &self.0;
        h.counts[bucket_index(nanos)].fetch_add(1, Ordering::Relaxed);
        h.sum.fetch_add(nanos, Ordering::Relaxed);
        h.min.fetch_min(nanos, Ordering::Relaxed);
        h.max.fetch_max(nanos, Ordering::Relaxed);
    }

    /// Records a [`std::time::Duration`] (saturating at `u64::MAX` nanoseconds).
    pub fn record_duration(&self, d: std::time::Duration) {
        self.record(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    /// A copy of the current state. Under concurrent updates the fields are read one by one,
    /// so the sum may be off by the observations in flight; the count always equals the sum of
    /// the bucket counts.
    pub fn snapshot(&self) -> LatencyHistogram {
        let h = &self.0;
        let counts = h.counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        LatencyHistogram::from_parts(
            counts,
            h.sum.load(Ordering::Relaxed),
            h.min.load(Ordering::Relaxed),
            h.max.load(Ordering::Relaxed),
        )
    }
}

#[derive(Debug, Clone)]
enum Handle {
    Counter(Counter),
    Gauge(Gauge),
    Histogram(Histogram),
}

type Labels = Vec<(String, String)>;

#[derive(Debug)]
struct Family {
    help: String,
    kind: MetricKind,
    series: BTreeMap<Labels, Handle>,
}

/// The value of one series in a [`MetricsSnapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesValue {
    /// A counter total.
    Counter(u64),
    /// A gauge value.
    Gauge(f64),
    /// A latency histogram (nanoseconds).
    Histogram(LatencyHistogram),
}

/// One labelled series of a [`FamilySnapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesSnapshot {
    /// Label names and values, sorted by name.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: SeriesValue,
}

/// One metric family of a [`MetricsSnapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilySnapshot {
    /// Metric name.
    pub name: String,
    /// Help text.
    pub help: String,
    /// Kind.
    pub kind: MetricKind,
    /// Series, sorted by labels.
    pub series: Vec<SeriesSnapshot>,
}

/// A point-in-time copy of a [`MetricsRegistry`]: plain, serde-serializable data, sorted by
/// family name and labels, ready to render ([`MetricsSnapshot::to_prometheus`],
/// [`MetricsSnapshot::to_emf`]) or to diff ([`MetricsSnapshot::delta`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsSnapshot {
    /// Families, sorted by name.
    pub families: Vec<FamilySnapshot>,
}

impl MetricsSnapshot {
    /// What happened between `earlier` and `self` (two snapshots of the same registry):
    /// counters and histograms become differences (saturating at 0, so a restart reads as
    /// "everything new"), gauges keep their current value. Use it to emit per-interval values to
    /// CloudWatch, which expects deltas rather than cumulative totals.
    pub fn delta(&self, earlier: &MetricsSnapshot) -> MetricsSnapshot {
        let old: BTreeMap<(&str, &Labels), &SeriesValue> = earlier
            .families
            .iter()
            .flat_map(|f| {
                f.series
                    .iter()
                    .map(move |s| ((f.name.as_str(), &s.labels), &s.value))
            })
            .collect();
        let families = self
            .families
            .iter()
            .map(|f| FamilySnapshot {
                name: f.name.clone(),
                help: f.help.clone(),
                kind: f.kind,
                series: f
                    .series
                    .iter()
                    .map(|s| {
                        let value = match (&s.value, old.get(&(f.name.as_str(), &s.labels))) {
                            (SeriesValue::Counter(a), Some(SeriesValue::Counter(b))) => {
                                SeriesValue::Counter(a.saturating_sub(*b))
                            }
                            (SeriesValue::Histogram(a), Some(SeriesValue::Histogram(b))) => {
                                SeriesValue::Histogram(a.saturating_sub(b))
                            }
                            (v, _) => v.clone(),
                        };
                        SeriesSnapshot {
                            labels: s.labels.clone(),
                            value,
                        }
                    })
                    .collect(),
            })
            .collect();
        MetricsSnapshot { families }
    }
}

/// Named counters, gauges and latency histograms with labels.
///
/// Registration (`counter`, `gauge`, `histogram`) takes an internal `Mutex` and returns a
/// handle; updating a handle is lock-free (relaxed atomics), so the hot path never contends.
/// Registering the same name and labels again returns the same series. The registry is
/// `Send + Sync`: share it as `Arc<MetricsRegistry>` (it is owned state, not a global).
/// Rendering ([`MetricsRegistry::to_prometheus`], [`MetricsRegistry::to_emf`]) takes a
/// [`MetricsRegistry::snapshot`] under the lock and formats outside it.
///
/// ```
/// use craic_core::monitoring::MetricsRegistry;
///
/// let reg = MetricsRegistry::new();
/// let served = reg.counter("craic_requests_total", "Requests served.", &[("strategy", "hybrid")]).unwrap();
/// served.inc();
/// reg.counter("craic_requests_total", "Requests served.", &[("strategy", "hybrid")]).unwrap().inc();
/// let latency = reg.histogram("craic_request_duration_seconds", "Latency.", &[("operation", "recommend")]).unwrap();
/// latency.record(1_200_000);
/// let text = reg.to_prometheus();
/// assert!(text.contains("craic_requests_total{strategy=\"hybrid\"} 2\n"));
/// assert!(text.contains("craic_request_duration_seconds_count{operation=\"recommend\"} 1\n"));
/// assert!(reg.counter("bad name", "", &[]).is_err());
/// ```
#[derive(Debug, Default)]
pub struct MetricsRegistry {
    families: Mutex<BTreeMap<String, Family>>,
}

/// True when `name` matches `[a-zA-Z_:][a-zA-Z0-9_:]*` (a Prometheus metric name).
pub fn is_valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// True when `name` matches `[a-zA-Z_][a-zA-Z0-9_]*` and does not start with `__` (reserved).
pub fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

fn invalid(msg: String) -> Error {
    Error::InvalidConfig(msg)
}

fn derived_names(name: &str, kind: MetricKind) -> Vec<String> {
    let mut out = vec![name.to_string()];
    if kind == MetricKind::Histogram {
        for s in PROM_HISTOGRAM_SUFFIXES
            .iter()
            .chain(&EMF_HISTOGRAM_SUFFIXES)
        {
            out.push(format!("{name}{s}"));
        }
    }
    out
}

impl MetricsRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Family>> {
        // Every critical section leaves the map consistent, so a poisoned lock is still usable.
        self.families.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(
        &self,
        name: &str,
        help: &str,
        kind: MetricKind,
        labels: &[(&str, &str)],
    ) -> Result<Handle> {
        if !is_valid_metric_name(name) {
            return Err(invalid(format!("invalid metric name {name:?}")));
        }
        if labels.len() > MAX_LABELS {
            return Err(invalid(format!(
                "metric {name:?}: {} labels, at most {MAX_LABELS}",
                labels.len()
            )));
        }
        let mut sorted: Labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sorted.sort();
        let own = derived_names(name, kind);
        for (i, (k, _)) in sorted.iter().enumerate() {
            if !is_valid_label_name(k) || k == "le" || k == "quantile" {
                return Err(invalid(format!(
                    "metric {name:?}: invalid label name {k:?}"
                )));
            }
            if i > 0 && sorted[i - 1].0 == *k {
                return Err(invalid(format!("metric {name:?}: duplicate label {k:?}")));
            }
            if own.contains(k) {
                return Err(invalid(format!(
                    "metric {name:?}: label {k:?} collides with a metric name"
                )));
            }
        }
        let mut families = self.lock();
        if let Some(f) = families.get_mut(name) {
            if f.kind != kind {
                return Err(invalid(format!(
                    "metric {name:?} is already registered as a {}",
                    f.kind.as_str()
                )));
            }
            if let Some(h) = f.series.get(&sorted) {
                return Ok(h.clone());
            }
        } else {
            // A new family must not collide with the derived names of existing ones.
            for (other, f) in families.iter() {
                let theirs = derived_names(other, f.kind);
                if own.iter().any(|n| theirs.contains(n)) {
                    return Err(invalid(format!(
                        "metric {name:?} collides with the samples of {other:?}"
                    )));
                }
            }
        }
        let handle = match kind {
            MetricKind::Counter => Handle::Counter(Counter::default()),
            MetricKind::Gauge => Handle::Gauge(Gauge::default()),
            MetricKind::Histogram => Handle::Histogram(Histogram::default()),
        };
        families
            .entry(name.to_string())
            .or_insert_with(|| Family {
                help: help.to_string(),
                kind,
                series: BTreeMap::new(),
            })
            .series
            .insert(sorted, handle.clone());
        Ok(handle)
    }

    /// The counter `name` with `labels` (created at 0 on first use). Names must match
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` (by convention ending in `_total`), label names
    /// `[a-zA-Z_][a-zA-Z0-9_]*` (not `__*`, `le` or `quantile`); label values are free text.
    /// Errors ([`Error::InvalidConfig`]) on an invalid or colliding name, a duplicate label, more
    /// than [`MAX_LABELS`] labels, or a name already registered with another kind. `help` is
    /// taken from the first registration.
    pub fn counter(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Result<Counter> {
        match self.register(name, help, MetricKind::Counter, labels)? {
            Handle::Counter(c) => Ok(c),
            _ => unreachable!("register checks the kind"),
        }
    }

    /// The gauge `name` with `labels` (created at 0.0); rules as for [`MetricsRegistry::counter`].
    pub fn gauge(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Result<Gauge> {
        match self.register(name, help, MetricKind::Gauge, labels)? {
            Handle::Gauge(g) => Ok(g),
            _ => unreachable!("register checks the kind"),
        }
    }

    /// The latency histogram `name` with `labels` (for example `operation`, `strategy`); rules
    /// as for [`MetricsRegistry::counter`]. Record nanoseconds; exported in seconds, so name it
    /// `..._seconds`.
    pub fn histogram(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Result<Histogram> {
        match self.register(name, help, MetricKind::Histogram, labels)? {
            Handle::Histogram(h) => Ok(h),
            _ => unreachable!("register checks the kind"),
        }
    }

    /// A consistent-per-series copy of every metric.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let families = self.lock();
        MetricsSnapshot {
            families: families
                .iter()
                .map(|(name, f)| FamilySnapshot {
                    name: name.clone(),
                    help: f.help.clone(),
                    kind: f.kind,
                    series: f
                        .series
                        .iter()
                        .map(|(labels, h)| SeriesSnapshot {
                            labels: labels.clone(),
                            value: match h {
                                Handle::Counter(c) => SeriesValue::Counter(c.get()),
                                Handle::Gauge(g) => SeriesValue::Gauge(g.get()),
                                Handle::Histogram(h) => SeriesValue::Histogram(h.snapshot()),
                            },
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Prometheus text exposition (format 0.0.4) of the current values; see
    /// [`MetricsSnapshot::to_prometheus`].
    pub fn to_prometheus(&self) -> String {
        self.snapshot().to_prometheus()
    }

    /// CloudWatch Embedded Metric Format lines of the current (cumulative) values; see
    /// [`MetricsSnapshot::to_emf`] and [`MetricsSnapshot::delta`] for per-interval values.
    pub fn to_emf(&self, namespace: &str, timestamp_ms: i64) -> String {
        self.snapshot().to_emf(namespace, timestamp_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert!(is_valid_metric_name("craic:requests_total"));
        assert!(!is_valid_metric_name("1abc"));
        assert!(!is_valid_metric_name(""));
        assert!(!is_valid_metric_name("a-b"));
        assert!(is_valid_label_name("_x1"));
        assert!(!is_valid_label_name("__x"));
        assert!(!is_valid_label_name("a:b"));
        let r = MetricsRegistry::new();
        assert!(r
            .counter("ok_total", "", &[("a", "1"), ("a", "2")])
            .is_err());
        assert!(r.counter("ok_total", "", &[("le", "1")]).is_err());
        assert!(r.counter("ok_total", "", &[("ok_total", "1")]).is_err());
        r.histogram("lat_seconds", "", &[]).unwrap();
        assert!(r.counter("lat_seconds_count", "", &[]).is_err());
        assert!(r.gauge("lat_seconds", "", &[]).is_err());
        r.counter("x_total", "", &[]).unwrap();
        assert!(r.histogram("x", "", &[]).is_ok()); // x_total is not a histogram sample
        let many: Vec<(String, String)> = (0..31)
            .map(|i| (format!("l{i}"), "v".to_string()))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert!(r.counter("many_total", "", &many).is_err());
    }

    #[test]
    fn handles_share_series_and_threads() {
        let r = Arc::new(MetricsRegistry::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let r = Arc::clone(&r);
                std::thread::spawn(move || {
                    let c = r.counter("n_total", "", &[("b", "2"), ("a", "1")]).unwrap();
                    let h = r.histogram("lat_seconds", "", &[("t", "x")]).unwrap();
                    let g = r.gauge("g", "", &[]).unwrap();
                    for i in 0..1000u64 {
                        c.inc();
                        h.record(1_000 * (i + t));
                        g.add(0.5);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let c = r.counter("n_total", "", &[("a", "1"), ("b", "2")]).unwrap();
        assert_eq!(c.get(), 4000);
        let h = r
            .histogram("lat_seconds", "", &[("t", "x")])
            .unwrap()
            .snapshot();
        assert_eq!(h.count(), 4000);
        assert_eq!(h.min(), Some(0));
        assert_eq!(h.max(), Some(1_002_000));
        assert_eq!(r.gauge("g", "", &[]).unwrap().get(), 2000.0);
    }

    #[test]
    fn delta_of_snapshots() {
        let r = MetricsRegistry::new();
        let c = r.counter("c_total", "", &[]).unwrap();
        let g = r.gauge("g", "", &[]).unwrap();
        let h = r.histogram("h_seconds", "", &[]).unwrap();
        c.add(5);
        h.record(1_000_000);
        let first = r.snapshot();
        c.add(2);
        g.set(-3.5);
        h.record(2_000_000);
        h.record(3_000_000);
        let d = r.snapshot().delta(&first);
        let vals: Vec<&SeriesValue> = d.families.iter().map(|f| &f.series[0].value).collect();
        assert_eq!(vals[0], &SeriesValue::Counter(2));
        assert_eq!(vals[1], &SeriesValue::Gauge(-3.5));
        match vals[2] {
            SeriesValue::Histogram(h) => {
                assert_eq!(h.count(), 2);
                assert_eq!(h.sum_nanos(), 5_000_000);
                assert_eq!(h.quantile(1.0), Some(3_000_000));
            }
            other => panic!("{other:?}"),
        }
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<MetricsSnapshot>(&json).unwrap(), d);
    }
}
