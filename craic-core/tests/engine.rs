//! Behaviour of the engine on a small hand-checkable fixture.

mod common;

use common::*;
use craic_core::{
    Component, Config, Engine, ErrorKind, Interaction, Item, Preferences, Request, Strategy,
};

fn req(k: usize) -> Request {
    Request::new(k).now(NOW)
}

#[test]
fn never_recommends_past_hidden_or_saved_items() {
    let e = engine();
    for s in Strategy::ALL {
        for user in ["ana", "ben", "cat", "dan", "eve", "newbie", "stranger"] {
            let recs = e.recommend(user, &req(7).strategy(s)).unwrap();
            let got = ids(&recs);
            assert!(!got.contains(&"past-gig"), "{s} {user} {got:?}");
            if user == "eve" {
                assert!(
                    !got.contains(&"standup") && !got.contains(&"techcork"),
                    "{got:?}"
                );
            }
            if user == "ana" {
                assert!(
                    !got.contains(&"rave") && !got.contains(&"warehouse"),
                    "{got:?}"
                );
            }
        }
    }
}

#[test]
fn returns_exactly_k_when_enough_items_are_eligible() {
    let e = engine();
    // 7 future items; ana saved two -> 5 eligible.
    for s in Strategy::ALL {
        assert_eq!(
            e.recommend("ana", &req(5).strategy(s)).unwrap().len(),
            5,
            "{s}"
        );
        assert_eq!(
            e.recommend("ana", &req(50).strategy(s)).unwrap().len(),
            5,
            "{s}"
        );
        assert_eq!(
            e.recommend("stranger", &req(7).strategy(s)).unwrap().len(),
            7,
            "{s}"
        );
        let recs = e.recommend("ana", &req(3).strategy(s)).unwrap();
        let got = ids(&recs);
        let mut uniq = got.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 3, "no duplicates: {got:?}");
        assert!(
            recs.windows(2).all(|w| w[0].score >= w[1].score),
            "{recs:?}"
        );
    }
    // After everything has started, nothing is eligible.
    assert!(e
        .recommend("ana", &Request::new(5).now(FUTURE + 1))
        .unwrap()
        .is_empty());
}

#[test]
fn city_filter_and_exclusions() {
    let e = engine();
    let recs = e.recommend("ana", &req(10).city("Cork")).unwrap();
    assert_eq!(ids(&recs).len(), 2);
    assert!(ids(&recs)
        .iter()
        .all(|i| ["jazzcork", "techcork"].contains(i)));
    let recs = e
        .recommend("stranger", &req(10).exclude(["rave", "trad", "nope"]))
        .unwrap();
    assert_eq!(recs.len(), 5);
    assert!(!ids(&recs).contains(&"rave"));
    assert!(e
        .recommend("ana", &req(3).city("atlantis"))
        .unwrap()
        .is_empty());
}

#[test]
fn saved_items_can_be_allowed_per_request() {
    let e = engine();
    let mut r = req(10);
    r.exclude_saved = Some(false);
    let got = e.recommend("ana", &r).unwrap();
    assert!(ids(&got).contains(&"rave"));
}

#[test]
fn collaborative_follows_similar_users() {
    let e = engine();
    // ben shares rave+warehouse with ana, who also clicked techcork.
    let n = e.neighbours("ben");
    assert_eq!(n[0].0, "ana");
    assert!(n[0].1 > 0.1, "{n:?}");
    let recs = e
        .recommend(
            "ben",
            &req(1)
                .strategy(Strategy::Collaborative)
                .explain(true)
                .exclude(["warehouse"]), // clicked, not saved: still eligible
        )
        .unwrap();
    assert_eq!(recs[0].item_id, "techcork");
    let why = recs[0].explanation.as_ref().unwrap();
    assert_eq!(why.contributions[0].component, Component::Collaborative);
    assert!(
        why.contributions[0].reason.contains("similar user"),
        "{why:?}"
    );
}

