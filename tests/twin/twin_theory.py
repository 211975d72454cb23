"""Queueing formulas the twin is checked against, and small line builders for the tests.

Sources:
* Erlang C and the M/M/c queue: D. Gross, J. F. Shortle, J. M. Thompson and C. M. Harris,
  *Fundamentals of Queueing Theory*, 4th ed., Wiley, 2008, §2.3:
  ``C(c, r) = (r^c / c!) / ((r^c / c!) + (1 - rho) * sum_{k<c} r^k / k!)`` with
  ``r = lambda / mu``, ``rho = r / c``, and ``Wq = C(c, r) / (c mu - lambda)``.
* M/G/1 (Pollaczek-Khinchine): same book, §5.1.1:
  ``Wq = lambda E[S^2] / (2 (1 - rho)) = rho E[S] (1 + cv^2) / (2 (1 - rho))``.
* Open networks of M/M/c stations: J. R. Jackson, "Networks of waiting lines", *Operations
  Research* 5(4), 1957, 518-521: station i behaves as an M/M/c queue with the arrival rate
  of the traffic equations ``lambda_i = gamma_i + sum_j lambda_j p_ji``; by Little's law
  (J. D. C. Little, *Operations Research* 9(3), 1961, 383-387) the mean sojourn time is
  ``W = sum_i L_i / gamma``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from rackforge.twin import (
    Availability,
    LineSpec,
    Release,
    Route,
    Station,
    Step,
    TwinOptions,
    TwinResult,
    simulate,
)
from rackforge.twin.stats import t_quantile


def erlang_c(c: int, r: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``r``."""
    rho = r / c
    top = r**c / math.factorial(c)
    return top / (top + (1.0 - rho) * sum(r**k / math.factorial(k) for k in range(c)))


def mmc_wq(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_l(lam: float, mu: float, c: int) -> float:
    """Mean number in an M/M/c system: L = lambda (Wq + 1/mu)."""
    return lam * (mmc_wq(lam, mu, c) + 1.0 / mu)


def pk_wq(lam: float, mean: float, cv: float) -> float:
    """Mean wait in queue of M/G/1 (Pollaczek-Khinchine)."""
    rho = lam * mean
    return rho * mean * (1.0 + cv * cv) / (2.0 * (1.0 - rho))


def line(
    stations: Sequence[Station],
    steps: Sequence[Step],
    release: Release,
    availability: Availability = Availability.FACTOR,
) -> LineSpec:
    """One routing over the given stations (always open unless a test says otherwise)."""
    named = tuple(
        Station(
            name=st.name if st.name != "S" else f"S{i}",
            site="plant",
            kind=st.kind,
            units=st.units,
            hours_per_week=st.hours_per_week,
            efficiency=st.efficiency,
            mtbf_h=st.mtbf_h,
            mttr_h=st.mttr_h,
        )
        for i, st in enumerate(stations)
    )
    return LineSpec(named, (Route("unit", tuple(steps), release, site="plant"),), availability)


def run(spec: LineSpec, weeks: float, replications: int, seed: int = 1) -> TwinResult:
    return simulate(spec, TwinOptions(weeks=weeks, replications=replications, seed=seed, workers=1))


def per_run_cycle(result: TwinResult) -> list[float]:
    return [float(np.concatenate(r.route_cycle).mean()) for r in result.runs]


def assert_close(values: Sequence[float], expected: float, rel: float = 0.06) -> None:
    """``expected`` lies in the 99% Student-t interval of ``values`` (the mean over the
    replications), and that interval is tight (half-width below ``rel`` of ``expected``),
    so that the check has power."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    half = t_quantile(x.size, 0.99) * float(x.std(ddof=1)) / math.sqrt(x.size)
    assert half < rel * abs(expected), f"interval too wide to test: {mean:.4f} +- {half:.4f}"
    assert abs(mean - expected) <= half, f"{expected:.4f} outside {mean:.4f} +- {half:.4f}"
