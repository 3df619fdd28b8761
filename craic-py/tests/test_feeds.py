"""The feed importers from Python: the fixture pages of testdata/feeds/ into items, removals,
rejections with JSON paths, genre and zone options, and bad pages."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import craic
from craic import feeds

FEEDS = Path(__file__).resolve().parents[2] / "testdata" / "feeds"
TM = FEEDS / "ticketmaster-events.json"
EB = FEEDS / "eventbrite-events.json"


def test_ticketmaster_page_from_a_path() -> None:
    report = feeds.import_ticketmaster(TM)
    assert report.seen == 15
    assert len(report.events) == 8
    lankum = report.events[0]
    assert lankum.name == "Lankum"
    assert lankum.status == "scheduled"
    assert lankum.item == craic.Item(
        "tm:G5vYZ9nqXrO0A",
        1_796_500_800,
        city="Dublin",
        venue="Vicar Street",
        genres=["folk", "trad"],
        artists=["Lankum"],
    )
    dara = report.events[2].item
    assert (dara.starts_at, dara.tags) == (1_799_971_200, ["time-tba"])
    assert dara.artists == ["Dara Ó Briain"]
    assert report.removed_ids() == ["tm:G5vYZ9Cancel", "tm:G5vYZ9Postpo"]
    assert [r.status for r in report.removed] == ["cancelled", "postponed"]
    assert report.rescheduled_ids() == ["tm:G5vYZ9Villag"]
    assert [(p.id, p.path, p.kind) for p in report.rejected] == [
        ("tm:G5vYZ9TBA000", "$._embedded.events[8].dates.start", "date_to_be_announced"),
        ("tm:G5vYZ9NoStrt", "$._embedded.events[9].dates.start", "missing"),
        ("tm:G5vYZ9Broken", "$._embedded.events[10].dates.start.dateTime", "bad_datetime"),
        ("tm:G5vYZ9Ktm000", "$._embedded.events[11].dates.timezone", "unknown_timezone"),
        (None, "$._embedded.events[14].id", "missing"),
    ]
    assert report.rejected[3].message == (
        '$._embedded.events[11].dates.timezone: unknown time zone "Asia/Kathmandu"'
    )
    assert [(w.path, w.kind) for w in report.warnings] == [
        ("$._embedded.events[12].dates.end", "end_before_start")
    ]
    assert report.unmapped_genres == {"Sea Shanties": 1}


def test_eventbrite_page_from_bytes_and_str_path() -> None:
    from_bytes = feeds.import_eventbrite(EB.read_bytes())
    from_str = feeds.import_eventbrite(str(EB))
    assert [e.item for e in from_bytes.events] == [e.item for e in from_str.events]
    assert from_bytes.seen == 12
    queens = from_bytes.events[2]
    assert queens.name == "Céilí in Queens"
    # No utc field: 20:00 in New York on the day daylight time starts is 00:00 UTC next day.
    assert queens.item.starts_at == 1_773_014_400
    assert from_bytes.removed_ids() == ["eb:801234567894"]
    assert [(p.path, p.kind) for p in from_bytes.rejected] == [
        ("$.events[6].start", "missing"),
        ("$.events[7].start.timezone", "unknown_timezone"),
        ("$.events[11].start.utc", "wrong_type"),
    ]


def test_genre_and_zone_options() -> None:
    assert feeds.default_genre_map()["hip hop rap"] == ["hiphop"]
    report = feeds.import_ticketmaster(
        TM, genres={"Sea Shanties": ["folk", "trad"]}, zones={"Asia/Kathmandu": 5 * 3600 + 45 * 60}
    )
    by_id = {e.item.id: e.item for e in report.events}
    assert by_id["tm:G5vYZ9Shanty"].genres == ["folk", "trad"]
    assert by_id["tm:G5vYZ9Ktm000"].starts_at == 1_793_362_500
    assert report.unmapped_genres == {}


def test_reports_feed_an_engine() -> None:
    tm = feeds.import_ticketmaster(TM)
    eb = feeds.import_eventbrite(EB)
    engine = craic.Engine()
    engine.upsert_items(tm.items() + eb.items())
    assert engine.stats().items == 16
    cancelled = b"""{"_embedded":{"events":[{"id":"G5vYZ9nqXrO0A",
        "dates":{"start":{"dateTime":"2026-12-05T20:00:00Z"},"status":{"code":"cancelled"}}}]}}"""
    assert engine.remove_items(feeds.import_ticketmaster(cancelled).removed_ids()) == 1


def test_bad_pages_raise_invalid_input() -> None:
    with pytest.raises(craic.InvalidInputError) as err:
        feeds.import_eventbrite(b'{"events": [{"id": "1"')
    assert err.value.kind == "invalid_feed"
    assert "not valid JSON" in str(err.value)
    with pytest.raises(ValueError, match=r"\$\.events: expected an array"):
        feeds.import_eventbrite(b'{"events": 3}')
    with pytest.raises(craic.StorageError) as missing:
        feeds.import_ticketmaster(FEEDS / "no-such-page.json")
    assert missing.value.kind == "io" and missing.value.errno == errno.ENOENT
    with pytest.raises(TypeError):
        feeds.import_ticketmaster(42)  # type: ignore[arg-type]


TM_LANKUM = "tm:G5vYZ9nqXrO0A"
EB_LANKUM = "eb:801234567891"


def listings() -> list[feeds.FeedEvent]:
    return feeds.import_ticketmaster(TM).events + feeds.import_eventbrite(EB).events


def test_deduplicate_merges_and_explains() -> None:
    all_listings = listings()
    dedup = feeds.deduplicate(all_listings)
    assert len(dedup.items) == 14
    assert [(g.canonical, g.members) for g in dedup.groups] == [
        ("tm:G5vYZ9FDC3Ar", ["tm:G5vYZ9FDC3Ar", "eb:801234567892"]),
        (TM_LANKUM, [TM_LANKUM, EB_LANKUM]),
    ]
    why = dedup.groups[1].explanations[0]
    assert (why.a, why.b, why.venue, why.same_city) == (EB_LANKUM, TM_LANKUM, 1.0, True)
    assert (why.start_delta_secs, why.name, why.artists, why.failed) == (3600, 1.0, 1.0, [])
    assert why.is_match
    by_id = {e.item.id: e for e in all_listings}
    near = feeds.explain(by_id["tm:G5vYZ9Shanty"], by_id["eb:801234567896"])
    assert near.failed == ["name"] and not near.is_match
    loose = feeds.explain(
        by_id["tm:G5vYZ9Shanty"], by_id["eb:801234567896"], min_name=0.4, min_score=0.6
    )
    assert loose.is_match
    assert len(feeds.deduplicate(all_listings, min_name=0.4, min_score=0.6).items) == 13


def test_aliases_and_split_keep_every_interaction() -> None:
    all_listings = listings()
    dedup = feeds.deduplicate(all_listings)
    log = [
        craic.Interaction("ana", EB_LANKUM, "save", 1_790_000_000),
        craic.Interaction("ben", TM_LANKUM, "save", 1_790_000_100),
    ]
    assert [i.item_id for i in dedup.aliases.rewrite_all(log)] == [TM_LANKUM, TM_LANKUM]
    aliases = feeds.AliasTable.from_json(dedup.aliases.to_json())
    assert aliases.groups() == dedup.aliases.groups()
    assert len(aliases) == 2
    split = aliases.split(EB_LANKUM)
    assert split is not None
    assert (split.detached, split.canonical, split.remaining) == (EB_LANKUM, None, [TM_LANKUM])
    assert aliases.kept_apart(TM_LANKUM, EB_LANKUM)
    assert aliases.split("nope") is None
    again = feeds.deduplicate(all_listings, known=aliases)
    assert len(again.items) == 15
    engine = craic.Engine.build(again.items, again.aliases.rewrite_all(log))
    assert engine.stats().interactions == 2
    assert [i.item_id for i in again.aliases.rewrite_all(log)] == [EB_LANKUM, TM_LANKUM]
    with pytest.raises(ValueError):
        feeds.AliasTable.from_json("not json")
