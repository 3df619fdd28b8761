"""Value classes: construction, keyword-only options, equality, repr."""

from __future__ import annotations

import math
from typing import Any

import pytest

import craic


def test_config_defaults_and_kinds() -> None:
    c = craic.Config()
    assert c == craic.Config()
    assert c.kinds == {"save": 1.0, "click": 0.25, "hide": 0.25, "unsave": 0.0}
    assert c.half_life_secs == 30 * 86400
    assert (c.neighbours, c.min_overlap, c.max_k, c.exclude_saved) == (50, 2, 1000, True)
    assert (c.shrinkage, c.hybrid_k0, c.hybrid_content_share, c.preference_weight) == (
        10.0,
        15.0,
        0.85,
        1.0,
    )
    assert c.max_item_users == 500
    assert (c.neighbour_buffer, c.popularity_prior, c.artist_prior) == (25, 0.5, 1.0)
    assert c.content_weights == {"genre": 1.0, "artist": 0.5, "venue": 0.2, "city": 1.0, "tag": 0.5}
    tuned = craic.Config(content_weights={"venue": 0.0}, popularity_prior=0.0, artist_prior=2.5)
    assert tuned.content_weights["venue"] == 0.0 and tuned.popularity_prior == 0.0
    assert tuned.artist_prior == 2.5 and "artist_prior=2.5" in repr(tuned)
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Config(artist_prior=float("nan"))
    assert e.value.kind == "invalid_weight"
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Config(content_weights={"colour": 1.0})
    assert e.value.kind == "invalid_config"
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Config(content_weights={"genre": -1.0})
    assert e.value.kind == "invalid_weight"
    custom = craic.Config(
        kinds={"purchase": 3.0, "click": 0.5},
        half_life_secs=None,
        neighbours=10,
        shrinkage=2.0,
        min_overlap=2,
        max_item_users=100,
        exclude_saved=False,
        hybrid_k0=1.0,
        hybrid_content_share=0.25,
        preference_weight=2.0,
        max_k=20,
    )
    assert custom.kinds["purchase"] == 3.0 and custom.kinds["click"] == 0.5
    assert custom.half_life_secs is None
    assert (custom.neighbours, custom.min_overlap, custom.max_item_users) == (10, 2, 100)
    assert (custom.shrinkage, custom.hybrid_k0, custom.preference_weight) == (2.0, 1.0, 2.0)
    assert (custom.hybrid_content_share, custom.exclude_saved, custom.max_k) == (0.25, False, 20)
    assert custom != c
    assert repr(custom).startswith("Config(kinds={")
    with pytest.raises(TypeError):
        untyped: Any = craic.Config
        untyped(50)  # keyword-only


@pytest.mark.parametrize("weight", [math.nan, math.inf, -1.0])
def test_config_rejects_bad_weights(weight: float) -> None:
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Config(kinds={"purchase": weight})
    assert e.value.kind == "invalid_weight"
    assert isinstance(e.value, ValueError)
    with pytest.raises(ValueError, match="invalid weight"):
        craic.Config(kinds={"click": weight})


def test_config_rejects_bad_values() -> None:
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Config(neighbours=0)
    assert e.value.kind == "invalid_config"
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Config(half_life_secs=0.0)
    assert e.value.kind == "invalid_weight"
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Config(kinds={"": 1.0})
    assert e.value.kind == "invalid_id"
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Config(neighbours=-1)
    assert e.value.kind == "out_of_range"


def test_item() -> None:
    a = craic.Item("gig", 1_900_000_000, city="dublin", genres=["folk"], tags=("free",))
    assert (a.id, a.starts_at, a.city, a.venue, a.genres, a.artists, a.ends_at, a.tags) == (
        "gig",
        1_900_000_000,
        "dublin",
        "",
        ["folk"],
        [],
        None,
        ["free"],
    )
    assert a == craic.Item("gig", 1_900_000_000, city="dublin", genres=["folk"], tags=["free"])
    assert a != craic.Item("gig", 1_900_000_000)
    assert repr(a) == (
        'Item(id="gig", starts_at=1900000000, city="dublin", venue="", genres=["folk"], '
        'artists=[], ends_at=None, tags=["free"])'
    )
    with pytest.raises(TypeError):
        craic.Item("gig", 1, genres="folk")  # a str is not a list of genres
    with pytest.raises(TypeError):
        untyped_item: Any = craic.Item
        untyped_item("gig", 1, "dublin")  # city is keyword-only
    with pytest.raises(AttributeError):
        a.city = "cork"  # type: ignore[misc]


def test_preferences_and_interaction() -> None:
    p = craic.Preferences(genres=["folk"], cities=["dublin"])
    assert (p.genres, p.artists, p.cities) == (["folk"], [], ["dublin"])
    assert p == craic.Preferences(genres=("folk",), cities=("dublin",))
    assert repr(p) == 'Preferences(genres=["folk"], artists=[], cities=["dublin"])'
    i = craic.Interaction("ana", "gig", "save", 1_700_000_000)
    assert (i.user_id, i.item_id, i.kind, i.timestamp) == ("ana", "gig", "save", 1_700_000_000)
    assert i == craic.Interaction("ana", "gig", "save", 1_700_000_000)
    assert repr(i) == 'Interaction(user_id="ana", item_id="gig", kind="save", timestamp=1700000000)'


def test_strategy() -> None:
    assert craic.Strategy.HYBRID == craic.Strategy.HYBRID
    assert craic.Strategy.HYBRID != craic.Strategy.CONTENT
    assert [s.value for s in (craic.Strategy.POPULARITY, craic.Strategy.COLLABORATIVE)] == [
        "popularity",
        "collaborative",
    ]
    assert str(craic.Strategy.CONTENT) == "content"


def test_module_surface() -> None:
    assert craic.__version__ == "0.1.0"
    assert craic.Engine.__module__ == "craic._craic"
    for name in craic.__all__:
        obj = getattr(craic, name)
        if isinstance(obj, type):
            assert obj.__doc__, name
    for name in dir(craic.Engine):
        if not name.startswith("_"):
            assert getattr(craic.Engine, name).__doc__, name
