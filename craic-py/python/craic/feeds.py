"""Event catalogue from ticketing feeds: Ticketmaster Discovery v2 and Eventbrite v3 pages.

Each importer takes a page as ``bytes`` or a file path and returns an :class:`ImportReport`::

    from craic import feeds

    report = feeds.import_ticketmaster(Path("tm-page-0.json"))
    engine.upsert_items(report.items())
    engine.remove_items(report.removed_ids())       # cancelled / postponed
    for p in report.rejected:                       # the rest of the page was imported
        print(p.id, p.path, p.kind)                 # e.g. $._embedded.events[9].dates.start missing

``genres={"Sea Shanties": ["folk", "trad"]}`` adds or overrides genre mappings (see
:func:`default_genre_map`); ``zones={"Asia/Kathmandu": 20700}`` adds fixed-offset time zones for
local times without an instant.

:func:`deduplicate` merges the same gig listed on both feeds into one canonical item and returns an
:class:`AliasTable` (source id → canonical id) to rewrite interactions with before
``Engine.record``; ``AliasTable.split`` undoes a wrong match, and :func:`explain` says why two
listings match or not. A page that is not JSON, or not a page of that feed, raises
:class:`craic.InvalidInputError` with kind ``invalid_feed``. Policies: ``docs/feeds.md``.
Everything is implemented in the Rust core; this module only re-exports it.
"""

from ._craic import (
    AliasSplit,
    AliasTable,
    Dedup,
    FeedEvent,
    ImportReport,
    MatchedGroup,
    MatchExplanation,
    Problem,
    Removal,
    deduplicate,
    default_genre_map,
    explain,
    import_eventbrite,
    import_ticketmaster,
)

__all__ = [
    "AliasSplit",
    "AliasTable",
    "Dedup",
    "FeedEvent",
    "ImportReport",
    "MatchedGroup",
    "MatchExplanation",
    "Problem",
    "Removal",
    "deduplicate",
    "default_genre_map",
    "explain",
    "import_eventbrite",
    "import_ticketmaster",
]
