"""Exact event sequences of tiny hand-made lines with fixed times."""

from __future__ import annotations

import numpy as np
import pytest
from twin_theory import line

from rackforge.twin import (
    Availability,
    LineSpec,
    Release,
    RepStats,
    Station,
    Step,
    run_replication,
)


def trace_of(stats: RepStats) -> list[tuple[float, str, str, int, int]]:
    assert stats.trace is not None
    return stats.trace


def run(spec: LineSpec, horizon: float, warmup: float = 0.0, seed: int = 0) -> RepStats:
    return run_replication(spec, horizon, warmup, np.random.SeedSequence(seed), trace=True)


def test_two_stations_in_series() -> None:
    """A (2 h) then B (1 h), one unit each, one job an hour from t = 0, until t = 5.

    By hand: job 0 is at A 0-2 and B 2-3; job 1 waits at A 1-2, is at A 2-4 and B 4-5;
    jobs 2-5 queue at A. A serves no other step, so the releases are admitted ahead, in one
    event; records of one instant run: ends, exits, releases, starts."""
    spec = line(
        [Station("A"), Station("B")],
        [Step(0, 2.0), Step(1, 1.0)],
        Release.rate(1.0),
    )
    stats = run(spec, 5.0)
    assert trace_of(stats) == [
        (0.0, "release", "unit", 0, -1),
        (0.0, "start", "A", 0, -1),
        (1.0, "release", "unit", 1, -1),
        (2.0, "done", "A", 0, -1),
        (2.0, "release", "unit", 2, -1),
        (2.0, "start", "A", 1, -1),
        (2.0, "start", "B", 0, -1),
        (3.0, "done", "B", 0, -1),
        (3.0, "exit", "unit", 0, -1),
        (3.0, "release", "unit", 3, -1),
        (4.0, "done", "A", 1, -1),
        (4.0, "release", "unit", 4, -1),
        (4.0, "start", "A", 2, -1),
        (4.0, "start", "B", 1, -1),
        (5.0, "done", "B", 1, -1),
        (5.0, "exit", "unit", 1, -1),
        (5.0, "release", "unit", 5, -1),
    ]
    assert stats.events == 5  # the releases admitted in one event, 4 ends of service
    assert stats.route_completed == [2]
    assert stats.route_cycle[0].tolist() == [3.0, 4.0]
    assert stats.station_busy_h == pytest.approx([5.0, 2.0])  # A always busy, B 2-3 and 4-5
    # waiting: job 1 1-2, job 2 2-4, job 3 3-5, job 4 4-5 -> 6 unit-hours
    assert stats.station_queue_area == pytest.approx([6.0, 0.0])
    # in the system: 3 + 4 + 3 + 2 + 1 + 0 unit-hours
    assert stats.site_wip_area == pytest.approx([13.0])
    assert stats.site_job_hours == pytest.approx([13.0])


def test_batch_step_waits_for_a_full_batch() -> None:
    """Batches of 2 at 1.5 h a unit (3 h a batch), one job an hour, until t = 5."""
    spec = line([Station("A")], [Step(0, 1.5, batch=2)], Release.rate(1.0))
    stats = run(spec, 5.0)
    assert trace_of(stats) == [
        (0.0, "release", "unit", 0, -1),
        (1.0, "release", "unit", 1, -1),
        (1.0, "start", "A", 0, -1),
        (1.0, "start", "A", 1, -1),
        (2.0, "release", "unit", 2, -1),
        (3.0, "release", "unit", 3, -1),
        (4.0, "done", "A", 0, -1),
        (4.0, "done", "A", 1, -1),
        (4.0, "exit", "unit", 0, -1),
        (4.0, "exit", "unit", 1, -1),
        (4.0, "release", "unit", 4, -1),
        (4.0, "start", "A", 2, -1),
        (4.0, "start", "A", 3, -1),
        (5.0, "release", "unit", 5, -1),
    ]
    assert stats.route_cycle[0].tolist() == [4.0, 3.0]
    # batch forming (job 0 0-1, job 2 2-3, job 4 4-5) and the batch of 2 queued 3-4
    assert stats.station_queue_area == pytest.approx([5.0])
    assert stats.station_busy_h == pytest.approx([4.0])
    assert stats.station_starts == [2]  # two batches started


