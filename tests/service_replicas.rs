//! Replicas sharing one store, on every backend (SQLite file, MariaDB, DynamoDB Local): one
//! ingests, the other tails; a re-sent interaction is applied once wherever it arrives.

mod store_common;

use craic::service::{Service, TrainingData};
use craic::{Interaction, Request, Strategy};
use craic_store::Cursor;
use store_common::{fixed, lenient, lists, seed, tiny, Backend};

/// Two services on one store: one ingests, the other tails; both serve the same lists, and a
/// model published by one is hot-swapped into the other.
fn two_replicas(backend: Backend) {
    let data = tiny();
    let at = data.config.end();
    seed(&backend.store(), &data, 1_000);
    let a = backend.service(lenient(0.5));
    let b = backend.service(lenient(0.5));
    assert_eq!(a.model_info().version, b.model_info().version);
    for chunk in data.interactions[1_000..].chunks(250) {
        a.record(chunk).unwrap();
    }
    let caught = b.catch_up().unwrap();
    assert_eq!(caught.applied as usize, data.interactions.len() - 1_000);
    assert_eq!(caught.cursor, a.store().unwrap().log_head().unwrap());
    assert_eq!(b.catch_up().unwrap().applied, 0);
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));

    // A retrain on `a` publishes a new version; `b` picks it up.
    let outcome = a.retrain_blocking(None).unwrap();
    assert!(outcome.accepted(), "{outcome:?}");
    let new = outcome.new_version.unwrap();
    assert_eq!(b.sync_model().unwrap().as_deref(), Some(new.as_str()));
    assert_eq!(b.model_info().version, new);
    assert_eq!(b.sync_model().unwrap(), None);
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));

    // Writes on both sides after the swap, then both catch up.
    let extra: Vec<Interaction> = data.interactions[..40]
        .iter()
        .map(|x| Interaction::new(&x.user_id, &x.item_id, &x.kind, x.timestamp + 1))
        .collect();
    a.record(&extra[..20]).unwrap();
    b.record(&extra[20..]).unwrap();
    assert_eq!(a.catch_up().unwrap().applied, 20);
    assert_eq!(b.catch_up().unwrap().applied, 20);
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));
}

#[test]
fn two_replicas_share_a_sqlite_store() {
    two_replicas(Backend::sqlite());
}

#[test]
fn two_replicas_share_a_mariadb_store() {
    two_replicas(Backend::mariadb());
}

#[test]
fn two_replicas_share_a_dynamodb_store() {
    two_replicas(Backend::dynamodb());
}

/// Recording the same interactions twice (on the service that appended them, and on a replica
/// that has not tailed them yet) leaves every model as recording them once.
fn resent_interactions_are_applied_once(backend: Backend) {
    let data = tiny();
    let at = data.config.end();
    seed(&backend.store(), &data, 1_000);
    let a = backend.service(lenient(0.5));
    let b = backend.service(lenient(0.5));
    let batch = &data.interactions[1_000..1_100];
    assert_eq!(a.record(batch).unwrap().interactions, 100);
    assert_eq!(a.record(batch).unwrap(), craic::Applied::default());
    // Half stored already, half new.
    let half = a.record(&data.interactions[1_050..1_150]).unwrap();
    assert_eq!(half.interactions, 50);
    // `b` has not tailed `a`'s rows: re-sent to `b`, they are not applied there either...
    assert_eq!(
        b.record(&data.interactions[1_100..1_150]).unwrap(),
        craic::Applied::default()
    );
    // ...but by its catch-up, once.
    assert_eq!(b.catch_up().unwrap().applied, 150);
    assert_eq!(a.catch_up().unwrap().applied, 0);

    let once = TrainingData {
        items: data.items.clone(),
        preferences: data.preferences.clone(),
        interactions: data.interactions[..1_150].to_vec(),
        removed: Vec::new(),
    };
    let reference = Service::build(fixed(), once, lenient(0.5)).unwrap();
    for svc in [&a, &b] {
        assert_eq!(svc.engine().stats(), reference.engine().stats());
        assert_eq!(lists(svc, &data, at), lists(&reference, &data, at));
    }
    let log = a.store().unwrap().read_log(Cursor::START, 10_000).unwrap();
    assert_eq!(log.records.len(), 1_150, "each interaction stored once");
}

#[test]
fn resent_interactions_are_applied_once_on_sqlite() {
    resent_interactions_are_applied_once(Backend::sqlite());
}

