//! The dataset as CSV documents (items, preferences, interactions).

use std::io::{self, Write};

use super::Dataset;

impl Dataset {
    /// Writes the catalogue as CSV with a header row:
    /// `item_id,city,venue,genres,artists,starts_at,ends_at,tags`.
    ///
    /// `genres`, `artists` and `tags` are `|`-separated lists; `starts_at` / `ends_at` are unix
    /// seconds (`ends_at` empty when unknown). Fields are quoted RFC 4180 style when needed (the
    /// generated values never need it). Pass a buffered writer for speed.
    pub fn write_items_csv<W: Write>(&self, mut w: W) -> io::Result<()> {
        writeln!(
            w,
            "item_id,city,venue,genres,artists,starts_at,ends_at,tags"
        )?;
        for it in &self.items {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{}",
                csv_field(&it.id),
                csv_field(&it.city),
                csv_field(&it.venue),
                csv_field(&it.genres.join("|")),
                csv_field(&it.artists.join("|")),
                it.starts_at,
                it.ends_at.map(|e| e.to_string()).unwrap_or_default(),
                csv_field(&it.tags.join("|")),
            )?;
        }
        w.flush()
    }

    /// Writes the onboarding preferences as CSV with a header row:
    /// `user_id,genres,artists,cities` (`|`-separated lists, possibly empty; the first city is the
    /// home city). Users without a row stated nothing at onboarding.
    pub fn write_preferences_csv<W: Write>(&self, mut w: W) -> io::Result<()> {
        writeln!(w, "user_id,genres,artists,cities")?;
        for (user, p) in &self.preferences {
            writeln!(
                w,
                "{},{},{},{}",
                csv_field(user),
                csv_field(&p.genres.join("|")),
                csv_field(&p.artists.join("|")),
                csv_field(&p.cities.join("|")),
            )?;
        }
        w.flush()
    }

    /// Writes the interactions as CSV with a header row: `user_id,item_id,kind,timestamp`
    /// (`kind` is `click`, `save` or `hide`; `timestamp` unix seconds), sorted by timestamp.
    pub fn write_interactions_csv<W: Write>(&self, mut w: W) -> io::Result<()> {
        writeln!(w, "user_id,item_id,kind,timestamp")?;
        for i in &self.interactions {
            writeln!(
                w,
                "{},{},{},{}",
                csv_field(&i.user_id),
                csv_field(&i.item_id),
                csv_field(&i.kind),
                i.timestamp
            )?;
        }
        w.flush()
    }

    /// The three CSV documents (items, preferences, interactions) as strings; see the
    /// `write_*_csv` methods for the columns. Meant for small datasets.
    pub fn to_csv(&self) -> (String, String, String) {
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        // Writing into a Vec cannot fail.
        let _ = self.write_items_csv(&mut out.0);
        let _ = self.write_preferences_csv(&mut out.1);
        let _ = self.write_interactions_csv(&mut out.2);
        let s = |v: Vec<u8>| String::from_utf8(v).unwrap_or_default();
        (s(out.0), s(out.1), s(out.2))
    }
}

/// `s` quoted RFC 4180 style when it needs to be.
pub(super) fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}
