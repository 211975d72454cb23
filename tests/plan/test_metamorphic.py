"""Metamorphic properties of the plan: edits whose effect on the optimum is known in
direction without knowing the optimum.

Without ``must_meet_demand`` every demand may be late or lost at its penalty, so a plan
exists for every scenario. Loosening a limit (more capacity, a blank limit, a cleared minimum
order quantity, an extra supplier, a lower price) enlarges the feasible set or lowers a cost,
so the optimum cannot rise; tightening cannot lower it; scaling every quantity by k scales an
LP's optimal plan and cost by k (the model is positively homogeneous in its right-hand sides;
for the MIP, order decisions are unchanged by the scaling). Optima are compared within the
MIP gaps of both solves.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_scenarios import networks

from rackforge import load_scenario
from rackforge.plan import PlanOptions, PlanResult, plan
from rackforge.scenario import Scenario

EXACT = PlanOptions(mip_gap=1e-9, explain=False)
RANDOM = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def cost(result: PlanResult) -> float:
    assert result.has_plan, result.message
    return result.objective


def slack(a: PlanResult, b: PlanResult) -> float:
    """How far apart two optima may be given both solves' proven gaps."""
    gaps = (a.info.gap or 0.0) * abs(a.objective) + (b.info.gap or 0.0) * abs(b.objective)
    return gaps + 1e-6 * max(1.0, abs(a.objective), abs(b.objective))


def edit(s: Scenario, table: str, row: int, column: str, value: float) -> Scenario:
    frame = s.table(table).copy()
    frame.loc[frame.index[row], column] = value
    return s.with_tables(**{table: frame})


def extra_offer(s: Scenario, row: int) -> Scenario:
    """A second source for a supply row's item: a new supplier at the same terms."""
    supply = s.supply
    offer = supply.iloc[[row]].assign(supplier="sup-extra")
    suppliers = pd.concat(
        [s.suppliers, s.suppliers.iloc[[0]].assign(supplier="sup-extra")], ignore_index=True
    )
    return s.with_tables(supply=pd.concat([supply, offer], ignore_index=True), suppliers=suppliers)


def scaled_cell(
    draw: st.DrawFn,
    s: Scenario,
    table: str,
    column: str,
    factor: float,
    blank: float = math.inf,
    rows: list[int] | None = None,
) -> tuple[Scenario, str]:
    """A random row's (of ``rows``, default all) ``column`` times ``factor`` (``blank`` where
    the cell is unbounded)."""
    row = draw(st.sampled_from(rows if rows is not None else range(len(s.table(table)))))
    old = float(s.table(table)[column].iloc[row])
    new = old * factor if math.isfinite(old) else blank
    return edit(s, table, row, column, new), f"{table} row {row}: {column} {old} -> {new}"


@st.composite
def loosened(draw: st.DrawFn, s: Scenario) -> tuple[Scenario, str]:
    """One loosening edit of ``s``: more capacity or none, no MOQ, a cheaper or extra offer."""
    factor = draw(st.sampled_from([1.1, 2.0, math.inf]))
    cells = {
        "make": ("make", "max_per_week", factor),
        "resource": ("resources", "units", 2.0),
        "lane": ("lanes", "capacity_per_week", factor),
        "capacity": ("supply", "capacity_per_week", factor),
        "moq": ("supply", "moq", 0.0),
    }
    kinds = [k for k, (table, _, _) in cells.items() if len(s.table(table))]
    cheaper = price_cuts_that_loosen(s)
    kinds += ["supplier"] if len(s.supply) else []
    kinds += ["price"] if cheaper else []
    kind = draw(st.sampled_from(kinds))
    if kind == "supplier":
        row = draw(st.integers(0, len(s.supply) - 1))
        return extra_offer(s, row), f"supply row {row}: a second source"
    if kind == "price":
        return scaled_cell(draw, s, "supply", "price", 0.8, rows=cheaper)
    return scaled_cell(draw, s, *cells[kind])


def price_cuts_that_loosen(s: Scenario) -> list[int]:
    """Supply rows whose price cut is a loosening. Domestic content is a share of purchase
    value, so a cheaper domestic offer lowers the domestic share and can tighten that limit:
    with a minimum share, only foreign offers qualify."""
    if s.config.domestic_content_min == 0:
        return list(range(len(s.supply)))
    country = s.supply["supplier"].map(s.suppliers.set_index("supplier")["country"])
    site = s.supply["site"].map(s.sites.set_index("site")["country"])
    return [int(k) for k in np.flatnonzero((country != site).to_numpy())]


@st.composite
def tightened(draw: st.DrawFn, s: Scenario) -> tuple[Scenario, str]:
    """One tightening edit of ``s``: less capacity, a minimum order, a dearer or a lost offer."""
    factor = draw(st.sampled_from([0.5, 0.9]))
    kind = draw(st.sampled_from(["make", "resource", "capacity", "price", "moq", "drop"]))
    if kind == "make":
        return scaled_cell(draw, s, "make", "max_per_week", factor, blank=5.0)
    if kind == "resource":
        return scaled_cell(draw, s, "resources", "hours_per_week", factor)
    dearer = price_cuts_that_loosen(s)  # dearer foreign offers only: see there
    if kind == "price" and dearer:
        return scaled_cell(draw, s, "supply", "price", 1.0 / factor, rows=dearer)
    if kind in ("capacity", "price"):
        return scaled_cell(draw, s, "supply", "capacity_per_week", factor, blank=10.0)
    if kind == "moq":
        row = draw(st.integers(0, len(s.supply) - 1))
        moq = float(s.supply["moq"].iloc[row]) + 4.0
        return edit(s, "supply", row, "moq", moq), f"supply row {row}: moq {moq}"
    # drop an offer whose item has another (a scenario needs a source for every part)
    others = s.supply["item"].duplicated(keep=False).to_numpy()
    row = int(np.flatnonzero(others)[draw(st.integers(0, int(others.sum()) - 1))])
    return s.with_tables(supply=s.supply.drop(index=s.supply.index[row])), f"supply {row} gone"


