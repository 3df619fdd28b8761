//! The opt-in item-based strategy through the Service: served and counted when the engine keeps
//! item lists or a linear item model; an experiment arm asking for it
//! from an engine without either is refused at registration, not on every request.

use craic::experiments::{Experiment, Treatment};
use craic::service::Service;
use craic::service::{ServiceErrorKind, ServiceOptions};
use craic::{Config, ErrorKind, Request, Strategy};

mod service_common;
use service_common::{active_user, counter, service, tiny};

/// An experiment named `name`: the Hybrid against `arm` (an item-based treatment), half each.
fn against_hybrid(name: &str, arm: impl Into<Treatment>) -> Experiment {
    Experiment::builder(name)
        .variant("control", 0.5, Strategy::Hybrid)
        .variant("item_based", 0.5, arm)
        .build()
        .unwrap()
}

#[test]
fn item_based_is_served_when_the_engine_keeps_item_lists() {
    let data = tiny();
    let config = Config {
        item_neighbours: 20,
        ..Config::default()
    };
    let svc = Service::build(config, data.clone().into(), ServiceOptions::default()).unwrap();
    let (u, at) = active_user(&svc, &data);
    let req = Request::new(5)
        .strategy(Strategy::ItemBased)
        .now(at)
        .explain(true);
    let recs = svc.recommend(&u, &req).unwrap();
    assert_eq!(recs, svc.engine().recommend(&u, &req).unwrap());
    assert_eq!(recs.len(), 5);
    let series = r#"craic_requests_total{strategy="item_based"}"#;
    assert_eq!(counter(&svc, series), 1);
    // An experiment arm may serve it from this engine.
    let exp = against_hybrid("items", Strategy::ItemBased);
    svc.register_experiment(exp).unwrap();
}

#[test]
fn an_item_based_arm_without_item_lists_is_refused_at_registration() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (u, at) = active_user(&svc, &data);
    let req = Request::new(5).strategy(Strategy::ItemBased).now(at);
    let err = svc.recommend(&u, &req).unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Core(ErrorKind::InvalidConfig));
    let refused = against_hybrid("items", Strategy::ItemBased);
    let err = svc.register_experiment(refused).unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Core(ErrorKind::InvalidConfig));
    // With a configuration of its own that keeps item lists, the arm is accepted and served.
    let lists = Config {
        item_neighbours: 20,
        ..Config::default()
    };
    let accepted = against_hybrid("items", Treatment::new(Strategy::ItemBased).config(lists));
    svc.register_experiment(accepted).unwrap();
    let users: Vec<String> = (0..40).map(|n| format!("u{n}")).collect();
    let served = users
        .iter()
        .filter_map(|u| {
            svc.recommend_in_experiment("items", u, &Request::new(5).now(at))
                .unwrap()
                .variant
        })
        .filter(|v| v == "item_based")
        .count();
    assert!(served > 0);
}

/// With a linear item model as the item side: served as the engine serves it, and accepted as
/// an arm (from the serving engine, or from an arm engine of its own configuration).
#[test]
fn item_based_is_served_from_a_linear_item_model() {
    let data = tiny();
    let config = Config {
        linear_items: 200,
        linear_l2: 20.0,
        ..Config::default()
    };
    let svc = Service::build(
        config.clone(),
        data.clone().into(),
        ServiceOptions::default(),
    )
    .unwrap();
    let (u, at) = active_user(&svc, &data);
    let req = Request::new(5).strategy(Strategy::ItemBased).now(at);
    let recs = svc.recommend(&u, &req).unwrap();
    assert_eq!(recs.len(), 5);
    assert_eq!(recs, svc.engine().recommend(&u, &req).unwrap());
    let exp = against_hybrid("linear", Strategy::ItemBased);
    svc.register_experiment(exp).unwrap();
    // An arm of its own with the model, on a serving engine without one, is accepted too.
    let plain = service(&data, ServiceOptions::default());
    let arm = against_hybrid(
        "linear-arm",
        Treatment::new(Strategy::ItemBased).config(config),
    );
    plain.register_experiment(arm).unwrap();
}
