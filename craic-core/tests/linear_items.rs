//! The linear item model (EASE) behind the item-based component, on the shared fixture
//! `testdata/linear_items.json` (also checked from Python and Node), whose expected lists were
//! computed from the formula (`testdata/make_linear_items.py`, exact fractions): scores,
//! explanations naming the history item, the modelled items, a live history between
//! retrains; cells weighed by their kinds, not their age or repeats; its configuration's typed
//! errors; snapshots; and the learned blend weighing it.

mod common;

use common::item_side::{
    check_item_case as check, item_based, read_fixture, with_kinds, ItemCase as Case,
};
use craic_core::{
    Blend, Config, Engine, ErrorKind, Interaction, Item, LearnSettings, Request, SnapshotMeta,
    Strategy,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    config: FixtureConfig,
    now: i64,
    items: Vec<Item>,
    interactions: Vec<Interaction>,
    recommend: Vec<Case>,
    after_record: After,
    focus: Focus,
}

/// The fixture's engine with a decay and a recency focus, and what it serves.
#[derive(Deserialize)]
struct Focus {
    config: FocusConfig,
    recommend: Vec<Case>,
}

#[derive(Deserialize)]
struct FocusConfig {
    half_life_secs: f64,
    linear_focus: f64,
}

#[derive(Deserialize)]
struct FixtureConfig {
    linear_items: usize,
    linear_l2: f64,
    half_life_secs: Option<f64>,
    kinds: std::collections::BTreeMap<String, f64>,
}

#[derive(Deserialize)]
struct After {
    interaction: Interaction,
    #[serde(flatten)]
    case: Case,
}

fn fixture() -> Fixture {
    read_fixture("linear_items.json")
}

fn config(f: &Fixture) -> Config {
    let c = Config {
        linear_items: f.config.linear_items,
        linear_l2: f.config.linear_l2,
        half_life_secs: f.config.half_life_secs,
        blend: Blend::Fixed,
        ..Config::default()
    };
    with_kinds(c, &f.config.kinds)
}

fn engine(f: &Fixture, config: Config) -> Engine {
    Engine::build(f.items.clone(), &f.interactions, vec![], config).unwrap()
}

#[test]
fn fixture_scores_and_reasons_are_the_closed_form() {
    let f = fixture();
    let e = engine(&f, config(&f));
    for c in &f.recommend {
        check(&e, c, f.now);
    }
    // The model reads no item lists: there are none.
    assert!(e.item_neighbours("a").is_empty());
}

/// With a decay and a recency focus, each read cell is weighed by how many of the user's read
/// cells are more recent (the fixture's `focus` block, from the formula).
#[test]
fn fixture_scores_with_a_recency_focus_are_the_formula() {
    let f = fixture();
    let c = Config {
        half_life_secs: Some(f.focus.config.half_life_secs),
        linear_focus: f.focus.config.linear_focus,
        ..config(&f)
    };
    let e = engine(&f, c);
    for c in &f.focus.recommend {
        check(&e, c, f.now);
    }
}

/// Between retrains the weights stay fixed and the user's history is read live; a retrain
/// (a new build on the whole log) refits them.
#[test]
fn a_record_moves_the_scores_and_a_rebuild_refits_the_weights() {
    let f = fixture();
    let e = engine(&f, config(&f));
    let a = &f.after_record;
    e.record(std::slice::from_ref(&a.interaction)).unwrap();
    check(&e, &a.case, f.now);
    let mut log = f.interactions.clone();
    log.push(a.interaction.clone());
    let rebuilt = Engine::build(f.items.clone(), &log, vec![], config(&f)).unwrap();
    let req = Request::new(2).strategy(Strategy::ItemBased).now(f.now);
    let (live, refit) = (
        e.recommend("fan", &req).unwrap(),
        rebuilt.recommend("fan", &req).unwrap(),
    );
    assert_ne!(
        live.iter().map(|r| r.score).collect::<Vec<_>>(),
        refit.iter().map(|r| r.score).collect::<Vec<_>>(),
        "the rebuild's weights include fan's new save"
    );
}

