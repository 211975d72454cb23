"""Domain-aware equality checks shared by the tests (and useful to users' own tests)."""

from __future__ import annotations

import pandas as pd

from rackforge.scenario import Scenario


def assert_scenario_equal(left: Scenario, right: Scenario) -> None:
    """Raise ``AssertionError`` naming the first table or setting that differs."""
    assert left.config == right.config, f"settings differ:\n{left.config}\n{right.config}"
    assert left.roadmap == right.roadmap, "roadmaps differ"
    assert set(left.tables) == set(right.tables), "the sets of tables differ"
    for name in left.tables:
        try:
            pd.testing.assert_frame_equal(
                left.tables[name].reset_index(drop=True),
                right.tables[name].reset_index(drop=True),
                check_dtype=True,
            )
        except AssertionError as exc:
            raise AssertionError(f"table {name!r} differs: {exc}") from None
