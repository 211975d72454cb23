"""Fixtures: the tiny scenario widened to a year with two rack generations, and a roadmap."""

from __future__ import annotations

from typing import Any

import pytest
from roadmap_sample import two_rack_scenario, valid_roadmap

from rackforge import Scenario


@pytest.fixture(scope="session")
def two_racks() -> Scenario:
    """tiny, 52 weeks, with a second rack item ``rack-n`` built like ``rack-t``."""
    return two_rack_scenario()


@pytest.fixture
def roadmap_raw() -> dict[str, Any]:
    return valid_roadmap()
