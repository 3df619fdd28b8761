//! Experiment variants with an engine configuration of their own (`Treatment::config`): each
//! arm is served from an engine built with its configuration on the service's data, follows
//! its writes, is rebuilt by an accepted retrain and after a restart on a store, and the
//! number of distinct arm configurations is bounded.

mod store_common;

use std::sync::Arc;

use craic::experiments::{Experiment, Treatment};
use craic::service::{InMemorySource, Service, ServiceErrorKind, ServiceOptions, TrainingSource};
use craic::synthetic::Dataset;
use craic::{Blend, Config, Engine, ErrorKind, Interaction, Request, Strategy, TrainingData};
use craic_store::BlockingStore;
use store_common::{lenient, seed, tiny, users, TempDb};

/// No cache: a list cached before another user's write is served until it expires, so the
/// comparisons with reference engines read every list afresh.
fn uncached() -> ServiceOptions {
    ServiceOptions {
        cache_capacity: 0,
        ..lenient(0.5)
    }
}

/// `n` neighbours with the fixed blend (a learned blend would tune the neighbourhood size).
fn neighbours(n: usize) -> Config {
    Config {
        neighbours: n,
        blend: Blend::Fixed,
        ..Config::default()
    }
}

/// Two arms serving Hybrid from engines with 2 and 200 neighbours (the default is 50).
fn experiment() -> Experiment {
    Experiment::builder("neighbours")
        .variant(
            "few",
            0.5,
            Treatment::new(Strategy::Hybrid).config(neighbours(2)),
        )
        .variant(
            "many",
            0.5,
            Treatment::new(Strategy::Hybrid).config(neighbours(200)),
        )
        .build()
        .unwrap()
}

/// The data as the service holds it (its source orders the catalogue by id, and the order of
/// floating-point sums follows it).
fn as_loaded(data: &Dataset) -> TrainingData {
    InMemorySource::with_data(data.clone().into())
        .load()
        .unwrap()
}

/// A control on the serving engine and a treatment on the 2-neighbour configuration.
fn with_few(key: &str, control: Strategy, treatment: Strategy) -> Experiment {
    Experiment::builder(key)
        .variant("control", 0.5, control)
        .variant("few", 0.5, Treatment::new(treatment).config(neighbours(2)))
        .build()
        .unwrap()
}

/// A reference engine of each arm: built with its configuration on `data`, then `writes`.
fn references(data: &TrainingData, writes: &[Interaction]) -> Vec<Engine> {
    experiment()
        .variants()
        .iter()
        .map(|v| {
            let config = v.config.clone().unwrap();
            let e = Engine::from_training(config, data, &data.interactions).unwrap();
            if !writes.is_empty() {
                e.record(writes).unwrap();
            }
            e
        })
        .collect()
}

type Lists = Vec<(String, Vec<(String, f64)>)>;

/// Every user's list inside the experiment, after checking it is the list of the reference
/// engine of the user's arm; also checks the two arms' references differ for some user (so
/// serving the wrong engine would be seen).
fn served(svc: &Service, users: &[String], refs: &[Engine], at: i64) -> Lists {
    let req = Request::new(10).now(at);
    let list = |recs: Vec<craic::Recommendation>| -> Vec<(String, f64)> {
        recs.into_iter().map(|r| (r.item_id, r.score)).collect()
    };
    let mut differ = 0;
    let mut per_arm = [0; 2];
    let mut out = Vec::new();
    for u in users {
        let got = svc.recommend_in_experiment("neighbours", u, &req).unwrap();
        let arm = got.assignment.unwrap().index;
        per_arm[arm] += 1;
        let want = list(refs[arm].recommend(u, &req).unwrap());
        let other = list(refs[1 - arm].recommend(u, &req).unwrap());
        differ += usize::from(want != other);
        let got = list(got.recommendations);
        assert_eq!(got, want, "user {u} in arm {arm}");
        out.push((u.clone(), got));
    }
    assert!(
        per_arm.iter().all(|&n| n > 10),
        "both arms have users: {per_arm:?}"
    );
    assert!(differ > 0, "the two configurations give different lists");
    out
}

/// Saves by the first users of items they have not saved, at `at`.
fn saves(data: &Dataset, at: i64) -> Vec<Interaction> {
    users(data)
        .iter()
        .take(30)
        .zip(data.items.iter().rev())
        .map(|(u, item)| Interaction::new(u, &item.id, "save", at))
        .collect()
}

#[test]
fn each_arm_is_served_from_its_own_engine_and_follows_writes() {
    let data = tiny();
    let training = as_loaded(&data);
    let svc = Service::build(Config::default(), training.clone(), uncached()).unwrap();
    svc.register_experiment(experiment()).unwrap();
    assert_eq!(svc.arm_engines(), 2);
    let at = data.config.end();
    let users = users(&data);
    served(&svc, &users, &references(&training, &[]), at);

    let writes = saves(&data, at - 60);
    svc.record(&writes).unwrap();
    let refs = references(&training, &writes);
    served(&svc, &users, &refs, at);

    // A removed event leaves every arm.
    let removed = data.items[0].id.as_str();
    svc.remove_items(&[removed]).unwrap();
    for r in &refs {
        r.remove_items(&[removed]).unwrap();
    }
    let lists = served(&svc, &users, &refs, at);
    assert!(lists
        .iter()
        .all(|(_, l)| l.iter().all(|(i, _)| i != removed)));

    // Registering the same configurations again (another experiment) builds nothing new.
    let again = with_few("again", Strategy::Popularity, Strategy::Content);
    svc.register_experiment(again).unwrap();
    assert_eq!(svc.arm_engines(), 2);
}