/// An engine fed by records alone has an empty model (the strategy serves, from popularity)
/// until `rebuild` fits it on the matrix: then it serves what a build serves.
#[test]
fn records_alone_fit_nothing_until_a_rebuild() {
    let f = fixture();
    let e = Engine::new(config(&f)).unwrap();
    e.upsert_items(f.items.clone()).unwrap();
    e.record(&f.interactions).unwrap();
    let c = &f.recommend[0];
    let before = e.recommend(&c.user, &item_based(c.k, f.now)).unwrap();
    assert_eq!(before.len(), c.k);
    assert!(before.iter().all(|r| {
        r.explanation.as_ref().unwrap().contributions[0]
            .component
            .as_str()
            == "popularity"
    }));
    e.rebuild();
    for c in &f.recommend {
        check(&e, c, f.now);
    }
}

/// With both item lists and a linear model, the item-based component reads the linear model
/// and the lists still serve `item_neighbours` / similar events.
#[test]
fn with_item_lists_too_the_linear_model_scores() {
    let f = fixture();
    let both = engine(
        &f,
        Config {
            item_neighbours: 3,
            ..config(&f)
        },
    );
    assert!(!both.item_neighbours("a").is_empty());
    for c in &f.recommend {
        check(&both, c, f.now);
    }
}

