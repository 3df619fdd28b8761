//! `Service::similar_items`: served from the live model (no cache), errors counted.

use craic::service::{ServiceErrorKind, ServiceOptions};
use craic::{ErrorKind, Interaction, Request};

mod service_common;
use service_common::{active_user, counter, service, tiny};

#[test]
fn similar_items_read_the_live_model_and_count_errors() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (u, at) = active_user(&svc, &data);
    let a = svc.recommend(&u, &Request::new(2).now(at)).unwrap();
    let (x, y) = (&a[0].item_id, &a[1].item_id);
    let engine_view = svc.engine().similar_items(x, 5, Some(at), None).unwrap();
    assert_eq!(
        svc.similar_items(x, 5, Some(at), None).unwrap(),
        engine_view
    );
    // Recorded through the service, co-engagement moves at once (no cache in between).
    let rows: Vec<Interaction> = (0..40)
        .flat_map(|n| {
            let who = format!("fan{n}");
            [
                Interaction::new(&who, x, "save", at - 5),
                Interaction::new(&who, y, "save", at - 5),
            ]
        })
        .collect();
    svc.record(&rows).unwrap();
    let after = svc.similar_items(x, 5, Some(at), None).unwrap();
    assert_eq!(&after[0].item_id, y);
    let part = &after[0].explanation.as_ref().unwrap().contributions[0];
    assert_eq!(part.component.as_str(), "item_based");
    let series = r#"craic_errors_total{kind="unknown_item",operation="similar_items"}"#;
    let before = counter(&svc, series);
    let err = svc
        .similar_items("no-such-event", 5, Some(at), None)
        .unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Core(ErrorKind::UnknownItem));
    assert_eq!(counter(&svc, series), before + 1);
}
