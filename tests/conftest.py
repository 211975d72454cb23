"""Shared fixtures: bundled scenarios are loaded once per test session."""

from __future__ import annotations

import pytest

from rackforge import Scenario, load_scenario


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return load_scenario("tiny")