#[test]
fn configuration_errors_are_typed() {
    let f = fixture();
    let too_many = Config {
        linear_items: craic_core::limits::MAX_LINEAR_ITEMS + 1,
        ..Config::default()
    };
    assert_eq!(
        too_many.validate().unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
    for l2 in [0.0, -2.0, f64::NAN] {
        let bad = Config {
            linear_l2: l2,
            ..config(&f)
        };
        let err = Engine::build(f.items.clone(), &f.interactions, vec![], bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidWeight, "{l2}");
    }
    let off = Config {
        linear_items: 0,
        ..config(&f)
    };
    let e = engine(&f, off);
    let req = Request::new(3).strategy(Strategy::ItemBased).now(f.now);
    assert_eq!(
        e.recommend("fan", &req).unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
}

#[test]
fn a_snapshot_keeps_the_model() {
    let f = fixture();
    let e = engine(&f, config(&f));
    let bytes = e.to_snapshot(&SnapshotMeta::default()).unwrap();
    let (loaded, _) = Engine::from_snapshot(&bytes).unwrap();
    assert_eq!(loaded.config(), e.config());
    for c in &f.recommend {
        check(&loaded, c, f.now);
    }
    assert!(loaded.to_snapshot(&SnapshotMeta::default()).unwrap() == bytes);
}

/// A learned blend weighs the linear model's scores as its item-based component, and the
/// build is deterministic.
#[test]
fn a_learned_blend_weighs_the_linear_model() {
    use craic_core::synthetic::{Dataset, SyntheticConfig};
    let data = Dataset::generate(&SyntheticConfig::small());
    let config = Config {
        linear_items: 300,
        blend: Blend::Learned(LearnSettings::default()),
        ..Config::default()
    };
    let build = || {
        Engine::build(
            data.items.clone(),
            &data.interactions,
            vec![],
            config.clone(),
        )
        .unwrap()
    };
    let (a, b) = (build(), build());
    let report = a.blend_report().expect("a learned blend");
    assert_eq!(Some(report.clone()), b.blend_report());
    assert_eq!(
        report.components.last().map(String::as_str),
        Some("item_based")
    );
    let ib = report.components.len() - 1;
    assert!(
        report
            .buckets
            .iter()
            .all(|bk| (bk.component_ndcg[ib] > 0.0) == (bk.min_history > 0)),
        "the item-based component scores every bucket of users with a history: {:?}",
        report.buckets
    );
    assert!(
        a.to_snapshot(&SnapshotMeta::default()).unwrap()
            == b.to_snapshot(&SnapshotMeta::default()).unwrap()
    );
}

const DAY: i64 = 86_400;
const T0: i64 = 1_700_000_000;
const NOW: i64 = T0 + 80 * DAY;

/// Eight upcoming events, `e0` to `e7`.
fn upcoming() -> Vec<Item> {
    (0..8)
        .map(|i| Item::new(format!("e{i}"), NOW + DAY * (1 + i)))
        .collect()
}

/// Six users' histories (user, event, kind): saves and clicks, one hide.
const ACTS: [(usize, usize, &str); 19] = [
    (0, 0, "save"),
    (0, 1, "click"),
    (0, 2, "save"),
    (1, 0, "save"),
    (1, 1, "save"),
    (1, 3, "click"),
    (2, 1, "click"),
    (2, 2, "save"),
    (2, 3, "save"),
    (2, 4, "hide"),
    (3, 0, "click"),
    (3, 3, "save"),
    (3, 4, "save"),
    (4, 2, "save"),
    (4, 4, "click"),
    (4, 5, "save"),
    (5, 1, "save"),
    (5, 5, "click"),
    (5, 6, "save"),
];

/// [`ACTS`] as a log: over ten weeks (`spread`) or all at `T0`, each click `repeat_clicks`
/// times.
fn acts_log(spread: bool, repeat_clicks: usize) -> Vec<Interaction> {
    let mut out = Vec::new();
    for (n, &(u, i, kind)) in ACTS.iter().enumerate() {
        let t = if spread {
            T0 + (n as i64 % 10) * 7 * DAY
        } else {
            T0
        };
        let times = if kind == "click" { repeat_clicks } else { 1 };
        for r in 0..times {
            out.push(Interaction::new(
                format!("u{u}"),
                format!("e{i}"),
                kind,
                t + r as i64,
            ));
        }
    }
    out
}

/// A linear model over the eight events with a 7-day decay, the fixed blend and the recency
/// `focus`.
fn small_linear(focus: f64) -> Config {
    Config {
        linear_items: 8,
        linear_l2: 1.0,
        half_life_secs: Some(7.0 * DAY as f64),
        blend: Blend::Fixed,
        linear_focus: focus,
        ..Config::default()
    }
}

/// Each of u0–u6's scored item-based entries (top 4, at `NOW`) on an engine built from `log`.
fn serve_item_based(log: &[Interaction], config: &Config) -> Vec<Vec<(String, f64)>> {
    let e = Engine::build(upcoming(), log, vec![], config.clone()).unwrap();
    let req = Request::new(4).strategy(Strategy::ItemBased).now(NOW);
    (0..7)
        .map(|u| {
            e.recommend(&format!("u{u}"), &req)
                .unwrap()
                .into_iter()
                .filter(|r| r.score > 0.0)
                .map(|r| (r.item_id, r.score))
                .collect()
        })
        .collect()
}

/// The model weighs a cell by the kinds it holds, each once, whatever their age: with a 7-day
/// decay, an engine whose users acted over ten weeks, one where they acted all at once, and one
/// where every click happened three times serve the same item-based scores (the histories
/// here are shorter than the cost guard, so the decay picks nothing; a list padded past the
/// scored events is padded by popularity, which does decay, so only scored entries compare;
/// the recency focus, which weighs by order, is off). And the fit reads whole histories below
/// `FIT_ROW_CAP` whatever the request's guard.
#[test]
fn cells_weigh_each_kind_once_whatever_their_age() {
    let config = small_linear(0.0);
    let spread = serve_item_based(&acts_log(true, 1), &config);
    assert!(spread[..6].iter().all(|l| !l.is_empty()));
    assert_eq!(
        spread,
        serve_item_based(&acts_log(false, 1), &config),
        "ten weeks or one moment"
    );
    assert_eq!(
        spread,
        serve_item_based(&acts_log(true, 3), &config),
        "a click or three"
    );
    // The fit reads up to 1 000 cells of each history whatever the request's guard: with a
    // guard of 2, u6's two saves are read whole per request, and the weights are those fitted
    // on the whole histories of the others (3 or 4 cells), as with a guard of 4.
    let mut with_u6 = acts_log(true, 1);
    with_u6.push(Interaction::new("u6", "e0", "save", T0));
    with_u6.push(Interaction::new("u6", "e3", "save", T0));
    let guard = |cap: usize| Config {
        max_user_items: cap,
        ..config.clone()
    };
    let (two, four) = (
        serve_item_based(&with_u6, &guard(2)),
        serve_item_based(&with_u6, &guard(4)),
    );
    assert!(!two[6].is_empty());
    assert_eq!(two[6], four[6]);
    assert_ne!(
        two[0], four[0],
        "u0's three cells are read as two per request"
    );
}

/// The recency focus: a request weighs the latest events of a history most. u6 saved e0 and
/// e3 — in one order, in the other, or at the same second; the other users' histories (and so
/// the fitted weights) are the same. With the focus the order changes u6's scores (each way
/// toward what the later save co-occurs with), equally recent saves share a rank (as without
/// a focus), and the focus changes nothing without a decay (which orders the cells) or when 0.
#[test]
fn the_recency_focus_weighs_the_latest_events_most() {
    let with_u6 = |first: &str, second: &str, gap: i64| {
        let mut log = acts_log(true, 1);
        log.push(Interaction::new("u6", first, "save", NOW - 10 * DAY));
        log.push(Interaction::new("u6", second, "save", NOW - 10 * DAY + gap));
        log
    };
    let score_of = |list: &[(String, f64)], id: &str| {
        list.iter().find(|(i, _)| i == id).map_or(0.0, |(_, s)| *s)
    };
    let focused = small_linear(2.0);
    let (e3_last, e0_last) = (
        serve_item_based(&with_u6("e0", "e3", DAY), &focused),
        serve_item_based(&with_u6("e3", "e0", DAY), &focused),
    );
    let unfocused = serve_item_based(&with_u6("e0", "e3", DAY), &small_linear(0.0));
    assert_eq!(
        unfocused[6],
        serve_item_based(&with_u6("e3", "e0", DAY), &small_linear(0.0))[6]
    );
    assert_ne!(e3_last[6], e0_last[6], "the order of u6's saves matters");
    // e4 co-occurs with e3 (u2, u3), e1 with e0 (u0, u1, u3): each rises when its partner was
    // saved last.
    assert!(
        score_of(&e3_last[6], "e4") / score_of(&e3_last[6], "e1")
            > score_of(&unfocused[6], "e4") / score_of(&unfocused[6], "e1")
    );
    assert!(
        score_of(&e0_last[6], "e1") / score_of(&e0_last[6], "e4")
            > score_of(&unfocused[6], "e1") / score_of(&unfocused[6], "e4")
    );
    // Equally recent: both saves have rank 0, as without a focus.
    assert_eq!(
        serve_item_based(&with_u6("e0", "e3", 0), &focused)[6],
        serve_item_based(&with_u6("e0", "e3", 0), &small_linear(0.0))[6]
    );
    // Without a decay the cells carry no order: the focus is ignored.
    let undecayed = |focus: f64| Config {
        half_life_secs: None,
        ..small_linear(focus)
    };
    assert_eq!(
        serve_item_based(&with_u6("e0", "e3", DAY), &undecayed(2.0)),
        serve_item_based(&with_u6("e0", "e3", DAY), &undecayed(0.0))
    );
    // The other users' lists move with their own orders, the fit does not: u6 alone changes
    // between the two logs.
    assert_eq!(e3_last[..6], e0_last[..6]);
}
