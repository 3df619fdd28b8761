//! `report.html`: one self-contained page (inline SVG and CSS, no scripts, nothing fetched).

use std::fmt::Write;

use craic::experiments::{Report, VariantReport};

use crate::run::{Latency, Summary};
use crate::simulate::AbTotals;
use crate::table;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;
  max-width:920px;margin:2rem auto;padding:0 1rem;line-height:1.5;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2.2rem;
  border-bottom:1px solid #e4e7eb;padding-bottom:.3rem}
.sub{color:#616e7c;margin-top:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:.8rem}
.card{border:1px solid #e4e7eb;border-radius:8px;padding:.7rem .9rem}
.card .v{font-size:1.35rem;font-weight:600}.card .l{color:#616e7c;font-size:.85rem}
table{border-collapse:collapse;font-size:.9rem;margin:.6rem 0}
th,td{padding:.25rem .7rem;text-align:right;border-bottom:1px solid #f0f2f4}
th:first-child,td:first-child{text-align:left}
th{color:#52606d;font-weight:600}
svg{max-width:100%;height:auto;font-family:inherit}
svg text{font-size:12px;fill:#3e4c59}
.ok{color:#1b7a3a;font-weight:600}.bad{color:#b42318;font-weight:600}
.note{color:#616e7c;font-size:.85rem}
";

const COLORS: [&str; 4] = ["#7b8794", "#2f80ed", "#f2994a", "#27ae60"];

/// The line under the title: what the data is.
fn subtitle(s: &Summary) -> String {
    let sizes = format!(
        "{} users and {} events, {} interactions; {} simulated A/B days; generated in {}.",
        table::int(s.users as u64),
        table::int(s.items as u64),
        table::int(s.interactions as u64),
        s.ab_days,
        table::duration(s.elapsed)
    );
    match &s.feeds {
        None => format!("A synthetic region of {} cities, {sizes}", s.cities),
        Some(f) => format!(
            "Events imported from {} Ticketmaster / Eventbrite pages ({} listings, {} events \
             after merging {} cross-listed ones; {} removed, {} rejected) in {} cities; \
             simulated users and interactions: {sizes} Recommendations for one simulated \
             user: {}.",
            f.pages,
            f.listings,
            f.events,
            f.merged,
            f.removed,
            f.rejected,
            s.cities,
            f.sample
                .iter()
                .map(|(_, name)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Renders the whole page.
pub fn render(s: &Summary) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>craic demo report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>craic demo report</h1>\n<p class=\"sub\">{}</p>\n",
        esc(&subtitle(s))
    );
    headline(&mut h, s);
    h.push_str("<h2>Offline evaluation: NDCG@10 by strategy</h2>\n");
    ndcg_chart(&mut h, s);
    offline_table(&mut h, s);
    h.push_str("<h2>A/B test: conversion rate by variant (95 % confidence intervals)</h2>\n");
    conversion_chart(&mut h, s);
    ab_table(&mut h, &s.ab, &s.ab_totals);
    h.push_str("<h2>A/B test with bored users: hybrid, re-ranked for variety, with impressions and demotion</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">{}</p>",
        esc(&format!(
            "The same visits on a fresh service; each earlier showing of an event without a \
             save multiplies its save chance by {} (the same for every arm). The diversity arm \
             re-ranks with diversity {}, at most {} per artist and {} per venue; the demotion \
             arm logs the lists it shows as impressions, so events shown again and again \
             without a save are demoted.",
            crate::simulate::BOREDOM.decay,
            crate::boredom::DIVERSITY,
            crate::boredom::MAX_PER_ARTIST,
            crate::boredom::MAX_PER_VENUE
        ))
    );
    ab_table(&mut h, &s.bored.1, &s.bored.0);
    h.push_str("<h2>Recommend latency by strategy (µs, log scale)</h2>\n");
    latency_chart(&mut h, s);
    retrain(&mut h, s);
    h.push_str("</body>\n</html>\n");
    h
}

fn card(h: &mut String, value: &str, label: &str) {
    let _ = writeln!(
        h,
        "<div class=\"card\"><div class=\"v\">{}</div><div class=\"l\">{}</div></div>",
        esc(value),
        esc(label)
    );
}

fn headline(h: &mut String, s: &Summary) {
    h.push_str("<div class=\"cards\">\n");
    if let Some((st, m)) = s
        .offline
        .iter()
        .max_by(|a, b| a.1.ndcg.total_cmp(&b.1.ndcg))
    {
        card(
            h,
            &format!("{:.4}", m.ndcg),
            &format!("best offline NDCG@10 ({st})"),
        );
    }
    let best =
        s.ab.variants
            .iter()
            .filter_map(|v| Some((v, v.comparison.as_ref()?.relative_lift?)))
            .max_by(|a, b| a.1.value.total_cmp(&b.1.value));
    if let Some((v, lift)) = best {
        card(
            h,
            &table::signed_pct(lift.value),
            &format!("best conversion lift vs control ({})", v.variant),
        );
    }
    card(
        h,
        &table::int(s.ab.total_exposed_users),
        &format!("users exposed in {} simulated days", s.ab_days),
    );
    let verdict = if s.retrain.accepted() {
        "accepted"
    } else {
        "rejected"
    };
    card(
        h,
        verdict,
        &format!("retrain ({})", table::duration(s.retrain.duration)),
    );
    let (hits, misses) = s.cache;
    card(
        h,
        &table::pct(hits as f64 / (hits + misses).max(1) as f64, 1),
        "recommendation cache hit rate",
    );
    h.push_str("</div>\n");
}

/// Horizontal bars, one per strategy.
fn ndcg_chart(h: &mut String, s: &Summary) {
    let (w, left, row) = (640.0, 120.0, 34.0);
    let height = row * s.offline.len() as f64 + 30.0;
    let max = s
        .offline
        .iter()
        .map(|(_, m)| m.ndcg)
        .fold(0.0, f64::max)
        .max(1e-9);
    let plot = w - left - 70.0;
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {w} {height}\" width=\"{w}\" role=\"img\" \
         aria-label=\"NDCG at 10 by strategy\">"
    );
    for (i, (st, m)) in s.offline.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let bw = plot * m.ndcg / max;
        let _ = writeln!(
            h,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{left}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{}\" rx=\"3\" \
             fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{:.4}</text>",
            left - 8.0,
            y + row * 0.45,
            esc(st.as_str()),
            row - 12.0,
            COLORS[i % COLORS.len()],
            left + bw + 6.0,
            y + row * 0.45,
            m.ndcg
        );
    }
    let _ = writeln!(
        h,
        "<line x1=\"{left}\" y1=\"4\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#9aa5b1\"/>",
        height - 20.0
    );
    h.push_str("</svg>\n");
}

fn offline_table(h: &mut String, s: &Summary) {
    h.push_str(
        "<table><tr><th>strategy</th><th>precision@10</th><th>recall@10</th><th>NDCG@10</th>\
         <th>hit rate@10</th><th>coverage@10</th><th>intra-list diversity</th>\
         <th>novelty (bits)</th><th>Gini of exposure</th></tr>\n",
    );
    for (st, m) in &s.offline {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td>\
             <td>{:.4}</td><td>{:.3}</td><td>{:.2}</td><td>{:.3}</td></tr>",
            esc(st.as_str()),
            m.precision,
            m.recall,
            m.ndcg,
            m.hit_rate,
            m.coverage,
            m.intra_list_diversity,
            m.novelty,
            m.gini
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<p class=\"note\">{}</p>",
        esc(&format!(
            "Time split: trained on the earlier interactions, tested on the latest; {} users \
             with a save or click in the test part; recommendations as of the split time.",
            table::int(s.offline_users as u64)
        ))
    );
}

/// Dots with Wilson-interval error bars, one row per variant, with the control's rate dashed.
fn conversion_chart(h: &mut String, s: &Summary) {
    let (w, left, row) = (640.0, 200.0, 36.0);
    let n = s.ab.variants.len();
    let height = row * n as f64 + 40.0;
    let (lo, hi) = rate_range(&s.ab);
    let plot = w - left - 30.0;
    let x = |p: f64| left + plot * (p - lo) / (hi - lo);
    let axis_y = row * n as f64 + 10.0;
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {w} {height}\" width=\"{w}\" role=\"img\" \
         aria-label=\"Conversion rate by variant with 95 percent confidence intervals\">"
    );
    for i in 0..=4 {
        let p = lo + (hi - lo) * f64::from(i) / 4.0;
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" y1=\"4\" x2=\"{0:.1}\" y2=\"{axis_y:.1}\" stroke=\"#eef0f2\"/>\
             <text x=\"{0:.1}\" y=\"{1:.1}\" text-anchor=\"middle\">{2}</text>",
            x(p),
            axis_y + 16.0,
            esc(&table::pct(p, 1))
        );
    }
    if let Some(c) = s.ab.variants.first().and_then(|v| v.conversion_rate) {
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" y1=\"4\" x2=\"{0:.1}\" y2=\"{axis_y:.1}\" stroke=\"#7b8794\" \
             stroke-dasharray=\"4 3\"/>",
            x(c.value)
        );
    }
    for (i, v) in s.ab.variants.iter().enumerate() {
        let y = 10.0 + row * i as f64 + row * 0.4;
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 4.0,
            esc(&format!("{} ({})", v.variant, v.strategy))
        );
        conversion_dot(h, v, COLORS[i % COLORS.len()], y, &x);
    }
    h.push_str("</svg>\n");
}

/// The conversion-rate axis: the variants' intervals padded by a tenth, within `[0, 1]`.
fn rate_range(ab: &Report) -> (f64, f64) {
    let hi = ab
        .variants
        .iter()
        .filter_map(|v| v.conversion_rate.map(|e| e.upper))
        .fold(0.0, f64::max);
    let lo = ab
        .variants
        .iter()
        .filter_map(|v| v.conversion_rate.map(|e| e.lower))
        .fold(1.0, f64::min);
    if hi > lo {
        let pad = (hi - lo) * 0.1;
        ((lo - pad).max(0.0), (hi + pad).min(1.0))
    } else {
        (0.0, 1.0)
    }
}

/// One variant's rate as a dot with its interval's error bar at height `y` (`x` maps a rate
/// to the chart), or just the end of the line when it has no rate.
fn conversion_dot(h: &mut String, v: &VariantReport, color: &str, y: f64, x: &impl Fn(f64) -> f64) {
    if let Some(e) = v.conversion_rate {
        let _ = writeln!(
            h,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{color}\" \
                 stroke-width=\"2\"/><line x1=\"{0:.1}\" y1=\"{2:.1}\" x2=\"{0:.1}\" \
                 y2=\"{3:.1}\" stroke=\"{color}\" stroke-width=\"2\"/><line x1=\"{1:.1}\" \
                 y1=\"{2:.1}\" x2=\"{1:.1}\" y2=\"{3:.1}\" stroke=\"{color}\" \
                 stroke-width=\"2\"/><circle cx=\"{4:.1}\" cy=\"{y:.1}\" r=\"5\" \
                 fill=\"{color}\"><title>{5}</title></circle>",
            x(e.lower),
            x(e.upper),
            y - 6.0,
            y + 6.0,
            x(e.value),
            esc(&format!(
                "{}: {} ({:.1}–{:.1} %)",
                v.variant,
                table::pct(e.value, 2),
                e.lower * 100.0,
                e.upper * 100.0
            ))
        );
    } else {
        h.push('\n');
    }
}

fn ab_table(h: &mut String, ab: &Report, totals: &AbTotals) {
    h.push_str(
        "<table><tr><th>variant</th><th>strategy</th><th>exposed</th><th>converting</th>\
         <th>rate (95 % CI)</th><th>lift vs control (95 % CI)</th><th>p-value</th>\
         <th>always-valid</th></tr>\n",
    );
    for v in &ab.variants {
        let rate = v.conversion_rate.map_or("–".into(), |e| {
            format!(
                "{} ({:.1}–{:.1} %)",
                table::pct(e.value, 1),
                e.lower * 100.0,
                e.upper * 100.0
            )
        });
        let (lift, p, seq) = match &v.comparison {
            None => ("control".to_string(), String::new(), String::new()),
            Some(c) => (
                c.relative_lift.map_or("–".into(), |e| {
                    format!(
                        "{} ({:+.1} … {:+.1} %)",
                        table::signed_pct(e.value),
                        e.lower * 100.0,
                        e.upper * 100.0
                    )
                }),
                c.p_value.map_or("–".into(), table::p_value),
                format!(
                    "p = {}{}",
                    table::p_value(c.sequential.p_value),
                    if c.sequential.reject {
                        ", significant"
                    } else {
                        ", keep going"
                    }
                ),
            ),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td></tr>",
            esc(&v.variant),
            esc(v.strategy.as_str()),
            esc(&table::int(v.exposed_users)),
            esc(&table::int(v.converting_users)),
            esc(&rate),
            esc(&lift),
            esc(&p),
            esc(&seq)
        );
    }
    let srm = &ab.sample_ratio_mismatch;
    let (class, verdict) = if srm.mismatch {
        ("bad", "sample ratio mismatch: do not trust these numbers")
    } else {
        ("ok", "no sample ratio mismatch")
    };
    let _ = writeln!(
        h,
        "</table>\n<p class=\"note\"><span class=\"{class}\">{}</span> {}</p>",
        esc(verdict),
        esc(&format!(
            "(χ² = {:.2}, df {}, p = {}). {} visits, {} saves. Rate = converting users / \
             exposed users; p-value from the fixed-horizon z-test; always-valid p from the \
             mixture SPRT.",
            srm.chi_square,
            srm.degrees_of_freedom,
            table::p_value(srm.p_value),
            table::int(totals.visits),
            table::int(totals.saves)
        ))
    );
}

/// Grouped horizontal bars (p50, p95, p99) per strategy on a log axis in µs.
fn latency_chart(h: &mut String, s: &Summary) {
    let (w, left, group) = (640.0, 120.0, 54.0);
    let n = s.latency.len();
    let height = group * n as f64 + 50.0;
    let max = s
        .latency
        .iter()
        .map(|l| l.p99)
        .fold(1.0, f64::max)
        .max(10.0);
    let lo_dec = 0.0f64; // 1 µs
    let hi_dec = max.log10().ceil().max(1.0);
    let plot = w - left - 120.0;
    let x = |us: f64| left + plot * (us.max(1.0).log10() - lo_dec) / (hi_dec - lo_dec);
    let axis_y = group * n as f64 + 8.0;
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {w} {height}\" width=\"{w}\" role=\"img\" \
         aria-label=\"Recommend latency quantiles by strategy in microseconds\">"
    );
    let mut d = lo_dec;
    while d <= hi_dec {
        let v = 10f64.powf(d);
        let label = if v >= 1000.0 {
            format!("{} ms", v / 1000.0)
        } else {
            format!("{v} µs")
        };
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" y1=\"4\" x2=\"{0:.1}\" y2=\"{axis_y:.1}\" stroke=\"#eef0f2\"/>\
             <text x=\"{0:.1}\" y=\"{1:.1}\" text-anchor=\"middle\">{2}</text>",
            x(v),
            axis_y + 16.0,
            esc(&label)
        );
        d += 1.0;
    }
    for (i, l) in s.latency.iter().enumerate() {
        let y0 = 8.0 + group * i as f64;
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y0 + group * 0.45,
            esc(&l.strategy)
        );
        latency_bars(h, l, left, y0, &x);
        h.push('\n');
    }
    h.push_str("</svg>\n");
    latency_note(h, s);
}

/// One strategy's p50, p95 and p99 as bars from `left`, the first at height `y0` (`x` maps µs
/// to the chart).
fn latency_bars(h: &mut String, l: &Latency, left: f64, y0: f64, x: &impl Fn(f64) -> f64) {
    let shades = [("p50", 1.0), ("p95", 0.65), ("p99", 0.35)];
    for (j, ((name, opacity), value)) in shades.iter().zip([l.p50, l.p95, l.p99]).enumerate() {
        let y = y0 + 14.0 * j as f64;
        let bw = (x(value) - left).max(1.0);
        let _ = write!(
            h,
            "<rect x=\"{left}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"12\" \
                 fill=\"#2f80ed\" fill-opacity=\"{opacity}\"/><text x=\"{:.1}\" y=\"{:.1}\" \
                 style=\"font-size:11px\">{}</text>",
            left + bw + 5.0,
            y + 10.0,
            esc(&format!("{name} {value:.0} µs"))
        );
    }
}

/// Where the latencies come from, with each strategy's call count and mean.
fn latency_note(h: &mut String, s: &Summary) {
    let calls: Vec<String> = s
        .latency
        .iter()
        .map(|l| {
            format!(
                "{} {} calls (mean {:.0} µs)",
                l.strategy,
                table::int(l.count),
                l.mean
            )
        })
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"note\">{}</p>",
        esc(&format!(
            "From the service's craic_recommend_duration_seconds histograms (cache hits \
             included): {}.",
            calls.join("; ")
        ))
    );
}

