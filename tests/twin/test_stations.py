"""A station's units and batch buffers on their own, as SimPy's resources are tested: FIFO
service at ``c`` units against ``simpy.Resource`` on the same tasks, units that break down
against the rules of preemptive-resume service (the work done is the up time, no unit serves
two tasks at once, and no task waits while a unit is free and up), and batch buffers against
each unit's wait counted by hand."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from rackforge.twin.batches import Batches
from rackforge.twin.calendar import open_between
from rackforge.twin.stations import PooledUnits, TrackedUnits

gaps = st.floats(0.0, 5.0, allow_nan=False)
works = st.floats(0.01, 8.0, allow_nan=False)
tasks = st.lists(st.tuples(gaps, works), min_size=1, max_size=40)


def _arrivals(drawn: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(arrival, work) in time order from (gap, work) pairs."""
    t, out = 0.0, []
    for gap, w in drawn:
        t += gap
        out.append((t, w))
    return out


def _simpy_fifo(units: int, jobs: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Start and end of each task at a ``simpy.Resource`` of ``units`` (its FIFO queue)."""
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=units)
    times: list[tuple[float, float]] = [(math.nan, math.nan)] * len(jobs)

    def task(i: int, arrival: float, w: float):  # type: ignore[no-untyped-def]
        yield env.timeout(arrival)
        with res.request() as req:
            yield req
            start = env.now
            yield env.timeout(w)
            times[i] = (start, env.now)

    for i, (arrival, w) in enumerate(jobs):
        env.process(task(i, arrival, w))
    env.run()
    return times


@settings(max_examples=60, deadline=None)
@given(units=st.integers(1, 4), drawn=tasks)
def test_pooled_units_serve_as_a_simpy_resource(
    units: int, drawn: list[tuple[float, float]]
) -> None:
    jobs = _arrivals(drawn)
    pool = PooledUnits(units)
    ours = [pool.take(t, w)[1:] for t, w in jobs]
    theirs = _simpy_fifo(units, jobs)
    for (s1, f1), (s2, f2) in zip(ours, theirs, strict=True):
        assert s1 == pytest.approx(s2, abs=1e-9) and f1 == pytest.approx(f2, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(units=st.integers(1, 3), drawn=tasks, open_h=st.sampled_from([6.0, 16.0, 20.0]))
def test_a_task_does_its_work_in_open_hours(
    units: int, drawn: list[tuple[float, float]], open_h: float
) -> None:
    """With a daily window the task pauses while the station is closed: the open hours
    between its start and end are its work."""
    pool = PooledUnits(units, open_h)
    for t, w in _arrivals(drawn):
        _, start, end = pool.take(t, w)
        assert start >= t
        assert open_between(start, end, open_h) == pytest.approx(w, abs=1e-9)


def test_a_failure_pauses_the_task_which_resumes_after_the_repair() -> None:
    one = TrackedUnits([[5.0, math.inf]], [[7.0, math.inf]])
    assert one.take(4.0, 3.0) == (0, 4.0, 9.0)  # 1 h, down 5..7, then 2 h
    assert one.take(4.5, 1.0) == (0, 9.0, 10.0)  # waits for the unit
    two = TrackedUnits([[0.0, math.inf], [math.inf]], [[10.0, math.inf], [math.inf]], first=3)
    assert two.take(1.0, 2.0) == (4, 1.0, 3.0)  # unit 3 is down: the task takes unit 4
    assert two.take(2.0, 2.0) == (4, 3.0, 5.0)  # unit 3 still down at 3: waits for 4
    assert two.take(9.0, 2.0) == (4, 9.0, 11.0)  # 4 free and up again
    assert two.take(9.5, 2.0) == (3, 10.0, 12.0)  # 4 busy: 3 once repaired, first
    assert two.up_hours(3, 0.0, 12.0) == pytest.approx(2.0)


def _down_intervals(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    starts, ends, t = [], [], 0.0
    for up, down in draw(st.lists(st.tuples(works, works), max_size=6)):
        starts.append(t + up)
        ends.append(t + up + down)
        t += up + down
    return [*starts, math.inf], [*ends, math.inf]


@st.composite
def tracked_case(draw: st.DrawFn) -> tuple[list[list[float]], list[list[float]], list]:  # type: ignore[type-arg]
    n = draw(st.integers(1, 3))
    downs = [_down_intervals(draw) for _ in range(n)]
    return [d[0] for d in downs], [d[1] for d in downs], _arrivals(draw(tasks))


def _covered(intervals: list[tuple[float, float]], lo: float, hi: float) -> bool:
    """``[lo, hi)`` lies inside the union of ``intervals``."""
    x = lo
    for a, b in sorted(intervals):
        if a > x + 1e-9:
            break
        x = max(x, b)
        if x >= hi - 1e-9:
            return True
    return x >= hi - 1e-9


@settings(max_examples=80, deadline=None)
@given(case=tracked_case())
def test_units_that_break_down_serve_preemptive_resume_fifo(case: tuple) -> None:  # type: ignore[type-arg]
    """Every task: starts no earlier than it joins and in join order (FIFO), on a unit that
    is up; its unit's up time from start to end is its work (preemptive-resume); no unit
    serves two tasks at once; and while a task waits, every unit is busy or down."""
    down_start, down_end, jobs = case
    units = TrackedUnits(down_start, down_end)
    served: list[tuple[int, float, float, float]] = []
    for t, w in jobs:
        k, start, end = units.take(t, w)
        assert start >= t
        assert not served or start >= served[-1][2] - 1e-9
        assert units.up_hours(k, start, end) == pytest.approx(w, abs=1e-7)
        assert not any(a <= start < b for a, b in zip(down_start[k], down_end[k], strict=True))
        if start > t:
            for u in range(len(down_start)):
                busy = [(s, f) for v, _, s, f in served if v == u]
                down = list(zip(down_start[u], down_end[u], strict=True))
                assert _covered(busy + down, t, start), (u, t, start)
        served.append((k, t, start, end))
    for u in range(len(down_start)):
        mine = sorted((s, f) for v, _, s, f in served if v == u)
        assert all(f <= s2 + 1e-9 for (_, f), (s2, _) in pairwise(mine))


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 5), drawn=tasks, warmup=st.floats(0.0, 20.0), length=st.floats(1.0, 80.0)
)
def test_a_batch_buffer_releases_full_batches_in_order_and_books_the_waits(
    size: int, drawn: list[tuple[float, float]], warmup: float, length: float
) -> None:
    """Units leave the buffer ``size`` at a time, in the order they came, when the last of
    the batch arrives; the unit-hours booked are each unit's wait clipped to the window
    (units still waiting at the horizon count up to it)."""
    horizon = warmup + length
    joins = [t for t, _ in _arrivals(drawn) if t <= horizon]
    buffer = Batches([size], warmup, horizon)
    left: list[tuple[int, float]] = []  # (unit, when its batch left)
    for j, t in enumerate(joins):
        batch = buffer.add(0, j, t)
        if batch is not None:
            assert len(batch) == size
            left.extend((u, t) for u in batch)
    buffer.close()
    assert [u for u, _ in left] == list(range(len(left)))  # in arrival order
    assert len(joins) - len(left) < size  # what is left is less than a batch
    out = dict(left)
    expected = sum(
        max(0.0, min(out.get(j, horizon), horizon) - max(t, warmup)) for j, t in enumerate(joins)
    )
    assert buffer.area[0] == pytest.approx(expected, abs=1e-9)
