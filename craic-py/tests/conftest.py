"""Shared pytest fixtures: the repository's testdata/fixture.json loaded into engines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import craic

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "fixture.json"


@pytest.fixture(scope="session")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text())
    return loaded


def items_of(data: dict[str, Any]) -> list[craic.Item]:
    return [craic.Item(**i) for i in data["items"]]


def prefs_of(data: dict[str, Any]) -> dict[str, craic.Preferences]:
    return {u: craic.Preferences(**p) for u, p in data["preferences"].items()}


@pytest.fixture()
def engine(data: dict[str, Any]) -> craic.Engine:
    """The fixture built in one go (interactions given as dicts)."""
    return craic.Engine.build(items_of(data), data["interactions"], preferences=prefs_of(data))


@pytest.fixture()
def now(data: dict[str, Any]) -> int:
    return int(data["now"])
