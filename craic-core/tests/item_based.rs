//! The item-based strategy on the shared fixture `testdata/item_based.json` (also checked from
//! Python and Node), whose expected lists were computed from the formula: item neighbours,
//! scores, explanations naming the history item, fill-up; the typed error when the engine keeps
//! no item lists; freshness after a record; and the learned blend's fifth component.

mod common;

use common::item_side::{
    check_item_case, item_based, read_fixture, with_kinds, ItemCase, TOLERANCE,
};
use craic_core::{Blend, Config, Engine, ErrorKind, Interaction, Item, LearnSettings, Strategy};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    config: FixtureConfig,
    now: i64,
    items: Vec<Item>,
    interactions: Vec<Interaction>,
    neighbours: std::collections::BTreeMap<String, Vec<(String, f64)>>,
    recommend: Vec<ItemCase>,
    fill_up: FillUp,
}

#[derive(Deserialize)]
struct FixtureConfig {
    item_neighbours: usize,
    shrinkage: f64,
    min_overlap: u32,
    half_life_secs: Option<f64>,
    kinds: std::collections::BTreeMap<String, f64>,
}

#[derive(Deserialize)]
struct FillUp {
    user: String,
    k: usize,
    item_based: usize,
}

fn fixture() -> Fixture {
    read_fixture("item_based.json")
}

fn config(f: &Fixture) -> Config {
    let c = Config {
        item_neighbours: f.config.item_neighbours,
        shrinkage: f.config.shrinkage,
        min_overlap: f.config.min_overlap,
        half_life_secs: f.config.half_life_secs,
        ..Config::default()
    };
    with_kinds(c, &f.config.kinds)
}

fn engine(f: &Fixture, config: Config) -> Engine {
    Engine::build(f.items.clone(), &f.interactions, vec![], config).unwrap()
}

#[test]
fn fixture_item_neighbours_and_recommendations() {
    let f = fixture();
    let e = engine(&f, config(&f));
    for (item, expected) in &f.neighbours {
        let got = e.item_neighbours(item);
        let names: Vec<&str> = got.iter().map(|x| x.0.as_str()).collect();
        let want: Vec<&str> = expected.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, want, "{item}");
        for (g, w) in got.iter().zip(expected) {
            assert!((g.1 - w.1).abs() < TOLERANCE, "{item}: {g:?} vs {w:?}");
        }
    }
    for c in &f.recommend {
        check_item_case(&e, c, f.now);
    }
    e.verify_neighbours(0.0).unwrap();
}

/// Exactly `k` whenever `k` are eligible: past the item-based evidence, popularity fills up.
#[test]
fn item_based_fills_up_from_popularity() {
    let f = fixture();
    let e = engine(&f, config(&f));
    let c = &f.fill_up;
    let got = e.recommend(&c.user, &item_based(c.k, f.now)).unwrap();
    assert_eq!(got.len(), c.k);
    let components: Vec<&str> = got
        .iter()
        .map(|r| {
            r.explanation.as_ref().unwrap().contributions[0]
                .component
                .as_str()
        })
        .collect();
    let mut expected = vec!["item_based"; c.item_based];
    expected.resize(c.k, "popularity");
    assert_eq!(components, expected);
    // Never the started event, never the user's saved one.
    assert!(got.iter().all(|r| r.item_id != "old" && r.item_id != "a"));
    // The city filter and exclusions apply as to every strategy.
    let in_cork = e
        .recommend(&c.user, &item_based(3, f.now).city("cork"))
        .unwrap();
    assert!(in_cork
        .iter()
        .all(|r| ["d", "e"].contains(&r.item_id.as_str())));
    let without_b = e
        .recommend(&c.user, &item_based(3, f.now).exclude(["b"]))
        .unwrap();
    assert!(without_b.iter().all(|r| r.item_id != "b"));
}

