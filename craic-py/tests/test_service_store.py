"""A Service run on a store from Python: two replicas on one SQLite file — one ingests, the
other catches up by cursor and picks up the model the first one publishes; a restart restores
the current version."""

from __future__ import annotations

from pathlib import Path

import pytest

import craic
from craic import synthetic

DAY = 86_400


def test_two_replicas_share_one_store(tmp_path: Path) -> None:
    data = synthetic.generate("tiny")
    url = f"sqlite://{tmp_path / 'craic.db'}"
    store = craic.Store(url)
    store.upsert_items(data.items)
    store.set_preferences(data.preferences)
    store.append(data.interactions)

    writer = craic.Service.open(url)
    reader = craic.Service.open(url)
    assert writer.store_cursor() == reader.store_cursor()
    assert (writer.store_cursor() or 0) >= store.log_head()
    now = int(data.config["start"]) + int(data.config["days"]) * DAY
    users = sorted({i.user_id for i in data.interactions})[:30]
    fresh = [(u, data.items[n % len(data.items)].id, "save", now - 60) for n, u in enumerate(users)]
    assert writer.record(fresh).interactions == len(fresh)
    assert writer.record(fresh).interactions == 0  # re-sent: applied once
    # A catalogue edit and a preference change on the writer reach the reader too.
    moved = craic.Item(data.items[0].id, data.items[0].starts_at, city=data.items[1].city)
    writer.upsert_items([moved])
    writer.set_preferences(users[0], craic.Preferences(genres=[data.items[1].genres[0]]))
    caught = reader.catch_up()
    assert (caught.applied, caught.changes, caught.deferred) == (len(fresh), 2, False)
    assert caught.cursor == store.log_head()
    assert caught.changes_cursor > 0
    assert caught.skipped == []
    assert reader.catch_up().changes == 0
    for u in users:
        assert reader.recommend(u, k=5, now=now) == writer.recommend(u, k=5, now=now), u

    outcome = writer.retrain()
    assert outcome.accepted, outcome.rejection
    assert reader.sync_model() == outcome.new_version
    assert reader.model_info().version == writer.model_info().version
    assert store.current_model() is not None
    assert store.current_model().version == outcome.new_version  # type: ignore[union-attr]

    restarted = craic.Service.open(url)
    assert restarted.model_info().version == outcome.new_version
    assert restarted.recommend(users[0], k=5, now=now) == writer.recommend(users[0], k=5, now=now)


def test_a_service_without_a_store_and_a_store_that_is_down() -> None:
    plain = craic.Service()
    assert plain.store_cursor() is None
    try:
        plain.catch_up()
    except craic.InvalidInputError as e:
        assert e.kind == "invalid_input"
    else:
        raise AssertionError("catch_up on a service without a store must raise")
    try:
        craic.Service.open("mysql://root:pw@127.0.0.1:1/craic")
    except craic.StorageError as e:
        assert e.kind == "unavailable"
    else:
        raise AssertionError("a store that is down must raise StorageError")


def test_removed_events_reach_replicas_and_survive_a_restart(tmp_path: Path) -> None:
    # The same scenario as craic-node/test/service-store.test.js and tests/service_replicas.rs.
    data = synthetic.generate("tiny")
    url = f"sqlite://{tmp_path / 'craic.db'}"
    store = craic.Store(url)
    store.upsert_items(data.items)
    store.append(data.interactions)
    writer = craic.Service.open(url)
    reader = craic.Service.open(url)
    now = int(data.config["start"]) + int(data.config["days"]) * DAY
    user = data.interactions[0].user_id

    def shown(svc: craic.Service) -> list[str]:
        return [r.item_id for r in svc.recommend(user, k=10, now=now, strategy="popularity")]

    gone = shown(writer)[:3]
    with pytest.raises(craic.NotFoundError) as e:
        writer.remove_items([gone[0], "no-such-event"])
    assert (e.value.kind, e.value.row) == ("unknown_item", 1)
    assert store.removed_items() == []
    assert writer.remove_items(gone) == 3
    assert store.removed_items() == sorted(gone)
    assert len(store.items()) == len(data.items)  # removed events stay in the catalogue
    reader.catch_up()
    restarted = craic.Service.open(url)
    for svc in (writer, reader, restarted):
        assert len(shown(svc)) == 10
        assert not set(shown(svc)) & set(gone)
        assert svc.stats().live_items == len(data.items) - 3
    assert store.remove_items([gone[0]]) == 0  # already removed
    with pytest.raises(craic.NotFoundError):
        store.remove_items(["no-such-event"])
