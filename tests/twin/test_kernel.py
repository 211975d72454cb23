"""The event kernel alone: order, ties, the end of a run, continuing a run."""

from __future__ import annotations

import heapq
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rackforge.twin import Kernel


def test_events_run_in_time_order_and_fifo_on_ties() -> None:
    kernel = Kernel()
    seen: list[tuple[float, Any]] = []

    def note(t: float, a: Any, b: Any) -> None:
        seen.append((t, a))

    for t, name in [(2.0, "c"), (1.0, "a"), (2.0, "d"), (1.0, "b"), (0.5, "first")]:
        kernel.schedule(t, note, name)
    assert kernel.run(10.0) == 5
    assert seen == [(0.5, "first"), (1.0, "a"), (1.0, "b"), (2.0, "c"), (2.0, "d")]
    assert kernel.now == 10.0


def test_handlers_schedule_more_events_and_until_is_inclusive() -> None:
    kernel = Kernel()
    ticks: list[float] = []

    def tick(t: float, a: Any, b: Any) -> None:
        ticks.append(t)
        kernel.schedule(t + 1.0, tick)

    kernel.schedule(0.0, tick)
    assert kernel.run(3.0) == 4  # 0, 1, 2, 3 (an event at the horizon runs)
    assert ticks == [0.0, 1.0, 2.0, 3.0]
    assert kernel.peek() == 4.0  # the next one waits on the heap
    assert kernel.run(5.5) == 2
    assert ticks[-2:] == [4.0, 5.0]
    assert kernel.events == 6


def test_an_event_scheduled_at_the_horizon_by_a_handler_still_runs() -> None:
    kernel = Kernel()
    seen: list[str] = []

    def first(t: float, a: Any, b: Any) -> None:
        seen.append("first")
        kernel.schedule(t, second)

    def second(t: float, a: Any, b: Any) -> None:
        seen.append("second")

    kernel.schedule(1.0, first)
    kernel.run(1.0)
    assert seen == ["first", "second"]


def test_no_scheduling_into_the_past() -> None:
    kernel = Kernel()
    kernel.run(5.0)
    with pytest.raises(ValueError, match="before the clock"):
        kernel.schedule(4.0, print)
    with pytest.raises(ValueError, match="before the clock"):
        kernel.run(1.0)


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), max_size=60))
def test_any_schedule_comes_out_sorted(times: list[float]) -> None:
    kernel = Kernel()
    out: list[tuple[float, int]] = []
    for i, t in enumerate(times):
        kernel.schedule(t, lambda t, a, b: out.append((t, a)), i)
    kernel.run(100.0)
    assert out == sorted((t, i) for i, t in enumerate(times))


def test_a_models_own_keys_run_after_scheduled_events_in_key_order() -> None:
    """Models may push tuples keyed by their own ids (zero or more): at equal times they run
    in key order, after the events schedule() keyed, and count as events."""
    kernel = Kernel()
    seen: list[Any] = []

    def note(t: float, a: Any, b: Any) -> None:
        seen.append(a)

    heapq.heappush(kernel.heap, (1.0, 7, note, "unit 7", None))
    heapq.heappush(kernel.heap, (1.0, 2, note, "unit 2", None))
    kernel.schedule(1.0, note, "scheduled")
    heapq.heappush(kernel.heap, (0.5, 9, note, "unit 9", None))
    assert kernel.run(2.0) == 4
    assert seen == ["unit 9", "scheduled", "unit 2", "unit 7"]