def test_a_job_pauses_while_its_station_is_closed() -> None:
    """Open 84 h a week = 12 h a day (00:00-12:00): a 15 h job from t = 0 ends at 27."""
    spec = line(
        [Station("A", hours_per_week=84.0)],
        [Step(0, 15.0)],
        Release.rate(1.0 / 1000.0),
        availability=Availability.CALENDAR,
    )
    stats = run(spec, 30.0)
    assert trace_of(stats) == [
        (0.0, "release", "unit", 0, -1),
        (0.0, "start", "A", 0, -1),
        (27.0, "done", "A", 0, -1),
        (27.0, "exit", "unit", 0, -1),
    ]
    assert stats.station_open_h == pytest.approx([18.0])  # 12 h + 6 h by t = 30
    assert stats.station_busy_h == pytest.approx([15.0])


def test_capacity_factor_stretches_the_work_instead() -> None:
    spec = line(
        [Station("A", hours_per_week=84.0)],
        [Step(0, 15.0)],
        Release.rate(1.0 / 1000.0),
        availability=Availability.FACTOR,
    )
    stats = run(spec, 40.0)
    assert trace_of(stats)[2] == (30.0, "done", "A", 0, -1)  # 15 h x 168 / 84


def test_breakdown_pauses_the_job_in_process() -> None:
    """Every job's time at the station is its work plus the repairs that overlap it
    (preemptive-resume), and failures of an idle unit delay nobody."""
    spec = line(
        [Station("A", mtbf_h=20.0, mttr_h=5.0)],
        [Step(0, 10.0)],
        Release.rate(1.0 / 40.0),
    )
    stats = run(spec, 4000.0, seed=3)
    rec = trace_of(stats)
    down: list[tuple[float, float]] = []
    failed_at = None
    for t, event, _, _, server in rec:
        if event == "fail":
            assert server == 0
            failed_at = t
        elif event == "repair":
            assert failed_at is not None
            down.append((failed_at, t))
            failed_at = None
    starts = {job: t for t, event, _, job, _ in rec if event == "start"}
    dones = {job: t for t, event, _, job, _ in rec if event == "done"}
    assert len(dones) > 50 and len(down) > 50
    for job, end in dones.items():
        begin = starts[job]
        overlap = sum(max(0.0, min(b, end) - max(a, begin)) for a, b in down)
        assert end - begin == pytest.approx(10.0 + overlap)
    # the unit is never started while it is down
    for job, begin in starts.items():
        assert not any(a < begin < b for a, b in down), job


def test_rework_sends_the_unit_back() -> None:
    """A failed test (yield 0.5) returns the unit to step 0: the trace shows it start A again."""
    spec = line(
        [Station("A"), Station("T")],
        [Step(0, 1.0), Step(1, 1.0, yield_=0.5, rework_to=0)],
        Release.rate(1.0 / 10.0),
    )
    stats = run(spec, 2000.0, seed=5)
    rec = trace_of(stats)
    reworks = [(t, job) for t, event, _, job, _ in rec if event == "rework"]
    assert reworks
    for t, job in reworks:  # it starts A again (at once, or after the job ahead of it)
        assert any((ev, where, j) == ("start", "A", job) and u >= t for u, ev, where, j, _ in rec)
    visits = sum(1 for _, event, where, _, _ in rec if event == "start" and where == "A")
    releases = sum(1 for _, event, _, _, _ in rec if event == "release")
    assert visits in (releases + len(reworks), releases + len(reworks) - 1)  # one may wait
    # a test that fails half the time: about as many reworks as exits
    exits = sum(1 for _, event, _, _, _ in rec if event == "exit")
    assert 0.7 < len(reworks) / exits < 1.4