#[test]
fn content_matches_history_and_preferences() {
    let e = engine();
    let recs = e
        .recommend("newbie", &req(2).strategy(Strategy::Content).explain(true))
        .unwrap();
    assert_eq!(
        ids(&recs)[..2]
            .iter()
            .filter(|i| ["trad", "ballad"].contains(i))
            .count(),
        2
    );
    let reason = &recs[0].explanation.as_ref().unwrap().contributions[0].reason;
    assert_eq!(reason, "matches genre folk");
    // ana's history is techno: her top content pick is the techno event she has not saved.
    let recs = e
        .recommend("ana", &req(1).strategy(Strategy::Content))
        .unwrap();
    assert_eq!(recs[0].item_id, "techcork");
}

#[test]
fn popularity_is_per_city_for_users_with_a_city() {
    let e = engine();
    e.set_preferences(
        "corkonian",
        Preferences::new(Vec::<String>::new(), Vec::<String>::new(), ["cork"]),
    )
    .unwrap();
    let recs = e
        .recommend(
            "corkonian",
            &req(3).strategy(Strategy::Popularity).explain(true),
        )
        .unwrap();
    assert_eq!(ids(&recs)[0], "techcork");
    assert_eq!(ids(&recs)[1], "jazzcork");
    let why = &recs[0].explanation.as_ref().unwrap().contributions[0];
    assert_eq!(why.reason, "popular in cork");
    let recs = e
        .recommend("stranger", &req(1).strategy(Strategy::Popularity))
        .unwrap();
    assert_eq!(recs[0].item_id, "rave");
}

#[test]
fn cold_start_shifts_to_personal_results() {
    let e = engine();
    let cold = e.blend_weights("newbie");
    assert_eq!(cold.collaborative, 0.0);
    assert!(cold.content > 0.0 && cold.popularity > 0.0);
    // A brand-new user with stated folk preferences gets folk first, not the global top.
    let recs = e.recommend("newbie", &req(2)).unwrap();
    assert!(
        ids(&recs).iter().all(|i| ["trad", "ballad"].contains(i)),
        "{recs:?}"
    );
    let warm = e.blend_weights("ana");
    assert!(warm.collaborative > 0.0);
    for n in 0..6 {
        e.record(&[Interaction::new("ana", "jazzcork", "click", T0 + 1000 + n)])
            .unwrap();
    }
    let warmer = e.blend_weights("ana");
    assert!(warmer.collaborative >= warm.collaborative);
    assert!(e.blend_weights("stranger").popularity == 1.0);
}

#[test]
fn hide_excludes_forever_and_counts_against() {
    let e = engine();
    e.record(&[Interaction::new("cat", "rave", "hide", T0 + 500)])
        .unwrap();
    e.record(&[Interaction::new("cat", "rave", "click", T0 + 600)])
        .unwrap();
    for s in Strategy::ALL {
        let recs = e.recommend("cat", &req(10).strategy(s)).unwrap();
        assert!(!ids(&recs).contains(&"rave"), "{s}");
    }
}

#[test]
fn unsave_undoes_a_save() {
    let e = engine();
    assert!(e.similarity("ana", "ben") > 0.0);
    e.record(&[Interaction::new("ben", "rave", "unsave", T0 + 500)])
        .unwrap();
    let recs = e.recommend("ben", &req(10)).unwrap();
    assert!(
        ids(&recs).contains(&"rave"),
        "unsaved item is eligible again"
    );
    // ben's only remaining overlap with ana is a click on warehouse.
    let before = e.stats().cells;
    e.record(&[Interaction::new("ben", "warehouse", "unsave", T0 + 600)])
        .unwrap();
    assert_eq!(
        e.stats().cells,
        before,
        "unsave of a click-only cell changes nothing"
    );
    e.verify_neighbours(0.0).unwrap();
}

#[test]
fn passing_time_changes_no_ranking() {
    let e = engine();
    let a = e.recommend("ana", &req(5)).unwrap();
    let b = e
        .recommend("ana", &Request::new(5).now(NOW + 7 * 86_400))
        .unwrap();
    assert_eq!(ids(&a), ids(&b));
    // Recent interactions weigh more than old ones (forward decay).
    let e2 = Engine::new(Config::default()).unwrap();
    e2.upsert_items(items()).unwrap();
    e2.record(&[
        Interaction::new("x", "trad", "save", T0),
        Interaction::new("y", "ballad", "save", T0 + 60 * 86_400),
    ])
    .unwrap();
    let recs = e2
        .recommend("z", &Request::new(2).now(T0).strategy(Strategy::Popularity))
        .unwrap();
    assert_eq!(ids(&recs), vec!["ballad", "trad"]);
    assert!(
        (recs[1].score - 0.25).abs() < 1e-9,
        "two half-lives apart: {recs:?}"
    );
}

