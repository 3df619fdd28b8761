//! Test data: hostile strings, small catalogues and logs.

use craic_core::synthetic::{Dataset, SyntheticConfig};
use craic_core::{Interaction, Item, Preferences, MAX_ID_LEN};

/// Strings that break naive SQL, collations or encodings; all valid core ids.
pub fn hostile() -> Vec<String> {
    vec![
        "it's".into(),
        "\"double\" `back`".into(),
        "'; DROP TABLE interactions; --".into(),
        "Robert'); DROP TABLE events;--".into(),
        "nul\0inside".into(),
        "\0".into(),
        "emoji 😀🎉🇮🇪".into(),
        "北京音乐节 東京 서울".into(),
        "x".repeat(MAX_ID_LEN),
        "é".repeat(MAX_ID_LEN / 2),
        "A".into(),
        "a".into(),
        "a ".into(),
        " a".into(),
        "100%_like\\escape".into(),
        "line\nbreak\ttab\r".into(),
        "ß".into(),
        "ss".into(),
    ]
}

/// A 10 kB string of mixed hostile content.
pub fn big_text() -> String {
    let mut s = String::new();
    while s.len() < 10_000 {
        for h in hostile() {
            s.push_str(&h);
        }
    }
    s
}

pub fn gig(id: &str) -> Item {
    Item::new(id, 1_900_000_000)
        .city("dublin")
        .venue("whelans")
        .genres(["indie", "folk"])
        .artists(["lankum"])
}

/// A tiny synthetic world.
pub fn tiny() -> Dataset {
    Dataset::generate(&SyntheticConfig::tiny())
}

pub fn x(user: &str, item: &str, kind: &str, t: i64) -> Interaction {
    Interaction::new(user, item, kind, t)
}

pub fn prefs(s: &str) -> Preferences {
    Preferences::new([s], [s], [s])
}