#[test]
fn resent_interactions_are_applied_once_on_mariadb() {
    resent_interactions_are_applied_once(Backend::mariadb());
}

#[test]
fn resent_interactions_are_applied_once_on_dynamodb() {
    resent_interactions_are_applied_once(Backend::dynamodb());
}

/// Catalogue edits and preference changes made through one service reach the other by its
/// catch-up (and a service restored from a version published before them), so every user's
/// lists are identical.
fn catalogue_and_preferences_are_tailed(backend: Backend) {
    let data = tiny();
    let at = data.config.end();
    seed(&backend.store(), &data, data.interactions.len());
    let a = backend.service(lenient(0.5));
    let b = backend.service(lenient(0.5));
    // New events (copies of popular ones under new ids), and edited ones.
    let mut new_items: Vec<craic::Item> = data.items[..5]
        .iter()
        .map(|i| {
            let mut copy = i.clone();
            copy.id = format!("{}-encore", i.id);
            copy
        })
        .collect();
    let mut moved = data.items[5].clone();
    moved.city = data.items[6].city.clone();
    moved.genres = data.items[6].genres.clone();
    new_items.push(moved.clone());
    a.upsert_items(new_items.clone()).unwrap();
    // Preferences set for users without any, changed and cleared for users with some.
    let with_prefs: Vec<&(String, craic::Preferences)> = data.preferences.iter().take(3).collect();
    a.set_preferences(&with_prefs[0].0, craic::Preferences::default())
        .unwrap();
    a.set_preferences(&with_prefs[1].0, with_prefs[2].1.clone())
        .unwrap();
    let newcomer = &data.interactions.last().unwrap().user_id;
    a.set_preferences(newcomer, with_prefs[1].1.clone())
        .unwrap();
    // Interactions on the new events.
    let on_new: Vec<Interaction> = data.interactions[..30]
        .iter()
        .zip(new_items.iter().cycle())
        .map(|(x, item)| Interaction::new(&x.user_id, &item.id, "save", x.timestamp + 5))
        .collect();
    a.record(&on_new).unwrap();

    let caught = b.catch_up().unwrap();
    assert_eq!(caught.changes, new_items.len() as u64 + 3);
    assert_eq!(caught.applied, on_new.len() as u64);
    assert_eq!(
        caught.changes_cursor,
        backend.store().changes_head().unwrap()
    );
    assert_eq!(b.engine().item(&moved.id), Some(moved.clone()));
    assert_eq!(b.engine().preferences(&with_prefs[0].0), None);
    assert_eq!(
        b.engine().preferences(newcomer),
        Some(with_prefs[1].1.clone())
    );
    assert_eq!(b.catch_up().unwrap().changes, 0);
    // `a` applies its own changes again, harmlessly.
    assert_eq!(a.catch_up().unwrap().applied, 0);
    let want = lists(&a, &data, at);
    assert_eq!(lists(&b, &data, at), want);
    // Restored from the version published at open (before the changes), then tailed.
    let c = backend.service(lenient(0.5));
    assert_eq!(c.model_info().version, a.model_info().version);
    assert_eq!(lists(&c, &data, at), want);
}

#[test]
fn catalogue_and_preferences_are_tailed_on_sqlite() {
    catalogue_and_preferences_are_tailed(Backend::sqlite());
}

#[test]
fn catalogue_and_preferences_are_tailed_on_mariadb() {
    catalogue_and_preferences_are_tailed(Backend::mariadb());
}

#[test]
fn catalogue_and_preferences_are_tailed_on_dynamodb() {
    catalogue_and_preferences_are_tailed(Backend::dynamodb());
}

