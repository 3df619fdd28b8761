//! A small, hand-checkable fixture shared by the engine tests (and mirrored by the bindings'
//! tests through `testdata/fixture.json`).

#![allow(dead_code)]

pub mod item_side;

use craic_core::{Config, Engine, Interaction, Item, Preferences};

pub const T0: i64 = 1_700_000_000;
pub const NOW: i64 = T0 + 86_400;
pub const FUTURE: i64 = T0 + 30 * 86_400;

pub fn items() -> Vec<Item> {
    vec![
        Item::new("rave", FUTURE)
            .city("dublin")
            .venue("district 8")
            .genres(["techno"])
            .artists(["ellen allien"]),
        Item::new("warehouse", FUTURE)
            .city("dublin")
            .venue("index")
            .genres(["techno", "house"]),
        Item::new("trad", FUTURE)
            .city("dublin")
            .venue("cobblestone")
            .genres(["folk", "trad"]),
        Item::new("ballad", FUTURE)
            .city("dublin")
            .venue("whelans")
            .genres(["folk"]),
        Item::new("standup", FUTURE)
            .city("dublin")
            .venue("vicar st")
            .genres(["comedy"]),
        Item::new("jazzcork", FUTURE)
            .city("cork")
            .venue("triskel")
            .genres(["jazz"]),
        Item::new("techcork", FUTURE)
            .city("cork")
            .venue("cyprus ave")
            .genres(["techno"]),
        Item::new("past-gig", T0 - 3600)
            .city("dublin")
            .venue("index")
            .genres(["techno"]),
    ]
}

pub fn interactions() -> Vec<Interaction> {
    let x = |u: &str, i: &str, k: &str, dt: i64| Interaction::new(u, i, k, T0 + dt);
    vec![
        x("ana", "rave", "save", 10),
        x("ana", "warehouse", "save", 20),
        x("ana", "techcork", "click", 30),
        x("ben", "rave", "save", 40),
        x("ben", "warehouse", "click", 50),
        x("ben", "past-gig", "save", 55),
        x("cat", "trad", "save", 60),
        x("cat", "ballad", "save", 70),
        x("cat", "standup", "click", 80),
        x("dan", "trad", "click", 90),
        x("dan", "standup", "save", 100),
        x("eve", "rave", "click", 110),
        x("eve", "techcork", "save", 120),
        x("eve", "standup", "hide", 130),
    ]
}

pub fn engine() -> Engine {
    engine_with(Config::default())
}

/// The fixture engine under `config`.
pub fn engine_with(config: Config) -> Engine {
    let e = Engine::new(config).unwrap();
    e.upsert_items(items()).unwrap();
    e.set_preferences(
        "newbie",
        Preferences::new(["folk"], Vec::<String>::new(), ["dublin"]),
    )
    .unwrap();
    e.record(&interactions()).unwrap();
    e
}

pub fn ids(recs: &[craic_core::Recommendation]) -> Vec<&str> {
    recs.iter().map(|r| r.item_id.as_str()).collect()
}