fn retrain(h: &mut String, s: &Summary) {
    let r = &s.retrain;
    let (class, verdict) = if r.accepted() {
        ("ok", "accepted and hot-swapped")
    } else {
        ("bad", "rejected")
    };
    let _ = writeln!(
        h,
        "<h2>Retrain behind the gate</h2>\n<p><span class=\"{class}\">{}</span> {}</p>",
        esc(verdict),
        esc(&format!(
            "in {}: {} → {}.",
            table::duration(r.duration),
            r.old_version,
            r.new_version.as_deref().unwrap_or("(unchanged)")
        ))
    );
    if let Some(why) = &r.rejection {
        let _ = writeln!(h, "<p>{}</p>", esc(&why.to_string()));
    }
    let m = &r.metrics;
    h.push_str(
        "<table><tr><th>holdout model</th><th>NDCG@10</th><th>precision@10</th>\
                <th>recall@10</th><th>hit rate@10</th></tr>\n",
    );
    for (name, x) in [
        ("candidate (hybrid)", &m.candidate),
        ("serving config (hybrid)", &m.serving),
        ("popularity", &m.popularity),
    ] {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr>",
            esc(name),
            x.ndcg,
            x.precision,
            x.recall,
            x.hit_rate
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<p class=\"note\">{}</p>",
        esc(&format!(
            "Holdout: the latest {} of {} interactions. Step timings: {}.",
            table::int(r.holdout_interactions as u64),
            table::int((r.train_interactions + r.holdout_interactions) as u64),
            s.timings
                .iter()
                .map(|(n, d)| format!("{n} {}", table::duration(*d)))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    );
}
