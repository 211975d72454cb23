"""The twin against queueing theory: M/M/1, M/M/c, M/D/1, M/G/1, Jackson networks, rework.

Each test runs independent replications and requires the textbook value inside the 99%
Student-t interval of the replication means (and that interval to be tight); the formulas
and their sources are in ``twin_theory.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from twin_theory import assert_close, line, mmc_l, mmc_wq, per_run_cycle, pk_wq, run

from rackforge.twin import Dist, Release, Station, Step


@pytest.mark.parametrize(("lam", "mu", "c"), [(0.7, 1.0, 1), (2.4, 1.0, 3)])
def test_mm_c_waiting_and_sojourn(lam: float, mu: float, c: int) -> None:
    spec = line(
        [Station("S", units=c)], [Step(0, 1.0 / mu, Dist.EXPONENTIAL)], Release.poisson(lam)
    )
    result = run(spec, weeks=120, replications=16)
    wq = mmc_wq(lam, mu, c)
    st = result.resources[0]
    waits = [r.station_wait_h[0] / r.station_starts[0] for r in result.runs]
    assert_close(waits, wq, rel=0.1)
    assert_close(per_run_cycle(result), wq + 1.0 / mu)
    assert_close([r.station_queue_area[0] / r.window_h for r in result.runs], lam * wq, rel=0.1)
    assert_close(
        [r.station_busy_h[0] / (c * r.station_open_h[0]) for r in result.runs], lam / mu / c
    )
    assert st.utilization.mean == pytest.approx(lam / mu / c, abs=0.01)


def test_md1_pollaczek_khinchine() -> None:
    lam, s = 0.75, 1.0
    spec = line([Station("S")], [Step(0, s, Dist.FIXED)], Release.poisson(lam))
    result = run(spec, weeks=40, replications=16)
    assert_close(per_run_cycle(result), pk_wq(lam, s, 0.0) + s)


@pytest.mark.parametrize(("dist", "cv"), [(Dist.GAMMA, 0.5), (Dist.LOGNORMAL, 0.8)])
def test_mg1_pollaczek_khinchine(dist: Dist, cv: float) -> None:
    lam, s = 0.7, 1.0
    spec = line([Station("S")], [Step(0, s, dist, cv)], Release.poisson(lam))
    result = run(spec, weeks=150, replications=12)
    assert_close(per_run_cycle(result), pk_wq(lam, s, cv) + s)


def test_tandem_jackson_network() -> None:
    """Three M/M/c stations in series (c = 1, 2, 3): W = sum of the stations' M/M/c W."""
    gamma = 1.0
    servers, means = (1, 2, 3), (0.7, 1.5, 2.4)
    spec = line(
        [Station("S", units=c) for c in servers],
        [Step(i, m, Dist.EXPONENTIAL) for i, m in enumerate(means)],
        Release.poisson(gamma),
    )
    result = run(spec, weeks=200, replications=12)
    w = sum(mmc_wq(gamma, 1.0 / m, c) + m for c, m in zip(servers, means, strict=True))
    assert_close(per_run_cycle(result), w)


def test_rework_loop_traffic_equations() -> None:
    """Station 1 (2 units) then a test (1 unit) passing 80%; failures go back to station 1.

    Traffic equations: lambda_1 = gamma + 0.2 lambda_2 and lambda_2 = lambda_1, so both see
    gamma / 0.8; the mean sojourn is (L_1 + L_2) / gamma (Jackson 1957; Little 1961)."""
    gamma, y = 0.6, 0.8
    m1, m2 = 2.0, 0.9
    spec = line(
        [Station("S", units=2), Station("S")],
        [Step(0, m1, Dist.EXPONENTIAL), Step(1, m2, Dist.EXPONENTIAL, yield_=y, rework_to=0)],
        Release.poisson(gamma),
    )
    result = run(spec, weeks=200, replications=12)
    lam = gamma / y
    w = (mmc_l(lam, 1.0 / m1, 2) + mmc_l(lam, 1.0 / m2, 1)) / gamma
    assert_close(per_run_cycle(result), w)
    # every failure is reworked, none scrapped: rework per hour = lambda_2 (1 - y)
    assert_close([r.route_reworked[0] / r.window_h for r in result.runs], lam * (1 - y), rel=0.05)
    assert result.totals.scrap_units.mean == 0


def test_scrap_share_and_throughput() -> None:
    """With rework_to = -1 a failed unit leaves: throughput = gamma * yield."""
    gamma, y = 1.0, 0.9
    spec = line(
        [Station("S", units=2)], [Step(0, 1.0, Dist.EXPONENTIAL, yield_=y)], Release.poisson(gamma)
    )
    result = run(spec, weeks=30, replications=10)
    assert_close([r.route_completed[0] / r.window_h for r in result.runs], gamma * y, rel=0.02)
    assert_close([r.route_scrapped[0] / r.window_h for r in result.runs], gamma * (1 - y), rel=0.1)


def test_breakdowns_availability_and_capacity() -> None:
    """Exponential failures and repairs: a unit is up MTBF / (MTBF + MTTR) of the time, and
    a saturated unit (fixed 1 h jobs, preemptive-resume) finishes A jobs an hour (Hopp and
    Spearman, Factory Physics, 2008, eq. 8.4: t_e = t_0 / A)."""
    mtbf, mttr = 20.0, 5.0
    a = mtbf / (mtbf + mttr)
    spec = line(
        [Station("S", mtbf_h=mtbf, mttr_h=mttr)], [Step(0, 1.0, Dist.FIXED)], Release.rate(2.0)
    )
    result = run(spec, weeks=80, replications=10)  # 80 weeks: a 99% interval within 2%
    avail = [1.0 - r.station_down_h[0] / r.window_h for r in result.runs]
    assert_close(avail, a, rel=0.02)
    assert_close([r.route_completed[0] / r.window_h for r in result.runs], a, rel=0.02)
    assert result.resources[0].availability.contains(a)


def test_littles_law_on_long_runs() -> None:
    """L = lambda W with lambda the throughput and W the mean cycle time (Little 1961)."""
    spec = line(
        [Station("S", units=2), Station("S")],
        [Step(0, 1.5, Dist.LOGNORMAL, 0.6), Step(1, 0.8, Dist.GAMMA, 0.7, yield_=0.9, rework_to=0)],
        Release.poisson(0.9),
    )
    result = run(spec, weeks=50, replications=6)
    for r in result.runs:
        lam = r.route_completed[0] / r.window_h
        w = float(np.mean(r.route_cycle[0]))
        assert r.site_wip_area[0] / r.window_h == pytest.approx(lam * w, rel=0.05)
