//! Impressions: exposure-aware demotion (happens, grows with showings, recovers, ends with
//! engagement, off when disabled or for allowed saved items), impressions never counting as
//! engagement, bad input, and `Request::exclude_touched`.

mod common;

use common::*;
use craic_core::evaluation::Relevance;
use craic_core::{
    Config, Engine, ErrorKind, Impression, Interaction, Recommendation, Request, Strategy, Touched,
};

const DAY: i64 = 86_400;

/// The fixture engine with `config`.
fn engine_with(config: Config) -> Engine {
    let e = Engine::new(config).unwrap();
    e.upsert_items(items()).unwrap();
    e.record(&interactions()).unwrap();
    e
}

/// `n` showings of `item` to `user`, one a minute from `t`.
fn show(e: &Engine, user: &str, item: &str, n: i64, t: i64) {
    let shown: Vec<Impression> = (0..n)
        .map(|x| Impression::new(user, item, t + 60 * x, 0))
        .collect();
    e.record_impressions(&shown).unwrap();
}

fn score_of(recs: &[Recommendation], item: &str) -> Option<f64> {
    recs.iter().find(|r| r.item_id == item).map(|r| r.score)
}

fn all(user: &str, e: &Engine, now: i64) -> Vec<Vec<Recommendation>> {
    Strategy::ALL
        .iter()
        .map(|&s| {
            let r = Request::new(7).strategy(s).now(now).explain(true);
            e.recommend(user, &r).unwrap()
        })
        .collect()
}

#[test]
fn demotion_happens_grows_with_showings_and_recovers_with_time() {
    let e = engine_with(Config::default());
    let req = Request::new(7).strategy(Strategy::Popularity).now(NOW);
    let base = e.recommend("dan", &req).unwrap();
    assert_eq!(base[0].item_id, "rave");
    let full = score_of(&base, "rave").unwrap();

    // One showing is free; each further one demotes more.
    let mut last = full;
    for n in 1..=6 {
        show(&e, "dan", "rave", 1, NOW - 3600 + n);
        let s = score_of(&e.recommend("dan", &req).unwrap(), "rave").unwrap();
        if n == 1 {
            assert_eq!(s, full);
        } else {
            assert!(s < last, "showing {n}: {s} !< {last}");
        }
        last = s;
    }
    let demoted = e.recommend("dan", &req).unwrap();
    assert_ne!(
        demoted[0].item_id, "rave",
        "six showings push it off the top"
    );
    assert_eq!(demoted.len(), base.len(), "demoted, never dropped");

    // As the showings age the item recovers, and fully once they count as one at most.
    let day = score_of(
        &e.recommend("dan", &req.clone().now(NOW + DAY)).unwrap(),
        "rave",
    );
    assert!(day.unwrap() > last);
    let later = req.clone().now(NOW + 10 * DAY);
    let fresh = engine_with(Config::default());
    assert_eq!(
        e.recommend("dan", &later).unwrap(),
        fresh.recommend("dan", &later).unwrap()
    );
    let later = e.recommend("dan", &later).unwrap();
    assert_eq!(score_of(&later, "rave"), Some(full));
}

#[test]
fn every_strategy_demotes_and_disabled_demotion_changes_nothing() {
    let off = Config {
        exposure_demotion: 0.0,
        ..Config::default()
    };
    for user in ["ana", "cat", "newbie", "nobody"] {
        let on = engine_with(Config::default());
        let disabled = engine_with(off.clone());
        let before = all(user, &on, NOW);
        for (n, list) in before.iter().enumerate() {
            let top = &list[0].item_id;
            show(&on, user, top, 5, NOW - 3600);
            show(&disabled, user, top, 5, NOW - 3600);
            let after = all(user, &on, NOW);
            // Its score falls, or (a fill-up item scoring 0) it moves down the list.
            let s = score_of(&after[n], top).unwrap_or(0.0);
            let moved = after[n].iter().position(|r| &r.item_id == top) != Some(0);
            assert!(s < list[0].score || moved, "{user} {:?}", Strategy::ALL[n]);
        }
        assert_eq!(all(user, &disabled, NOW), before, "{user}");
    }
}

#[test]
fn engagement_ends_demotion_and_allowed_saved_items_are_not_demoted() {
    let e = engine_with(Config::default());
    show(&e, "dan", "rave", 5, NOW - 3600);
    assert_eq!(e.exposure("dan", NOW - 3600 + 240).len(), 1);
    e.record(&[Interaction::new("dan", "rave", "click", NOW - 60)])
        .unwrap();
    assert!(e.exposure("dan", NOW).is_empty(), "a click ends it");

    // Ana saved the rave; shown it again, it is still not demoted where saves are allowed.
    let req = Request {
        exclude_saved: Some(false),
        ..Request::new(7).strategy(Strategy::Popularity).now(NOW)
    };
    let before = e.recommend("ana", &req).unwrap();
    show(&e, "ana", "rave", 8, NOW - 3600);
    assert_eq!(e.recommend("ana", &req).unwrap(), before);
}

