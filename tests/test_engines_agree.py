"""Every engine reads the scenario's rules from rackforge.scenario.derived and so agrees on
what a plant can make: the planner (its weekly output under unbounded demand), the risk
network (a resource pool's hours over the make arc's load), ``rackforge show`` (nominal
capacity) and the twin's level plan (its capacity weights), on a routing with rework,
scrap, breakdowns and efficiency; and on the domestic-content scope with two buying sites.

Hand computation for the line below (Kemeny & Snell 1960 visits; A = MTBF / (MTBF + MTTR),
Hopp & Spearman 2008 eq. 8.5): step 1 (L, 1.5 h, passes 90%, else redone) is visited
1 / 0.9 times per unit started, step 2 (T, 0.5 h, passes 80%, else scrapped) once, step 3
(L, 0.25 h) 0.8 times; a started unit finishes good with probability 0.8. Per good unit:
L 1.5 / 0.72 + 0.25 = 2.3333 h, T 0.5 / 0.8 = 0.625 h. L has 2 x 120 x 0.85 x 0.9 = 183.6
hours a week, T 168: L limits, at 183.6 / 2.3333 = 78.686 good units a week.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rackforge.plan import DomesticScope, PlanOptions, plan
from rackforge.risk.build import build_network as risk_network
from rackforge.scenario import Scenario
from rackforge.scenario.summary import nominal_capacity as show_capacity
from rackforge.twin import nominal_capacity as twin_capacity

sys.path.insert(0, str(Path(__file__).parent / "plan"))
from plan_scenarios import build, demand, item, offer, resource

HAND_CAPACITY = 2 * 120 * 0.85 * 0.9 / (1.5 / (0.9 * 0.8) + 0.25)


def line(
    units: int = 2,
    hours: float = 1.5,
    first_yield: float = 0.9,
    second_yield: float = 0.8,
    mtbf: float = 90.0,
) -> Scenario:
    """Plant P makes rack R on L (steps 1 and 3) and T (step 2); demand far above capacity."""
    step = {"site": "P", "item": "R"}
    return build(
        items=[item("R", 500, "rack"), item("K", 10)],
        bom=[{"parent": "R", "child": "K", "qty": 1}],
        make=[{"site": "P", "item": "R", "lead_weeks": 0}],
        supply=[offer("K", 1)],
        resources=[
            resource("L", units, 120, efficiency=0.85, mtbf_h=mtbf, mttr_h=10.0),
            resource("T", 1, 168, kind="test"),
        ],
        operations=[
            {
                **step,
                "step": 1,
                "resource": "L",
                "hours": hours,
                "yield": first_yield,
                "rework_to": 1,
            },
            {**step, "step": 2, "resource": "T", "hours": 0.5, "yield": second_yield},
            {**step, "step": 3, "resource": "L", "hours": 0.25},
        ],
        demand=[demand(f"d{w}", "R", w, 1000, bp=50, lp=5000) for w in range(3)],
        horizon=3,
    )


def capacities(s: Scenario) -> dict[str, float]:
    """Good units of R a week that P can make, as each engine counts them."""
    result = plan(s, PlanOptions(explain=False))
    assert result.tables is not None
    planned = float(result.tables.production.groupby("week")["qty"].sum().max())
    net = risk_network(s)
    (arc,) = [a for a, label in enumerate(net.arc_label) if label == "make R@P"]
    risk = np.inf
    for pool in range(len(net.pool_label)):
        members = slice(net.pool_ptr[pool], net.pool_ptr[pool + 1])
        for a, coef in zip(net.pool_arc[members], net.pool_coef[members], strict=True):
            if a == arc:
                risk = min(risk, float(net.pool_cap[pool]) / float(coef))
    show = show_capacity(s).set_index(["site", "item"]).loc[("P", "R"), "units_per_week"]
    return {
        "plan": planned,
        "risk": risk,
        "show": float(show),
        "twin": twin_capacity(s, "P", "R"),
    }


def test_engines_agree_with_the_hand_capacity() -> None:
    got = capacities(line())
    for engine, value in got.items():
        assert value == pytest.approx(HAND_CAPACITY, rel=1e-9), engine


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 4),
    st.sampled_from([0.5, 1.0, 2.5]),
    st.sampled_from([0.7, 0.9, 1.0]),
    st.sampled_from([0.6, 0.8, 1.0]),
    st.sampled_from([20.0, 90.0, 1000.0]),
)
def test_every_engine_counts_the_same_racks_a_plant_can_make(
    units: int, hours: float, first: float, second: float, mtbf: float
) -> None:
    got = capacities(line(units, hours, first, second, mtbf))
    for engine, value in got.items():
        assert value == pytest.approx(got["plan"], rel=1e-6), engine


def two_buying_sites() -> Scenario:
    """Plants P (US) and M (MX) each make R from K; K comes from a US supplier (domestic for
    P only) at 12 or a Mexican one (domestic for M only) at 10, 25% tariff on MX goods."""
    sites = [
        {"site": "P", "kind": "plant", "country": "US"},
        {"site": "M", "kind": "plant", "country": "MX"},
    ]
    suppliers = [{"supplier": "SUS", "country": "US"}, {"supplier": "SMX", "country": "MX"}]
    supply = [
        offer("K", price, supplier=sup, site=site)
        for site in ("P", "M")
        for sup, price in (("SUS", 12.0), ("SMX", 10.0))
    ]
    return build(
        sites=sites,
        suppliers=suppliers,
        items=[item("R", 100, "rack"), item("K", 10)],
        bom=[{"parent": "R", "child": "K", "qty": 1}],
        make=[{"site": s, "item": "R", "lead_weeks": 0} for s in ("P", "M")],
        supply=supply,
        demand=[demand("dp", "R", 0, 10, site="P"), demand("dm", "R", 0, 10, site="M")],
        horizon=1,
        domestic=0.5,
        tariffs={"MX": 0.25},
    )


def test_domestic_content_scope_network_vs_each_site() -> None:
    s = two_buying_sites()
    # landed: US 12 everywhere; MX 10 x 1.25 = 12.5 everywhere. Unconstrained, both sites buy
    # from SUS (12 < 12.5): domestic at P, foreign at M; domestic share 120 / 240 = 50%.
    network = plan(s, PlanOptions(domestic_scope=DomesticScope.NETWORK))
    assert network.kpis is not None
    assert network.kpis.domestic_share == pytest.approx(0.5)
    assert network.objective == pytest.approx(240.0)
    # per site, M must buy half its value from SMX: 5 x 12.5 + 5 x 12 = 122.5 at M. Buying
    # K is cheaper per unit from SUS, but only SMX's value counts as domestic at M.
    site = plan(s, PlanOptions(domestic_scope=DomesticScope.SITE))
    assert site.tables is not None
    bought = site.tables.purchases.groupby(["site", "supplier"])["qty"].sum()
    # value shares: SMX 10 x q vs SUS 12 x (10 - q) >= ... 10 q >= 0.5 (10 q + 12 (10 - q))
    # -> 10 q >= 60 - q -> q >= 60 / 11
    q = 60.0 / 11.0
    assert bought[("M", "SMX")] == pytest.approx(q)
    assert bought[("P", "SUS")] == pytest.approx(10.0)
    assert site.objective == pytest.approx(120.0 + q * 12.5 + (10 - q) * 12.0)


def site_bom() -> Scenario:
    """P makes R from sub-assembly A, which it also makes; the generic BOM line asks for 2 A
    per R, P's own line for 1 (it replaces the generic one there). Both routings load L 1 h."""
    hours = {"site": "P", "step": 1, "resource": "L", "hours": 1.0}
    return build(
        items=[item("R", 500, "rack"), item("A", 50, "assembly"), item("K", 10)],
        bom=[
            {"parent": "R", "child": "A", "qty": 2},
            {"parent": "R", "child": "A", "qty": 1, "site": "P"},
            {"parent": "A", "child": "K", "qty": 1},
        ],
        make=[{"site": "P", "item": i, "lead_weeks": 0} for i in ("R", "A")],
        supply=[offer("K", 1)],
        resources=[resource("L", 1, 100)],
        operations=[{**hours, "item": "R"}, {**hours, "item": "A"}],
        demand=[demand("d0", "R", 0, 1000, bp=50, lp=5000)],
        horizon=1,
    )


def test_a_site_bom_line_replaces_the_generic_one_everywhere() -> None:
    s = site_bom()
    # one A per R at P: 1 h for R and 1 h for its A, so 100 h make 50 R a week
    show = show_capacity(s).set_index(["site", "item"]).loc[("P", "R"), "units_per_week"]
    assert float(show) == pytest.approx(50.0)
    result = plan(s, PlanOptions(explain=False))
    assert result.tables is not None
    made = result.tables.production.groupby("item")["qty"].sum()
    assert made["R"] == pytest.approx(50.0) and made["A"] == pytest.approx(50.0)
    assert result.tables.purchases["qty"].sum() == pytest.approx(50.0)
