//! The model registry, experiments and retrain history.

use craic_store::{
    ExperimentEvent, ExperimentRecord, ModelVersion, RetrainRun, Store, StoreErrorKind,
};

use crate::common::Fixture;

pub async fn model_registry(f: &impl Fixture) {
    let s = f.store();
    assert_eq!(s.current_model().await.unwrap(), None);
    // Every byte value, larger than one MySQL chunk.
    let bytes: Vec<u8> = (0..3_000_000u32)
        .map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let v1 = ModelVersion {
        version: "v1".into(),
        bytes: bytes.clone(),
        metrics_json: r#"{"ndcg@10": 0.31}"#.into(),
        trained_at: 1_700_000_000,
    };
    let v2 = ModelVersion {
        version: "v2".into(),
        bytes: vec![],
        metrics_json: "{}".into(),
        trained_at: 1_700_000_100,
    };
    s.publish_model(&v1, true).await.unwrap();
    s.publish_model(&v2, false).await.unwrap();
    assert_eq!(s.current_model().await.unwrap(), Some(v1.clone()));
    assert_eq!(s.model("v2").await.unwrap(), Some(v2.clone()));
    assert_eq!(s.model("v3").await.unwrap(), None);
    let err = s.publish_model(&v1, true).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Conflict);
    let err = s.set_current_model("v3").await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
    s.set_current_model("v2").await.unwrap();
    assert_eq!(s.current_model().await.unwrap(), Some(v2));
    let list = s.models().await.unwrap();
    let summary: Vec<(&str, u64, bool)> = list
        .iter()
        .map(|m| (m.version.as_str(), m.size, m.current))
        .collect();
    assert_eq!(
        summary,
        vec![("v1", bytes.len() as u64, false), ("v2", 0, true)]
    );
    assert_eq!(
        s.model("v1").await.unwrap().unwrap().bytes,
        bytes,
        "bytes exactly"
    );
}

/// Exposures and conversions of the `blend` experiment (ana in b, ben in a).
async fn experiment_events(s: &dyn Store) {
    let event = |key: &str, user: &str, variant: &str, value: f64| ExperimentEvent {
        experiment: "blend".into(),
        user: user.into(),
        variant: variant.into(),
        key: key.into(),
        at: 1_700_000_000,
        value,
    };
    assert!(s
        .record_exposure(&event("x1", "ana", "b", 1.0))
        .await
        .unwrap());
    assert!(!s
        .record_exposure(&event("x1", "ana", "b", 1.0))
        .await
        .unwrap());
    assert!(s
        .record_exposure(&event("x2", "ana", "b", 1.0))
        .await
        .unwrap());
    assert!(s
        .record_exposure(&event("x3", "ben", "a", 1.0))
        .await
        .unwrap());
    assert!(s
        .record_conversion(&event("c1", "ana", "b", 2.5))
        .await
        .unwrap());
    assert!(!s
        .record_conversion(&event("c1", "ana", "b", 2.5))
        .await
        .unwrap());
    // Exposure and conversion keys are separate namespaces.
    assert!(s
        .record_conversion(&event("x1", "ana", "b", 1.0))
        .await
        .unwrap());
    let counts = s.experiment_counts("blend").await.unwrap();
    let summary: Vec<_> = counts
        .iter()
        .map(|c| {
            (
                c.variant.as_str(),
                c.assignments,
                c.exposures,
                c.conversions,
                c.conversion_value,
            )
        })
        .collect();
    assert_eq!(summary, vec![("a", 1, 1, 0, 0.0), ("b", 1, 2, 2, 3.5)]);
    // Every event is listed once (what a restarted service replays).
    let listed = s.experiment_events("blend").await.unwrap();
    let mut exposures: Vec<_> = listed.exposures.iter().map(|e| e.key.as_str()).collect();
    exposures.sort_unstable();
    assert_eq!(exposures, ["x1", "x2", "x3"]);
    let mut conversions: Vec<_> = listed
        .conversions
        .iter()
        .map(|e| (e.key.as_str(), e.user.as_str(), e.variant.as_str(), e.value))
        .collect();
    conversions.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(
        conversions,
        [("c1", "ana", "b", 2.5), ("x1", "ana", "b", 1.0)]
    );
    assert_eq!(
        s.experiment_events("nope").await.unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
    let err = s.experiment_counts("nope").await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
}

pub async fn experiments(f: &impl Fixture) {
    let s = f.store();
    let e = ExperimentRecord {
        key: "blend".into(),
        definition: br#"{"variants":["a","b"]}"#.to_vec(),
        variants: vec!["a".into(), "b".into()],
    };
    assert_eq!(
        s.assign("blend", "u", "a").await.unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
    s.put_experiment(&e).await.unwrap();
    s.put_experiment(&e).await.unwrap();
    assert_eq!(s.experiments().await.unwrap(), vec![e]);
    let first = s.assign("blend", "ana", "b").await.unwrap();
    assert!(first.new);
    let again = s.assign("blend", "ana", "a").await.unwrap();
    assert_eq!(
        (again.variant.as_str(), again.new),
        ("b", false),
        "first assignment wins"
    );
    s.assign("blend", "ben", "a").await.unwrap();
    assert_eq!(
        s.assign("blend", "cy", "zz").await.unwrap_err().kind(),
        StoreErrorKind::NotFound
    );
    assert_eq!(s.assignment("blend", "nobody").await.unwrap(), None);
    experiment_events(s).await;
}

/// An experiment whose variants carry engine configurations (`Treatment::config`) comes back
/// from the store as the same experiment: configurations, weights, strategies and all.
pub async fn experiment_definitions_round_trip(f: &impl Fixture) {
    use craic_core::experiments::{Experiment, Treatment};
    use craic_core::{Config, Strategy};
    let s = f.store();
    let tuned = Config {
        neighbours: 7,
        half_life_secs: None,
        hybrid_k0: 2.5,
        ..Config::default()
    };
    let e = Experiment::builder("tuning")
        .variant("control", 0.4, Strategy::Hybrid)
        .variant(
            "tuned",
            0.6,
            Treatment::new(Strategy::Hybrid).config(tuned.clone()),
        )
        .coverage(0.9)
        .seed("s")
        .build()
        .unwrap();
    s.put_experiment(&ExperimentRecord::from_experiment(&e))
        .await
        .unwrap();
    let stored = s.experiments().await.unwrap();
    let record = stored.iter().find(|r| r.key == "tuning").unwrap();
    assert_eq!(record.variants, ["control", "tuned"]);
    let back = record.to_experiment().unwrap();
    assert_eq!(back, e);
    assert_eq!(back.variants()[1].config, Some(tuned));
    assert_eq!(back.variants()[0].config, None);
}

pub async fn retrain_history(f: &impl Fixture) {
    let s = f.store();
    let run = |n: i64| RetrainRun {
        id: 0,
        started_at: n,
        finished_at: n + 1,
        outcome: if n % 2 == 0 {
            "published".into()
        } else {
            "rejected".into()
        },
        version: (n % 2 == 0).then(|| format!("v{n}")),
        interactions: n as u64 * 10,
        detail_json: "{}".into(),
    };
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(s.record_retrain(&run(n)).await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let latest = s.retrain_runs(2).await.unwrap();
    assert_eq!(
        latest,
        vec![
            RetrainRun {
                id: ids[4],
                ..run(4)
            },
            RetrainRun {
                id: ids[3],
                ..run(3)
            }
        ]
    );
}