#[test]
fn impressions_never_count_as_engagement() {
    let plain = engine_with(Config::default());
    let shown = engine_with(Config::default());
    // Everyone is shown everything, many times.
    let users = ["ana", "ben", "cat", "dan", "eve"];
    let mut rows = Vec::new();
    for (n, u) in users.iter().enumerate() {
        for (r, item) in items().iter().enumerate() {
            for x in 0..3 {
                rows.push(Impression::new(
                    *u,
                    &item.id,
                    T0 + 200 + x,
                    r as i64 + n as i64,
                ));
            }
        }
    }
    shown.record_impressions(&rows).unwrap();
    assert_eq!(shown.interaction_matrix(), plain.interaction_matrix());
    for u in users {
        assert_eq!(shown.neighbours(u), plain.neighbours(u), "similarity");
        for v in users {
            assert_eq!(shown.similarity(u, v), plain.similarity(u, v));
        }
        assert_eq!(shown.blend_weights(u), plain.blend_weights(u));
    }
    // Popularity and content profiles: for a user never shown anything, and for everyone
    // with demotion off, every strategy ranks and scores as without impressions.
    assert_eq!(all("nobody", &shown, NOW), all("nobody", &plain, NOW));
    let off = Config {
        exposure_demotion: 0.0,
        ..Config::default()
    };
    let shown_off = engine_with(off.clone());
    shown_off.record_impressions(&rows).unwrap();
    for u in users {
        assert_eq!(
            all(u, &shown_off, NOW),
            all(u, &engine_with(off.clone()), NOW)
        );
    }
    // Evaluation relevance ignores them, even when listed as a positive kind.
    let test: Vec<Interaction> = rows.iter().map(|x| x.to_interaction().unwrap()).collect();
    assert!(Relevance::default().relevant_items(&test).is_empty());
    let lenient = Relevance {
        positive: vec!["save".into(), "impression".into()],
        ..Relevance::default()
    };
    assert!(lenient.relevant_items(&test).is_empty());
}

#[test]
fn bad_impressions_are_typed_errors_and_change_nothing() {
    let e = engine_with(Config::default());
    let before = e.stats();
    let good = Impression::new("ana", "rave", T0 + 500, 0);
    let cases = [
        (
            Impression::new("ana", "nope", T0 + 500, 1),
            ErrorKind::UnknownItem,
        ),
        (
            Impression::new("ana", "rave", T0 + 500, -1),
            ErrorKind::OutOfRange,
        ),
        (
            Impression::new("ana", "rave", -1, 1),
            ErrorKind::InvalidTimestamp,
        ),
        (
            Impression::new("", "rave", T0 + 500, 1),
            ErrorKind::InvalidId,
        ),
    ];
    for (bad, kind) in cases {
        let err = e.record_impressions(&[good.clone(), bad]).unwrap_err();
        assert_eq!((err.kind(), err.row()), (kind, Some(1)));
    }
    assert_eq!(e.stats(), before);
    assert!(e.exposure("ana", NOW).is_empty());
    // As plain interactions too.
    let err = e
        .record(&[Interaction::new("ana", "nope", "impression", T0)])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownItem);
}

#[test]
fn exclude_touched_equals_passing_the_ids() {
    let e = engine_with(Config::default());
    show(&e, "eve", "trad", 2, NOW - 3600);
    let req = || Request::new(7).now(NOW).explain(true);
    for s in Strategy::ALL {
        let r = req().strategy(s);
        let cases: [(Touched, &[&str]); 4] = [
            (Touched::Any, &["rave", "techcork", "standup"]),
            (Touched::Kinds(vec!["click".into()]), &["rave"]),
            (Touched::Kinds(vec!["impression".into()]), &["trad"]),
            (
                Touched::Kinds(vec!["impression".into(), "save".into()]),
                &["trad", "techcork"],
            ),
        ];
        for (touched, ids) in cases {
            let a = e
                .recommend("eve", &r.clone().exclude_touched(touched.clone()))
                .unwrap();
            let b = e
                .recommend("eve", &r.clone().exclude(ids.iter().copied()))
                .unwrap();
            assert_eq!(a, b, "{s:?} {touched:?}");
        }
        // A new user has touched nothing; an unknown kind is an error for anyone.
        let any = r.clone().exclude_touched(Touched::Any);
        assert_eq!(
            e.recommend("newbie", &any).unwrap(),
            e.recommend("newbie", &r).unwrap()
        );
        for user in ["eve", "nobody"] {
            let bad = r
                .clone()
                .exclude_touched(Touched::Kinds(vec!["purr".into()]));
            assert_eq!(
                e.recommend(user, &bad).unwrap_err().kind(),
                ErrorKind::UnknownKind
            );
        }
    }
}

/// An impression's rank travels with its interaction but does not change the model (today no
/// score depends on it); a rank on any other kind is `invalid_rank` and the batch is rejected
/// whole.
#[test]
fn ranks_are_kept_on_impressions_and_rejected_elsewhere() {
    let ranked = engine_with(Config::default());
    let plain = engine_with(Config::default());
    let shown = Impression::new("dan", "rave", NOW - 60, 4)
        .to_interaction()
        .unwrap();
    assert_eq!(shown, Interaction::impression("dan", "rave", NOW - 60, 4));
    ranked.record(std::slice::from_ref(&shown)).unwrap();
    plain
        .record(&[Interaction::new("dan", "rave", "impression", NOW - 60)])
        .unwrap();
    assert_eq!(ranked.exposure("dan", NOW), plain.exposure("dan", NOW));
    assert_eq!(all("dan", &ranked, NOW), all("dan", &plain, NOW));

    let before = ranked.stats();
    for kind in ["save", "click", "hide", "unsave"] {
        let batch = [
            Interaction::impression("dan", "rave", NOW - 30, 0),
            Interaction::new("dan", "rave", kind, NOW - 30).with_rank(1),
        ];
        let err = ranked.record(&batch).unwrap_err();
        assert_eq!((err.kind(), err.row()), (ErrorKind::InvalidRank, Some(1)));
    }
    assert_eq!(ranked.stats(), before);
    assert_eq!(ranked.exposure("dan", NOW), plain.exposure("dan", NOW));
}
