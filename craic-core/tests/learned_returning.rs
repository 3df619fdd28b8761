//! The learned blend on a log where each user's activity is one burst (a ratings site, a
//! launch month): the latest slice by time holds almost only newcomers, so the fit also holds
//! out returning users' own latest rows, and the weights served to users with a history are
//! learned on such users (`MIN_WARM_USERS`; docs/how-it-works.md). The report is a shared
//! fixture (`testdata/learned_returning.json`) the Python and Node tests rebuild from the same
//! recipe.

use craic_core::{Config, Engine, Interaction, Item, Request, MIN_WARM_USERS};

const T0: i64 = 1_700_000_000;
const USERS: i64 = 800;
const ITEMS: i64 = 60;

/// Two taste groups (even and odd events), no genres and no stated preferences: only the
/// collaborative signal says what a user likes. User `u` arrives at hour `u` and, within
/// twenty minutes, saves ten events of their group (a spread that depends on `u`) and hides one
/// of the other group; nobody comes back.
fn bursts() -> (Vec<Item>, Vec<Interaction>) {
    let items = (0..ITEMS)
        .map(|n| Item::new(format!("e{n}"), T0 + 100 * 86_400))
        .collect();
    let mut log = Vec::new();
    for u in 0..USERS {
        let (user, group, start) = (format!("u{u}"), u % 2, T0 + 3_600 * u);
        for s in 0..10 {
            let item = 2 * ((u * 13 + s * 7) % (ITEMS / 2)) + group;
            log.push(Interaction::new(
                &user,
                format!("e{item}"),
                "save",
                start + 120 * s,
            ));
        }
        let other = 2 * (u % (ITEMS / 2)) + 1 - group;
        log.push(Interaction::new(
            &user,
            format!("e{other}"),
            "hide",
            start + 1_200,
        ));
    }
    (items, log)
}

#[test]
fn a_log_of_bursts_learns_its_warm_buckets_from_returning_users() {
    let (items, log) = bursts();
    let engine = Engine::build(items.clone(), &log, vec![], Config::default()).unwrap();
    let report = engine
        .blend_report()
        .expect("800 users: the blend is learned");
    // The latest fifth by time is the last 160 users' whole bursts: all newcomers.
    let cold = &report.buckets[0];
    assert_eq!(cold.name, "cold");
    assert!(cold.users >= 150, "{report:#?}");
    let warm: usize = report.buckets[1..].iter().map(|b| b.users).sum();
    assert!(
        warm >= MIN_WARM_USERS,
        "returning users fill the warm buckets: {report:#?}"
    );
    // Their own latest rows are held out, not trained on: the two counts still make the log.
    assert_eq!(
        report.train_interactions + report.holdout_interactions,
        log.len()
    );
    assert!(
        report.holdout_interactions > log.len() / 5 + warm,
        "{report:#?}"
    );
    // Users with a history are served what ranks the collaborative signal: each warm bucket
    // weighs the collaborative component most.
    for b in &report.buckets[1..] {
        let most = b.weights.iter().cloned().fold(f64::MIN, f64::max);
        assert_eq!(
            b.weights[0], most,
            "{} weighs collaborative most: {report:#?}",
            b.name
        );
    }
    // Deterministic: the same log gives the same report.
    let again = Engine::build(items, &log, vec![], Config::default()).unwrap();
    assert_eq!(again.blend_report(), Some(report));
}

#[test]
fn a_returning_user_is_served_their_own_group_first() {
    let (items, log) = bursts();
    let engine = Engine::build(items, &log, vec![], Config::default()).unwrap();
    let req = Request::new(3).now(T0 + 3_600 * USERS);
    for u in [3, 10, 101, 250, 777] {
        let user = format!("u{u}");
        let hybrid = engine.recommend(&user, &req).unwrap();
        let group = |id: &str| id[1..].parse::<i64>().unwrap() % 2;
        assert!(
            hybrid.len() == 3 && hybrid.iter().all(|r| group(&r.item_id) == u % 2),
            "{user}: {hybrid:?}"
        );
    }
}

/// The report of the burst log is `testdata/learned_returning.json`; the Python and Node tests
/// build the same log from its recipe and check the same report. `CRAIC_WRITE_FIXTURE=1`
/// rewrites the file (after an intended change of the fit).
#[test]
fn the_burst_report_matches_the_shared_fixture() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/learned_returning.json"
    );
    let (items, log) = bursts();
    let engine = Engine::build(items, &log, vec![], Config::default()).unwrap();
    let got = serde_json::json!({
        "description": "Engine.build with the default Config on a log of bursts (craic-core/tests/learned_returning.rs, craic-py/tests/test_learned_returning.py, craic-node/test/learned_returning.test.js): items e0..e59, each starting at t0 + 100 days; user u (0..800) arrives at t0 + 3600 u and saves e{2 ((13 u + 7 s) % 30) + u % 2} at t0 + 3600 u + 120 s for s in 0..10, then hides e{2 (u % 30) + 1 - u % 2} at t0 + 3600 u + 1200; rows in that order. The latest fifth holds no user with a history, so returning users fill the warm buckets.",
        "recipe": {"t0": T0, "users": USERS, "items": ITEMS},
        "report": engine.blend_report().expect("a learned blend"),
    });
    let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
    if std::env::var_os("CRAIC_WRITE_FIXTURE").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    assert_eq!(text, std::fs::read_to_string(path).unwrap());
}
