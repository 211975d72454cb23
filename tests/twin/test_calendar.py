"""Shift calendars: open hours and finish times, by hand and as inverses of each other."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rackforge.twin import finish_time, open_hours
from rackforge.twin.calendar import open_between


@pytest.mark.parametrize(
    ("t", "w", "expected"),
    [
        (0.0, 10.0, 10.0),  # within the first shift (open 0-12 every day)
        (0.0, 15.0, 27.0),  # 12 h today, closed 12-24, 3 h tomorrow
        (11.0, 3.0, 26.0),  # 1 h today, 2 h tomorrow
        (12.0, 1.0, 25.0),  # arrives at closing time: starts next morning
        (5.0, 7.0, 12.0),  # ends exactly at closing time
        (0.0, 24.0, 36.0),  # two full shifts
        (30.0, 0.0, 30.0),  # no work, no wait
    ],
)
def test_finish_time_by_hand(t: float, w: float, expected: float) -> None:
    assert finish_time(t, w, 12.0) == pytest.approx(expected)


def test_open_hours_by_hand() -> None:
    assert open_hours(30.0, 12.0) == pytest.approx(18.0)
    assert open_hours(168.0, 12.0) == pytest.approx(84.0)  # 84 h a week
    assert open_between(11.0, 26.0, 12.0) == pytest.approx(3.0)
    assert finish_time(3.0, 4.0, 0.0) == 7.0  # h = 0: always open


@given(
    t=st.floats(min_value=0, max_value=2000),
    w=st.floats(min_value=0, max_value=500),
    h=st.floats(min_value=0.5, max_value=23.5),
)
def test_finish_time_consumes_exactly_the_work(t: float, w: float, h: float) -> None:
    f = finish_time(t, w, h)
    assert f >= t
    assert open_between(t, f, h) == pytest.approx(w, abs=1e-7)
