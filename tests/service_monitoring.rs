//! Integration tests of the Service's monitoring: drift detection, drift alerts and
//! experiments (exposures, conversions, reports).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use craic::alerts::AlertRule;
use craic::experiments::{Experiment, StatsConfig};
use craic::service::{ServiceErrorKind, ServiceOptions};
use craic::synthetic::Dataset;
use craic::{ErrorKind, Interaction, Request, Strategy};

mod service_common;
use service_common::{active_user, now, service, tiny};

/// The training interactions moved to `at` (same distribution as the reference).
fn restamped(data: &Dataset, at: i64) -> Vec<Interaction> {
    data.interactions
        .iter()
        .map(|x| Interaction::new(&x.user_id, &x.item_id, &x.kind, at))
        .collect()
}

#[test]
fn drift_detects_a_shift_and_not_an_identical_distribution() {
    let data = tiny();
    let t = now();
    let same = service(&data, ServiceOptions::default());
    let r = same.drift_report_at(t);
    assert!(r.features.iter().all(|f| f.current_count == 0));
    assert_eq!(r.psi("genre"), None);
    same.record(&restamped(&data, t - 60)).unwrap();
    let r = same.drift_report_at(t);
    for f in ["interaction_kind", "genre", "city"] {
        assert!(r.psi(f).unwrap() < 1e-9, "{f}: {:?}", r.psi(f));
    }
    // Shifted: only hides, only events of one city.
    let shifted = service(&data, ServiceOptions::default());
    let city = &data.items[0].city;
    let batch: Vec<Interaction> = data
        .interactions
        .iter()
        .filter(|x| data.items[data.item_index(&x.item_id).unwrap()].city == *city)
        .map(|x| Interaction::new(&x.user_id, &x.item_id, "hide", t - 60))
        .collect();
    shifted.record(&batch).unwrap();
    let r = shifted.drift_report_at(t);
    assert!(r.psi("interaction_kind").unwrap() >= 0.25);
    assert!(r.psi("city").unwrap() >= 0.25);
    // Outside the window nothing is current.
    assert_eq!(shifted.drift_report_at(t + 3 * 86_400).psi("city"), None);
    assert!(shifted
        .metrics_text()
        .contains("craic_drift_psi{feature=\"city\"}"));
}

#[test]
fn drift_alert_fires_with_since_and_clears() {
    let data = tiny();
    let t = now();
    let svc = service(&data, ServiceOptions::default());
    svc.set_alert_rules(vec![AlertRule::Drift {
        feature: "interaction_kind".into(),
        threshold: 0.25,
    }])
    .unwrap();
    assert!(svc
        .set_alert_rules(vec![AlertRule::Drift {
            feature: "x".into(),
            threshold: f64::NAN
        }])
        .is_err());
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    svc.on_alert(Box::new(move |a| {
        assert_eq!(a.what, "interaction_kind");
        c.fetch_add(1, Ordering::SeqCst);
    }));
    assert!(svc.check_alerts(t).is_empty());
    let hides: Vec<Interaction> = data
        .interactions
        .iter()
        .take(300)
        .map(|x| Interaction::new(&x.user_id, &x.item_id, "hide", t - 10))
        .collect();
    svc.record(&hides).unwrap();
    let a = svc.check_alerts(t);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].since, t);
    let a = svc.check_alerts(t + 60);
    assert_eq!((a.len(), a[0].since), (1, t));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "called once, when it started firing"
    );
    assert!(svc.metrics_text().contains("craic_alerts_firing 1\n"));
    // A day later, traffic like the training data again: it clears.
    let later = t + 2 * 86_400;
    svc.record(&restamped(&data, later - 10)).unwrap();
    assert!(svc.check_alerts(later).is_empty());
    assert!(svc.metrics_text().contains("craic_alerts_firing 0\n"));
}

#[test]
fn experiments_expose_convert_and_report() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let exp = Experiment::builder("feed")
        .variant("control", 0.5, Strategy::Popularity)
        .variant("hybrid", 0.5, Strategy::Hybrid)
        .build()
        .unwrap();
    svc.register_experiment(exp.clone()).unwrap();
    let (u, at) = active_user(&svc, &data);
    let req = Request::new(5).now(at).strategy(Strategy::Content);
    let r = svc.recommend_in_experiment("feed", &u, &req).unwrap();
    let a = r.assignment.unwrap();
    assert_eq!(a, exp.assign(&u).unwrap());
    assert!(r.new_exposure);
    let direct = svc
        .recommend(&u, &Request::new(5).now(at).strategy(a.strategy))
        .unwrap();
    assert_eq!(r.recommendations, direct);
    assert!(
        !svc.recommend_in_experiment("feed", &u, &req)
            .unwrap()
            .new_exposure
    );
    let variant = r.variant.unwrap();
    // A save through the service converts; the same interaction again does not count twice.
    let save = Interaction::new(&u, &r.recommendations[0].item_id, "save", now());
    svc.record(std::slice::from_ref(&save)).unwrap();
    svc.record(&[Interaction::new(&u, &data.items[2].id, "hide", now())])
        .unwrap();
    let report = svc
        .experiment_report("feed", &StatsConfig::default())
        .unwrap();
    assert_eq!(report.total_exposed_users, 1);
    let v = report
        .variants
        .iter()
        .find(|v| v.variant == variant)
        .unwrap();
    assert_eq!(
        (v.exposed_users, v.converting_users, v.conversions),
        (1, 1, 1)
    );
    let text = svc.metrics_text();
    let series = format!("{{experiment=\"feed\",variant=\"{variant}\"}} 1\n");
    assert!(text.contains(&format!("craic_experiment_exposures_total{series}")));
    assert!(text.contains(&format!("craic_experiment_conversions_total{series}")));
    // Unknown experiment: typed error; empty user id: not in the experiment.
    let err = svc.recommend_in_experiment("nope", &u, &req).unwrap_err();
    assert_eq!(
        err.kind(),
        ServiceErrorKind::Core(ErrorKind::UnknownExperiment)
    );
    // An empty user id is in no experiment, and no valid user to recommend for: the typed
    // error of `recommend`, and no exposure counted.
    let err = svc
        .recommend_in_experiment("feed", "", &Request::new(3).now(at))
        .unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Core(ErrorKind::InvalidId));
    let report = svc
        .experiment_report("feed", &StatsConfig::default())
        .unwrap();
    assert_eq!(report.total_exposed_users, 1);
}
