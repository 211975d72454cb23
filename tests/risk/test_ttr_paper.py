"""The weekly TTS / performance-impact LPs against the paper's own single-period LPs.

Simchi-Levi et al. (Interfaces 45(5), 2015) write TTS of node ``n`` as one LP over a period of
length ``t``: maximise ``t`` subject to ``u >= d t`` (demand met), ``q_i u <= s_i + sum_j x_ij``
(bill of materials against stock plus supply) and ``x_ij <= c_ij t`` (capacity over the period,
``c = 0`` for the node that is down); and the performance impact as the same model with ``t``
fixed at TTR and the lost demand ``l >= d t - u`` minimised. With zero lead times and constant
weekly rates the weekly model of ``rackforge.risk`` must give the same numbers; here the paper's
LPs are solved with ``scipy.optimize.linprog`` on random instances (hypothesis).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from risk_networks import Part, PlantNetwork, Risk, Source
from scipy.optimize import linprog

from rackforge.risk import RiskOptions, assess

HORIZON = 30
DEMAND = 10.0


def paper_tts(parts: list[tuple[float, float, float]], horizon: float) -> float:
    """max t: variables (t, u, x_1..x_k); parts are (q_i, s_i, c_i) of the remaining source."""
    k = len(parts)
    cost = np.zeros(2 + k)
    cost[0] = -1.0
    a_ub, b_ub = [], []
    a_ub.append([DEMAND, -1.0] + [0.0] * k)  # d t - u <= 0
    b_ub.append(0.0)
    for i, (q, s, c) in enumerate(parts):
        row = [0.0, q] + [0.0] * k
        row[2 + i] = -1.0  # q u - x_i <= s
        a_ub.append(row)
        b_ub.append(s)
        cap = [-c, 0.0] + [0.0] * k
        cap[2 + i] = 1.0  # x_i - c t <= 0
        a_ub.append(cap)
        b_ub.append(0.0)
    bounds = [(0, horizon)] + [(0, None)] * (1 + k)
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    assert res.status == 0
    return float(res.x[0])


def paper_lost(parts: list[tuple[float, float, float]], ttr: float) -> float:
    """min l: variables (u, l, x_1..x_k) with t = ttr fixed."""
    k = len(parts)
    cost = np.zeros(2 + k)
    cost[1] = 1.0
    a_ub, b_ub = [[-1.0, -1.0] + [0.0] * k], [-DEMAND * ttr]  # u + l >= d t
    for i, (q, s, _c) in enumerate(parts):
        row = [q, 0.0] + [0.0] * k
        row[2 + i] = -1.0
        a_ub.append(row)
        b_ub.append(s)
    bounds = [(0, DEMAND * ttr), (0, None)] + [(0, c * ttr) for _, _, c in parts]
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    assert res.status == 0
    return float(res.fun)


part_strategy = st.tuples(
    st.integers(1, 4),  # q_i per rack
    st.integers(0, 250),  # s_i on hand
    st.integers(0, 100),  # alternate capacity as % of q_i * d
)


@settings(max_examples=25, deadline=None)
@given(parts=st.lists(part_strategy, min_size=1, max_size=3), ttr=st.integers(1, 8))
def test_weekly_lps_match_the_single_period_lps(
    parts: list[tuple[int, int, int]], ttr: int
) -> None:
    built = []
    remaining = []
    for i, (q, s, pct) in enumerate(parts):
        alt = q * DEMAND * pct / 100.0
        sources = (Source("main", capacity=q * DEMAND),)
        if alt > 0:
            sources += (Source(f"alt{i}", capacity=alt),)
        built.append(Part(f"p{i}", float(q), float(s), sources))
        remaining.append((float(q), float(s), alt))
    net = PlantNetwork(tuple(built), demand=DEMAND, horizon=HORIZON, risks=(Risk("main", ttr),))
    report = assess(net.scenario(), RiskOptions())
    main = next(n for n in report.nodes if n.target == "main")
    expected = paper_tts(remaining, HORIZON + 1)
    if expected >= HORIZON - 1e-9:
        assert math.isinf(main.tts_weeks)
    else:
        assert main.tts_weeks == pytest.approx(expected, abs=1e-5)
    assert main.impact_units == pytest.approx(paper_lost(remaining, ttr), abs=1e-5)
    assert main.exposed == (main.tts_weeks < ttr)
