//! One genre vocabulary for every feed: a mapping table from feed labels to craic genres.

use std::collections::BTreeMap;

/// Feed genre label → craic genres.
///
/// Labels are matched after normalisation ([`GenreMap::key`]: lower case, every run of
/// non-alphanumeric characters becomes one space, so `"Hip-Hop/Rap"` and `"Hip Hop / Rap"` are
/// the same label). A label mapped to no genres is ignored (`"Undefined"`, `"Other"`, ...). A
/// label not in the table is kept as its slug (`"Sea Shanties"` → `"sea-shanties"`) and counted
/// in [`super::ImportReport::unmapped_genres`] so it can be added.
///
/// The built-in table ([`GenreMap::default`]) covers Ticketmaster's segments, genres and common
/// sub-genres and Eventbrite's categories and music subcategories, mapped into the genre names
/// craic's synthetic catalogue uses (`techno`, `indie`, `trad`, `hiphop`, `electronica`, ...);
/// `docs/feeds.md` lists it. Extend or override it:
///
/// ```
/// use craic_core::feeds::GenreMap;
/// let mut map = GenreMap::default();
/// assert_eq!(map.map("Hip-Hop/Rap"), Some(vec!["hiphop".to_string()]));
/// map.insert("Sea Shanties", ["folk", "trad"]);
/// assert_eq!(map.map("sea  shanties"), Some(vec!["folk".to_string(), "trad".to_string()]));
/// assert_eq!(map.map("Undefined"), Some(vec![]));
/// assert_eq!(map.map("Polka"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenreMap {
    table: BTreeMap<String, Vec<String>>,
}

/// The built-in table: (feed label, craic genres).
pub(crate) const BUILT_IN: &[(&str, &[&str])] = &[
    // Labels that carry no genre.
    ("Undefined", &[]),
    ("Other", &[]),
    ("Miscellaneous", &[]),
    ("Music", &[]),
    ("Music Other", &[]),
    ("Cultural", &[]),
    // Ticketmaster segments.
    ("Arts & Theatre", &["theatre"]),
    ("Sports", &["sports"]),
    ("Film", &["film"]),
    // Music genres (both feeds).
    ("Rock", &["rock"]),
    ("Alternative", &["indie"]),
    ("Alternative Rock", &["indie", "rock"]),
    ("Indie", &["indie"]),
    ("Indie Rock", &["indie", "rock"]),
    ("Pop", &["pop"]),
    ("Top 40", &["pop"]),
    ("Pop Rock", &["pop", "rock"]),
    ("Dance/Electronic", &["electronica"]),
    ("EDM / Electronic", &["electronica"]),
    ("Electronic", &["electronica"]),
    ("Techno", &["techno"]),
    ("House", &["house"]),
    ("Drum & Bass", &["drum-and-bass"]),
    ("Hip-Hop/Rap", &["hiphop"]),
    ("R&B", &["soul"]),
    ("Soul", &["soul"]),
    ("Jazz", &["jazz"]),
    ("Blues", &["blues"]),
    ("Blues & Jazz", &["blues", "jazz"]),
    ("Folk", &["folk"]),
    ("Irish", &["trad", "folk"]),
    ("Celtic", &["trad", "folk"]),
    ("Traditional", &["trad"]),
    ("Country", &["country"]),
    ("Classical", &["classical"]),
    ("Opera", &["opera"]),
    ("Metal", &["metal"]),
    ("Hard Rock", &["metal", "rock"]),
    ("Punk", &["punk"]),
    ("Reggae", &["reggae"]),
    ("Latin", &["latin"]),
    ("World", &["world"]),
    // Arts, comedy, theatre.
    ("Comedy", &["comedy"]),
    ("Stand-Up", &["comedy"]),
    ("Theatre", &["theatre"]),
    ("Musical", &["musical", "theatre"]),
    ("Cabaret", &["cabaret"]),
    ("Spoken Word", &["spoken-word"]),
    ("Improv", &["improv", "comedy"]),
    ("Performing & Visual Arts", &["theatre"]),
    // Eventbrite categories.
    ("Film, Media & Entertainment", &["film"]),
    ("Food & Drink", &["food-and-drink"]),
    ("Community & Culture", &["community"]),
    ("Sports & Fitness", &["sports"]),
    ("Nightlife", &["nightlife"]),
    ("Business & Professional", &["business"]),
];

impl Default for GenreMap {
    fn default() -> Self {
        let mut map = GenreMap::empty();
        for (label, genres) in BUILT_IN {
            map.insert(label, genres.iter().copied());
        }
        map
    }
}

impl GenreMap {
    /// A table with no labels (every label is then kept as its slug).
    pub fn empty() -> Self {
        GenreMap {
            table: BTreeMap::new(),
        }
    }

    /// The normalised form of a label: lower case, runs of non-alphanumerics → one space.
    pub fn key(label: &str) -> String {
        let mut out = String::with_capacity(label.len());
        for word in label
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if !out.is_empty() {
                out.push(' ');
            }
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
        out
    }

    /// Maps `label` to `genres` (replacing an earlier mapping; no genres = ignore the label).
    pub fn insert<I, S>(&mut self, label: &str, genres: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.table.insert(
            Self::key(label),
            genres.into_iter().map(Into::into).collect(),
        );
    }

    /// The craic genres of a label, or `None` if the table does not know it.
    pub fn map(&self, label: &str) -> Option<Vec<String>> {
        self.table.get(&Self::key(label)).cloned()
    }

    /// Every (normalised label, genres) pair, in label order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.table.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Adds the genres of `label` to `out` (no duplicates); an unknown label is added as its
    /// slug and counted in `unmapped`.
    pub(crate) fn apply(
        &self,
        label: &str,
        out: &mut Vec<String>,
        unmapped: &mut BTreeMap<String, usize>,
    ) {
        let key = Self::key(label);
        if key.is_empty() {
            return;
        }
        match self.table.get(&key) {
            Some(genres) => {
                for g in genres {
                    if !out.contains(g) {
                        out.push(g.clone());
                    }
                }
            }
            None => {
                let slug = key.replace(' ', "-");
                if !out.contains(&slug) {
                    out.push(slug);
                }
                *unmapped.entry(label.trim().to_string()).or_default() += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_and_unknown_labels() {
        assert_eq!(GenreMap::key("  Hip-Hop / Rap "), "hip hop rap");
        assert_eq!(GenreMap::key("Música Tradicional"), "música tradicional");
        let map = GenreMap::default();
        let mut out = vec![];
        let mut unmapped = BTreeMap::new();
        for label in [
            "Music",
            "Rock",
            "Indie Rock",
            "Música Tradicional",
            "",
            "Rock",
        ] {
            map.apply(label, &mut out, &mut unmapped);
        }
        assert_eq!(out, ["rock", "indie", "música-tradicional"]);
        assert_eq!(
            unmapped.into_iter().collect::<Vec<_>>(),
            [("Música Tradicional".to_string(), 1)]
        );
        assert!(map.entries().count() >= BUILT_IN.len() - 2);
    }
}
