"""Shared fixtures: bundled scenarios are loaded once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from rackforge import Scenario, load_scenario


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return load_scenario("tiny")


def pytest_configure(config: pytest.Config) -> None:
    """Under ``RACKFORGE_TEST_MUTANT`` (set by tests/mutation), run with that wrong rule."""
    name = os.environ.get("RACKFORGE_TEST_MUTANT")
    if name:
        sys.path.insert(0, str(Path(__file__).parent / "mutation"))
        from mutants import apply

        apply(name)
        print(f"mutant applied: {name}")