/// A platform opens its service on an empty store (the first, empty model is published), then
/// adds its catalogue through the service and through another writer, records interactions on
/// a few events and retrains. Events nobody has touched must be there after a restart, and
/// recommendable.
fn events_added_after_the_first_publish_survive_a_restart(backend: Backend) {
    let data = tiny();
    let at = data.config.end();
    let svc = backend.service(lenient(0.5));
    assert_eq!(svc.engine().stats().items, 0);
    let (through_service, by_another_writer) = data.items.split_at(data.items.len() / 2);
    svc.upsert_items(through_service.to_vec()).unwrap();
    backend.store().upsert_items(by_another_writer).unwrap();
    svc.catch_up().unwrap();
    let (user, prefs) = data.preferences[0].clone();
    svc.set_preferences(&user, prefs).unwrap();
    let few: Vec<Interaction> = data
        .interactions
        .iter()
        .filter(|x| data.items[..10].iter().any(|i| i.id == x.item_id))
        .cloned()
        .collect();
    svc.record(&few).unwrap();
    svc.retrain_blocking(None).unwrap();
    assert_eq!(svc.engine().stats().items, data.items.len());
    let want = lists(&svc, &data, at);
    drop(svc);

    let again = backend.service(lenient(0.5));
    assert_eq!(again.engine().stats().items, data.items.len());
    assert!(again.engine().preferences(&user).is_some());
    let request = Request::new(5).now(at).strategy(Strategy::Content);
    assert_eq!(again.recommend(&user, &request).unwrap().len(), 5);
    assert_eq!(lists(&again, &data, at), want);
}

#[test]
fn events_added_after_the_first_publish_survive_a_restart_on_sqlite() {
    events_added_after_the_first_publish_survive_a_restart(Backend::sqlite());
}

#[test]
fn events_added_after_the_first_publish_survive_a_restart_on_mariadb() {
    events_added_after_the_first_publish_survive_a_restart(Backend::mariadb());
}

#[test]
fn events_added_after_the_first_publish_survive_a_restart_on_dynamodb() {
    events_added_after_the_first_publish_survive_a_restart(Backend::dynamodb());
}

/// Events removed through one service: not recommended there, nor by a replica after its
/// catch-up, nor after a retrain or a restart; their interactions still count; unknown ids are
/// a typed error that changes nothing; upserting one again makes it live everywhere.
fn removed_events_stay_removed(backend: Backend) {
    let data = tiny();
    let at = data.config.end();
    seed(&backend.store(), &data, data.interactions.len());
    let a = backend.service(lenient(0.5));
    let b = backend.service(lenient(0.5));
    let user = &data.interactions[0].user_id;
    let request = Request::new(10).now(at).strategy(Strategy::Popularity);
    let top: Vec<String> = a
        .recommend(user, &request)
        .unwrap()
        .into_iter()
        .map(|r| r.item_id)
        .collect();
    let gone: Vec<&str> = top[..3].iter().map(String::as_str).collect();
    let err = a.remove_items(&[gone[0], "no-such-event"]).unwrap_err();
    assert_eq!(
        err.kind(),
        craic::service::ServiceErrorKind::Core(craic::ErrorKind::UnknownItem)
    );
    assert!(a.engine().removed_items().is_empty());
    assert!(backend.store().removed_items().unwrap().is_empty());

    assert_eq!(a.remove_items(&gone).unwrap(), 3);
    let interactions = a.engine().stats().interactions;
    let shown = |svc: &Service| -> Vec<String> {
        svc.recommend(user, &request)
            .unwrap()
            .into_iter()
            .map(|r| r.item_id)
            .collect()
    };
    let check = |svc: &Service| {
        let list = shown(svc);
        assert_eq!(list.len(), 10);
        assert!(
            list.iter().all(|id| !gone.contains(&id.as_str())),
            "{list:?}"
        );
        let mut removed = svc.engine().removed_items();
        removed.sort();
        let mut want: Vec<String> = gone.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(removed, want);
    };
    check(&a);
    assert_eq!(b.catch_up().unwrap().changes, 3);
    check(&b);
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));
    let outcome = a.retrain_blocking(None).unwrap();
    assert!(outcome.accepted(), "{outcome:?}");
    assert_eq!(a.engine().stats().interactions, interactions);
    check(&a);
    drop(a);
    let c = backend.service(lenient(0.5));
    check(&c);
    c.upsert_items(vec![data
        .items
        .iter()
        .find(|i| i.id == gone[0])
        .unwrap()
        .clone()])
        .unwrap();
    assert!(shown(&c).contains(&gone[0].to_owned()));
    b.catch_up().unwrap();
    assert!(shown(&b).contains(&gone[0].to_owned()));
}

#[test]
fn removed_events_stay_removed_on_sqlite() {
    removed_events_stay_removed(Backend::sqlite());
}

#[test]
fn removed_events_stay_removed_on_mariadb() {
    removed_events_stay_removed(Backend::mariadb());
}

#[test]
fn removed_events_stay_removed_on_dynamodb() {
    removed_events_stay_removed(Backend::dynamodb());
}