@pytest.mark.parametrize("looser", [True, False], ids=["loosening", "tightening"])
@RANDOM
@given(data=st.data())
def test_a_random_edit_moves_the_optimum_one_way(looser: bool, data: st.DataObject) -> None:
    """A looser limit never costs more; a tighter one never less."""
    base = data.draw(networks())
    edited, what = data.draw(loosened(base) if looser else tightened(base))
    a, b = plan(base, EXACT), plan(edited, EXACT)
    sign = 1.0 if looser else -1.0
    assert sign * (cost(b) - cost(a)) <= slack(a, b), what


def scaled(s: Scenario, k: float) -> Scenario:
    """Every quantity of ``s`` times k (demand, stock, receipts, capacities, MOQs, units)."""
    columns = {
        "demand": ["qty"],
        "inventory": ["on_hand", "safety_stock"],
        "receipts": ["qty"],
        "make": ["max_per_week"],
        "supply": ["capacity_per_week", "moq"],
        "lanes": ["capacity_per_week"],
        "resources": ["units"],
    }
    tables = {}
    for name, cols in columns.items():
        frame = s.table(name).copy()
        for col in cols:
            frame[col] = frame[col] * k
        tables[name] = frame
    return s.with_tables(**tables)


@RANDOM
@given(networks(), st.sampled_from([2, 3, 10]))
def test_scaling_every_quantity_scales_the_plan(s: Scenario, k: int) -> None:
    a, b = plan(s, EXACT), plan(scaled(s, k), EXACT)
    assert cost(b) == pytest.approx(k * cost(a), rel=1e-6, abs=1e-6 + slack(a, b) * k)
    assert b.kpis is not None and a.kpis is not None
    assert b.kpis.lost_units == pytest.approx(k * a.kpis.lost_units, rel=1e-6, abs=1e-5)


# The bundled scenario: the edits planners make first, each a loosening of the base.


@pytest.fixture(scope="module")
def bundled() -> Scenario:
    return load_scenario("us-ai-racks")


@pytest.fixture(scope="module")
def bundled_base(bundled: Scenario) -> PlanResult:
    return plan(bundled, PlanOptions(explain=False))


def cdu_row(s: Scenario) -> int:
    make = s.make.reset_index(drop=True)
    hit = make.index[(make["site"] == "plant-in") & (make["item"] == "cdu-inrack-250kw")]
    return int(hit[0])


@pytest.mark.parametrize("limit", [1100.0, 2000.0, math.inf])
def test_bundled_cdu_limit_raised_still_plans_no_dearer(
    bundled: Scenario, bundled_base: PlanResult, limit: float
) -> None:
    looser = plan(edit(bundled, "make", cdu_row(bundled), "max_per_week", limit))
    assert looser.has_plan, looser.message
    assert looser.objective <= bundled_base.objective + slack(bundled_base, looser)


def test_bundled_supplier_capacity_moq_and_a_unit_more_still_plan(
    bundled: Scenario, bundled_base: PlanResult
) -> None:
    supply = bundled.supply.reset_index(drop=True)
    row = int(supply.index[supply["moq"] > 0][0])
    s = edit(bundled, "supply", row, "capacity_per_week", supply["capacity_per_week"][row] * 2)
    s = edit(s, "supply", row, "moq", 0.0)
    s = edit(s, "resources", 0, "units", float(s.resources["units"].iloc[0]) + 1)
    looser = plan(s)
    assert looser.has_plan, looser.message
    assert looser.objective <= bundled_base.objective + slack(bundled_base, looser)


def test_bundled_without_amphenol_loses_racks_and_names_the_cause(
    bundled: Scenario, bundled_base: PlanResult
) -> None:
    supply = bundled.supply
    s = bundled.with_tables(supply=supply[supply["supplier"] != "sup-amphenol"])
    result = plan(s)
    assert result.has_plan, result.message
    assert result.kpis is not None and result.kpis.fill_rate < 1.0
    assert result.objective >= bundled_base.objective - slack(bundled_base, result)
    # every late or lost demand has a cause, and a supply limit upstream is named
    assert result.late and all(d.cause.text for d in result.late)
    assert any(d.cause.kind.value == "supplier" for d in result.late)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_bundled_random_loosening_never_hurts(
    bundled: Scenario, bundled_base: PlanResult, data: st.DataObject
) -> None:
    looser, what = data.draw(loosened(bundled))
    result = plan(looser, PlanOptions(explain=False))
    assert result.has_plan, (what, result.message)
    assert result.objective <= bundled_base.objective + slack(bundled_base, result), what


@RANDOM
@given(data=st.data())
def test_a_looser_limit_never_lowers_the_ceiling(data: st.DataObject) -> None:
    from rackforge.plan.ceiling import ceiling

    base = data.draw(networks())
    looser, what = data.draw(loosened(base))
    weeks = base.config.horizon_weeks
    before = ceiling(base, weeks=weeks, lifts=0).racks_per_week
    after = ceiling(looser, weeks=weeks, lifts=0).racks_per_week
    assert after >= before - 1e-6 * max(1.0, before), what
