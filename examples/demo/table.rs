//! Plain-text tables and number formatting for the demo's terminal output.

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left-aligned (names).
    Left,
    /// Right-aligned (numbers).
    Right,
}

/// A text table: a header row, a rule, then rows; columns separated by two spaces.
#[derive(Debug, Default)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            columns: columns.iter().map(|(h, a)| (h.to_string(), *a)).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (missing cells are blank, extra cells ignored).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders the table, each line prefixed by `indent`, every line ending with `\n`.
    pub fn render(&self, indent: &str) -> String {
        let width = |s: &str| s.chars().count();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| width(c))
                    .chain([width(h)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let parts: Vec<String> = self
                .columns
                .iter()
                .zip(&widths)
                .map(|((_, align), &w)| {
                    let c = cells.next().unwrap_or("");
                    let pad = " ".repeat(w.saturating_sub(width(c)));
                    match align {
                        Align::Left => format!("{c}{pad}"),
                        Align::Right => format!("{pad}{c}"),
                    }
                })
                .collect();
            format!("{indent}{}\n", parts.join("  ").trim_end())
        };
        let mut out = line(&mut self.columns.iter().map(|(h, _)| h.as_str()));
        let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
        out.push_str(&format!("{indent}{}\n", rule.join("  ")));
        for r in &self.rows {
            out.push_str(&line(&mut r.iter().map(String::as_str)));
        }
        out
    }
}

/// An integer with thin thousands separators: `1234567` → `1 234 567`.
pub fn int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// A share as a percentage with `decimals` decimals: `0.1234` → `12.34 %`.
pub fn pct(x: f64, decimals: usize) -> String {
    format!("{:.*} %", decimals, x * 100.0)
}

/// A signed percentage: `0.1234` → `+12.3 %`.
pub fn signed_pct(x: f64) -> String {
    format!("{:+.1} %", x * 100.0)
}

/// A p-value: 4 decimals, or `<0.0001`.
pub fn p_value(p: f64) -> String {
    if p < 1e-4 {
        "<0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// A duration in seconds or milliseconds, whichever reads better.
pub fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.1} s")
    } else {
        format!("{:.0} ms", s * 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1_000), "1 000");
        assert_eq!(int(1_234_567), "1 234 567");
        assert_eq!(pct(0.1234, 1), "12.3 %");
        assert_eq!(signed_pct(-0.05), "-5.0 %");
        assert_eq!(p_value(0.00001), "<0.0001");
    }

    #[test]
    fn aligned() {
        let mut t = Table::new(&[("name", Align::Left), ("n", Align::Right)]);
        t.row(vec!["a".into(), "10".into()]);
        t.row(vec!["long".into(), "7".into()]);
        let s = t.render("");
        assert_eq!(s, "name   n\n────  ──\na     10\nlong   7\n");
    }
}