/// The default configuration keeps no item lists: asking for the strategy is a typed error,
/// never a silent fall-back to another ranking.
#[test]
fn item_based_without_item_lists_is_invalid_config() {
    let f = fixture();
    let e = engine(&f, Config::default());
    assert!(e.item_neighbours("a").is_empty());
    let err = e.recommend("fan", &item_based(3, f.now)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert_eq!(
        "item_based".parse::<Strategy>().unwrap(),
        Strategy::ItemBased
    );
    assert!(!Strategy::ALL.contains(&Strategy::ItemBased));
    let too_many = Config {
        item_neighbours: craic_core::limits::MAX_ITEM_NEIGHBOURS + 1,
        ..Config::default()
    };
    assert_eq!(
        Engine::new(too_many).unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
}

/// `Config::max_user_items` is the item side's cost guard: a user with more items than it
/// leaves item–item overlap, so an event only they engaged with has no neighbours; raised, the
/// same log gives it theirs. Either way the lists are a rebuild's, a record crossing the guard
/// keeps them so, the setting survives a snapshot, and out-of-range values are typed errors.
#[test]
fn max_user_items_is_the_item_sides_cost_guard() {
    let t = 1_700_000_000;
    let items: Vec<Item> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .map(|id| Item::new(*id, t + 10_000_000))
        .collect();
    let mut log: Vec<Interaction> = ["a", "b", "c", "d", "e"]
        .iter()
        .enumerate()
        .map(|(n, id)| Interaction::new("heavy", *id, "save", t + n as i64))
        .collect();
    log.push(Interaction::new("light", "a", "save", t + 10));
    log.push(Interaction::new("light", "b", "save", t + 11));
    let with_cap = |cap: usize| {
        let config = Config {
            item_neighbours: 3,
            min_overlap: 1,
            max_user_items: cap,
            ..Config::default()
        };
        Engine::build(items.clone(), &log, vec![], config).unwrap()
    };
    let guarded = with_cap(4);
    assert!(
        guarded.item_neighbours("c").is_empty(),
        "heavy (5 items) is out"
    );
    assert_eq!(guarded.item_neighbours("a")[0].0, "b", "light still counts");
    let open = with_cap(5);
    let names: Vec<String> = open.item_neighbours("c").into_iter().map(|x| x.0).collect();
    assert_eq!(names.len(), 3);
    assert!(names
        .iter()
        .all(|n| ["a", "b", "d", "e"].contains(&n.as_str())));
    // Crossing the guard by a record recomputes the lists the user's row touches.
    open.record(&[Interaction::new("heavy", "f", "save", t + 20)])
        .unwrap();
    assert!(
        open.item_neighbours("c").is_empty(),
        "heavy (6 items) is out now"
    );
    open.verify_neighbours(0.0).unwrap();
    guarded.verify_neighbours(0.0).unwrap();
    let bytes = guarded.to_snapshot(&Default::default()).unwrap();
    let (loaded, _) = Engine::from_snapshot(&bytes).unwrap();
    assert_eq!(loaded.config().max_user_items, 4);
    assert_eq!(loaded.item_neighbours("a"), guarded.item_neighbours("a"));
    for bad in [0, 1, craic_core::limits::MAX_USER_ITEMS + 1] {
        let config = Config {
            max_user_items: bad,
            ..Config::default()
        };
        assert_eq!(
            Engine::new(config).unwrap_err().kind(),
            ErrorKind::InvalidConfig
        );
    }
    assert_eq!(
        Config::default().max_user_items,
        craic_core::DEFAULT_MAX_USER_ITEMS
    );
}

/// A record changes the lists at once, exactly as a rebuild would.
#[test]
fn item_lists_follow_every_record() {
    let f = fixture();
    let e = engine(&f, config(&f));
    assert!(!e.item_neighbours("f").iter().any(|x| x.0 == "a"));
    let t = f.now - 100;
    e.record(&[
        Interaction::new("u7", "a", "save", t),
        Interaction::new("u7", "f", "save", t + 1),
    ])
    .unwrap();
    assert!(e.item_neighbours("f").iter().any(|x| x.0 == "a"));
    let got = e.recommend("fan", &item_based(5, f.now)).unwrap();
    assert!(got.iter().any(|r| r.item_id == "f"
        && r.explanation.as_ref().unwrap().contributions[0].reason
            == "similar to a, which you saved"));
    e.verify_neighbours(0.0).unwrap();
}

/// With item lists on, the learned blend weighs the item-based score as a fifth component;
/// with them off, its report is over the four others.
#[test]
fn the_learned_blend_weighs_item_based_when_lists_are_on() {
    let t0 = 1_700_000_000;
    let items: Vec<Item> = (0..12)
        .map(|n| Item::new(format!("e{n}"), t0 + 10_000_000))
        .collect();
    let mut log = Vec::new();
    // Enough users that the holdout (each one's last save) has `MIN_HOLDOUT_USERS`.
    for u in 0..600i64 {
        for step in 0..4i64 {
            let item = format!("e{}", (u + step * (1 + u % 3)) % 12);
            log.push(Interaction::new(
                format!("u{u}"),
                item,
                "save",
                t0 + 1_000 * step + u,
            ));
        }
    }
    let learned = |item_neighbours| Config {
        blend: Blend::Learned(LearnSettings::default()),
        item_neighbours,
        ..Config::default()
    };
    let on = Engine::build(items.clone(), &log, vec![], learned(5)).unwrap();
    let report = on.blend_report().unwrap();
    assert_eq!(report.components.last().unwrap(), "item_based");
    assert_eq!(report.components.len(), 5);
    assert!(report.buckets.iter().all(|b| b.weights.len() == 5));
    // The holdout model keeps item lists too, so item-based scores on the holdout.
    assert!(
        report.buckets.iter().any(|b| b.component_ndcg[4] > 0.0),
        "{report:?}"
    );
    let off = Engine::build(items, &log, vec![], learned(0)).unwrap();
    let report = off.blend_report().unwrap();
    assert_eq!(report.components.len(), 4);
    assert!(!report.components.iter().any(|c| c == "item_based"));
    assert_eq!(off.blend_weights("u1").item_based, 0.0);
}