#[test]
fn removed_items_are_not_recommended() {
    let e = engine();
    assert_eq!(e.remove_items(&["techcork"]).unwrap(), 1);
    for s in Strategy::ALL {
        let recs = e.recommend("ben", &req(10).strategy(s)).unwrap();
        assert!(!ids(&recs).contains(&"techcork"));
    }
    let err = e.remove_items(&["jazzcork", "nope"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownItem);
    assert_eq!(err.row(), Some(1));
    assert!(e.item("jazzcork").is_some());
    // Upserting brings it back.
    e.upsert_items(vec![e.item("techcork").unwrap()]).unwrap();
    assert!(ids(&e.recommend("ben", &req(10)).unwrap()).contains(&"techcork"));
}

#[test]
fn bad_input_is_a_typed_error_and_changes_nothing() {
    let e = engine();
    let before = e.stats();
    let recs_before = e.recommend("ana", &req(5)).unwrap();
    let good = Interaction::new("ana", "trad", "save", T0 + 900);
    let cases = [
        (
            Interaction::new("ana", "nope", "save", T0),
            ErrorKind::UnknownItem,
        ),
        (
            Interaction::new("ana", "trad", "like", T0),
            ErrorKind::UnknownKind,
        ),
        (
            Interaction::new("", "trad", "save", T0),
            ErrorKind::InvalidId,
        ),
        (
            Interaction::new("x".repeat(257), "trad", "save", T0),
            ErrorKind::InvalidId,
        ),
        (
            Interaction::new("ana", "trad", "save", T0 * 1000),
            ErrorKind::InvalidTimestamp,
        ),
        (
            Interaction::new("ana", "trad", "save", -5),
            ErrorKind::InvalidTimestamp,
        ),
    ];
    for (bad, kind) in cases {
        let batch = [good.clone(), bad];
        let err = e.record(&batch).unwrap_err();
        assert_eq!(err.kind(), kind);
        assert_eq!(err.row(), Some(1));
        // `check_record` answers as `record` would, without applying anything.
        let checked = e.check_record(&batch).unwrap_err();
        assert_eq!((checked.kind(), checked.row()), (kind, Some(1)));
    }
    e.check_record(std::slice::from_ref(&good)).unwrap();
    assert_eq!(e.stats(), before);
    assert_eq!(e.recommend("ana", &req(5)).unwrap(), recs_before);
    assert_eq!(
        e.recommend("ana", &Request::new(0)).unwrap_err().kind(),
        ErrorKind::InvalidK
    );
    assert_eq!(
        e.recommend("ana", &Request::new(1_000_001))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidK
    );
    assert_eq!(
        e.recommend("", &req(1)).unwrap_err().kind(),
        ErrorKind::InvalidId
    );
    let err = e
        .upsert_items(vec![
            Item::new("ok", FUTURE),
            Item::new("bad", FUTURE).ends_at(T0),
        ])
        .unwrap_err();
    assert_eq!((err.kind(), err.row()), (ErrorKind::InvalidItem, Some(1)));
    assert!(e.item("ok").is_none(), "a bad batch adds nothing");
    let err = Engine::new(Config {
        neighbours: 0,
        ..Config::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert_eq!(
        Config::default()
            .with_kind("x", f64::NAN)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidWeight
    );
}

#[test]
fn unknown_users_are_cold_start_not_errors() {
    let e = engine();
    assert!(e.neighbours("ghost").is_empty());
    assert_eq!(e.similarity("ghost", "ana"), 0.0);
    assert_eq!(e.recommend("ghost", &req(3)).unwrap().len(), 3);
}

#[test]
fn readers_never_see_half_a_batch() {
    use std::sync::Arc;
    let e = Arc::new(engine());
    let start = e.stats().interactions;
    let writer = {
        let e = Arc::clone(&e);
        std::thread::spawn(move || {
            for n in 0..200 {
                let t = T0 + 10_000 + n;
                e.record(&[
                    Interaction::new(format!("w{n}"), "rave", "click", t),
                    Interaction::new(format!("w{n}"), "trad", "click", t),
                ])
                .unwrap();
            }
        })
    };
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let e = Arc::clone(&e);
            std::thread::spawn(move || {
                for _ in 0..300 {
                    let s = e.stats();
                    assert_eq!((s.interactions - start) % 2, 0, "half a batch visible");
                    assert_eq!(e.recommend("ana", &req(3)).unwrap().len(), 3);
                }
            })
        })
        .collect();
    writer.join().unwrap();
    readers.into_iter().for_each(|r| r.join().unwrap());
    e.verify_neighbours(0.0).unwrap();
}

#[test]
fn build_equals_recording_one_by_one() {
    let one_by_one = Engine::new(Config::default()).unwrap();
    one_by_one.upsert_items(items()).unwrap();
    for x in interactions() {
        one_by_one.record(&[x]).unwrap();
    }
    let built = Engine::build(items(), &interactions(), vec![], Config::default()).unwrap();
    for u in ["ana", "ben", "cat", "dan", "eve"] {
        assert_eq!(one_by_one.neighbours(u), built.neighbours(u));
        assert_eq!(
            one_by_one.recommend(u, &req(5)).unwrap(),
            built.recommend(u, &req(5)).unwrap()
        );
    }
    let (csr, users, items) = built.interaction_matrix();
    assert_eq!(csr.shape(), (users.len(), items.len()));
    assert_eq!(csr.nnz(), built.stats().cells);
}

#[test]
fn custom_kinds_weigh_as_configured() {
    let cfg = Config::default().with_kind("purchase", 5.0).unwrap();
    let e = Engine::new(cfg).unwrap();
    e.upsert_items(items()).unwrap();
    e.record(&[
        Interaction::new("a", "trad", "purchase", T0),
        Interaction::new("b", "ballad", "save", T0),
        Interaction::new("c", "ballad", "save", T0),
    ])
    .unwrap();
    let recs = e
        .recommend("z", &Request::new(1).now(T0).strategy(Strategy::Popularity))
        .unwrap();
    assert_eq!(recs[0].item_id, "trad");
}

/// A new event by an artist whose past shows drew crowds outranks an equally matching new event
/// by an artist nobody came to see (both unseen), for content and hybrid; `artist_prior = 0`
/// ranks them by index alone, and the popularity control never looks at artists.
/// An event in Dublin with one genre and one artist.
fn dublin_gig(id: impl Into<String>, starts_at: i64, genre: &str, artist: &str) -> Item {
    Item::new(id, starts_at)
        .city("dublin")
        .genres([genre])
        .artists([artist])
}

#[test]
fn artist_prior_lifts_unseen_events_of_proven_artists() {
    let items = vec![
        dublin_gig("old-show", T0 + 3_600, "techno", "big name"),
        dublin_gig("old-gig", T0 + 3_600, "techno", "newcomer"),
        dublin_gig("a-newcomer", FUTURE, "techno", "newcomer"),
        dublin_gig("b-big-name", FUTURE, "techno", "big name"),
    ];
    // Both artists played before (so both artist features weigh the same): one to a crowd,
    // the other to one person.
    let mut crowd: Vec<Interaction> = (0..30)
        .map(|n| Interaction::new(format!("fan{n}"), "old-show", "save", T0 + n))
        .collect();
    crowd.push(Interaction::new("friend", "old-gig", "save", T0 + 40));
    let prefs = vec![(
        "newbie".to_owned(),
        Preferences::new(["techno"], Vec::<String>::new(), ["dublin"]),
    )];
    let now = T0 + 7_200; // the old show has started
    let top = |artist_prior: f64, s: Strategy| {
        let config = Config {
            artist_prior,
            ..Config::default()
        };
        let e = Engine::build(items.clone(), &crowd, prefs.clone(), config).unwrap();
        e.verify_neighbours(0.0).unwrap();
        e.recommend("newbie", &Request::new(2).strategy(s).now(now))
            .unwrap()
            .into_iter()
            .map(|r| r.item_id)
            .collect::<Vec<_>>()
    };
    for s in [Strategy::Content, Strategy::Hybrid] {
        assert_eq!(top(1.0, s), ["b-big-name", "a-newcomer"], "{s}");
        assert_eq!(top(0.0, s), ["a-newcomer", "b-big-name"], "{s}");
    }
    assert_eq!(
        top(1.0, Strategy::Popularity),
        top(0.0, Strategy::Popularity)
    );
}

/// A user who stated no city is judged local where their history is: personalised strategies
/// rank the events of that city by its own popularity, while the popularity control stays
/// popularity everywhere.
#[test]
fn personalised_strategies_infer_cities_from_history() {
    let items = vec![
        Item::new("cork-past", T0 + 3_600)
            .city("cork")
            .genres(["jazz"]),
        Item::new("cork-next", FUTURE).city("cork").genres(["jazz"]),
        Item::new("dublin-next", FUTURE)
            .city("dublin")
            .genres(["jazz"]),
    ];
    let mut log = vec![
        Interaction::new("walker", "cork-past", "save", T0),
        Interaction::new("local", "cork-next", "save", T0 + 1),
    ];
    log.extend(
        (0..5).map(|n| Interaction::new(format!("fan{n}"), "dublin-next", "save", T0 + 2 + n)),
    );
    // The city feature off: both upcoming events match the history equally (jazz), so only
    // locality can tell them apart.
    let config = Config {
        content_weights: craic_core::FeatureWeights {
            city: 0.0,
            ..Default::default()
        },
        ..Config::default()
    };
    let e = Engine::build(items, &log, vec![], config).unwrap();
    let top = |s: Strategy| ids(&e.recommend("walker", &req(2).strategy(s)).unwrap()).join(",");
    assert_eq!(top(Strategy::Popularity), "dublin-next,cork-next");
    assert_eq!(top(Strategy::Content), "cork-next,dublin-next");
    assert_eq!(top(Strategy::Hybrid), "cork-next,dublin-next");
    // A stated city wins over history.
    e.set_preferences(
        "walker",
        Preferences::new(Vec::<String>::new(), Vec::<String>::new(), ["dublin"]),
    )
    .unwrap();
    assert_eq!(top(Strategy::Content), "dublin-next,cork-next");
}

/// Hybrid, for a user with a long history (mostly collaborative): an event nobody in the
/// neighbourhood has touched yet but that matches the user's taste is backed by its content,
/// so it ranks above an off-taste event two of its three neighbours touched (without the
/// backing it would compete on the small content share alone, and rank below it).
#[test]
fn hybrid_backs_untouched_events_with_content() {
    let mut items: Vec<Item> = (0..30)
        .map(|n| dublin_gig(format!("past{n}"), T0 + 3_600, "folk", "folk hero"))
        .collect();
    items.extend([
        dublin_gig("strong", FUTURE, "folk", "someone"),
        dublin_gig("weak", FUTURE, "metal", "shouter"),
        dublin_gig("fresh", FUTURE, "folk", "folk hero"),
    ]);
    let mut log = Vec::new();
    for user in ["regular", "twin0", "twin1", "twin2"] {
        log.extend((0..30).map(|n| Interaction::new(user, format!("past{n}"), "save", T0 + n)));
    }
    for twin in ["twin0", "twin1", "twin2"] {
        log.push(Interaction::new(twin, "strong", "save", T0 + 100));
    }
    log.push(Interaction::new("twin0", "weak", "save", T0 + 101));
    log.push(Interaction::new("twin1", "weak", "save", T0 + 102));
    // Someone saved it, but nobody close to `regular`.
    log.push(Interaction::new("stranger", "fresh", "save", T0 + 103));
    let e = Engine::build(items, &log, vec![], Config::default()).unwrap();
    let recs = e
        .recommend("regular", &req(3).strategy(Strategy::Hybrid).explain(true))
        .unwrap();
    assert_eq!(ids(&recs), ["strong", "fresh", "weak"]);
    // The backing is content evidence, and is reported as such.
    let fresh = &recs[1].explanation.as_ref().unwrap().contributions;
    assert!(fresh
        .iter()
        .all(|c| c.component != Component::Collaborative));
    assert!(fresh.iter().any(|c| c.component == Component::Content));
}