#[test]
fn the_number_of_distinct_arm_configurations_is_bounded() {
    let data = tiny();
    let options = ServiceOptions {
        max_arm_configs: 1,
        ..ServiceOptions::default()
    };
    let svc = Service::build(Config::default(), data.clone().into(), options).unwrap();
    let err = svc.register_experiment(experiment()).unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Core(ErrorKind::OutOfRange));
    assert_eq!(svc.arm_engines(), 0, "nothing built");
    let user = &data.interactions[0].user_id;
    let err = svc
        .recommend_in_experiment("neighbours", user, &Request::new(5))
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ServiceErrorKind::Core(ErrorKind::UnknownExperiment),
        "nothing registered"
    );
    let one = with_few("one", Strategy::Hybrid, Strategy::Hybrid);
    svc.register_experiment(one).unwrap();
    assert_eq!(svc.arm_engines(), 1);
}

#[test]
fn an_accepted_retrain_rebuilds_every_arm_on_its_data() {
    let data = tiny();
    let training = as_loaded(&data);
    let svc = Service::build(Config::default(), training.clone(), uncached()).unwrap();
    svc.register_experiment(experiment()).unwrap();
    let at = data.config.end();
    let writes = saves(&data, at - 60);
    svc.record(&writes).unwrap();
    let outcome = svc.retrain_blocking(None).unwrap();
    assert!(outcome.accepted(), "{:?}", outcome.rejection);
    assert_eq!(svc.arm_engines(), 2);
    // Rebuilt on the data and the writes (bit-for-bit what recording them incrementally gives).
    let mut all = training.clone();
    all.interactions.extend(writes.iter().cloned());
    let rebuilt: Vec<Engine> = experiment()
        .variants()
        .iter()
        .map(|v| Engine::from_training(v.config.clone().unwrap(), &all, &all.interactions))
        .collect::<Result<_, _>>()
        .unwrap();
    served(&svc, &users(&data), &rebuilt, at);
}

#[test]
fn a_store_backed_service_rebuilds_the_arms_when_it_restarts() {
    let db = TempDb::new();
    let data = tiny();
    let store = Arc::new(BlockingStore::open(&db.url()).unwrap());
    seed(&store, &data, data.interactions.len());
    let svc = Service::open(Arc::clone(&store), Config::default(), uncached()).unwrap();
    svc.register_experiment(experiment()).unwrap();
    let at = data.config.end();
    let writes = saves(&data, at - 60);
    svc.record(&writes).unwrap();
    let training = as_loaded(&data);
    let refs = references(&training, &writes);
    let users = users(&data);
    let before = served(&svc, &users, &refs, at);
    drop(svc);

    let again = Service::open(Arc::clone(&store), Config::default(), uncached()).unwrap();
    assert_eq!(again.arm_engines(), 2);
    assert_eq!(served(&again, &users, &refs, at), before);

    // Another replica's writes reach the arms through the catch-up.
    let other = Service::open(Arc::clone(&store), Config::default(), uncached()).unwrap();
    let more = saves(&data, at - 30)
        .into_iter()
        .map(|x| Interaction::new(&x.user_id, &data.items[1].id, "click", x.timestamp))
        .collect::<Vec<_>>();
    other.record(&more).unwrap();
    let caught = again.catch_up().unwrap();
    assert_eq!(caught.applied, more.len() as u64);
    for r in &refs {
        r.record(&more).unwrap();
    }
    served(&again, &users, &refs, at);
}

#[test]
fn a_model_synced_from_the_registry_gets_its_arms_rebuilt() {
    let db = TempDb::new();
    let data = tiny();
    let store = Arc::new(BlockingStore::open(&db.url()).unwrap());
    seed(&store, &data, data.interactions.len());
    let a = Service::open(Arc::clone(&store), Config::default(), uncached()).unwrap();
    a.register_experiment(experiment()).unwrap();
    // Another replica records, retrains and publishes a model holding its writes.
    let b = Service::open(Arc::clone(&store), Config::default(), uncached()).unwrap();
    let at = data.config.end();
    let writes = saves(&data, at - 60);
    b.record(&writes).unwrap();
    assert!(b.retrain_blocking(None).unwrap().accepted());
    let version = a.sync_model().unwrap();
    assert_eq!(version, Some(b.model_info().version));
    assert_eq!(a.arm_engines(), 2);
    // A's arms hold what the synced model holds: the data and the other replica's writes.
    let refs = references(&as_loaded(&data), &writes);
    served(&a, &users(&data), &refs, at);
}
