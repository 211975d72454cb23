"""Blocks that limit the flows: capacities, minimum order quantities, domestic content, safety
stock. Each capacity row is an explicit constraint (not a variable bound) so that its dual, the
value of one more unit of capacity, can name the bottleneck.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from rackforge.plan.lp.context import Build, CostPart
from rackforge.plan.lp.expand import grow
from rackforge.plan.lp.terms import Terms, add_rows
from rackforge.plan.options import DomesticScope, Family, SafetyStock
from rackforge.scenario.events import Limit


def _grid(n: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(n)[:, None] * h + np.arange(h)[None, :]
    return rows, np.broadcast_to(np.arange(h), (n, h))


def _elastic(build: Build, family: Family, name: str, terms: Terms, sign: float) -> None:
    """Give every row of ``terms`` a slack (``sign`` +1 relaxes a >=, -1 relaxes a <=)."""
    slack = build.add_slack(family, name, terms.n_rows)
    if slack is not None:
        terms.add(np.arange(terms.n_rows), slack, sign)


def add_resource_capacity(build: Build) -> None:
    """Hours per good unit x units started <= units * hours_per_week * efficiency, per week."""
    loads, res = build.net.loads, build.net.resources
    produce = build.labels("produce")
    if loads.empty or produce.size == 0:
        return
    h = build.horizon
    terms = Terms(len(res) * h)
    rows, _ = _grid(len(res), h)
    rr = loads["resource_row"].to_numpy(np.int64)
    terms.add(
        rows[rr],
        produce[loads["make_row"].to_numpy(np.int64)],
        loads["hours"].to_numpy(float)[:, None],
    )
    _elastic(build, Family.RESOURCE, "resource", terms, -1.0)
    grow(build, Limit.RESOURCES, terms, np.arange(len(res)))
    cap = build.net.weekly[Limit.RESOURCES].ravel()
    all_rows = np.arange(len(res) * h)
    build.rows["resource"] = add_rows(
        build.model,
        "resource",
        terms,
        "<=",
        cap,
        Family.RESOURCE,
        {"resource_row": all_rows // h, "week": all_rows % h},
    )


def add_make_capacity(build: Build) -> None:
    """Units started per make row and week <= make.max_per_week (rows where it is finite)."""
    make = build.net.make
    produce = build.labels("produce")
    weekly = build.net.weekly[Limit.MAKE]
    finite = np.flatnonzero(np.isfinite(weekly).any(axis=1))  # limited in some week
    if finite.size == 0 or produce.size == 0:
        return
    h = build.horizon
    terms = Terms(len(finite) * h)
    rows, weeks = _grid(len(finite), h)
    terms.add(rows, produce[finite], 1.0)
    _elastic(build, Family.MAKE, "make_capacity", terms, -1.0)
    grow(build, Limit.MAKE, terms, finite)
    # weeks a row is unlimited (an event stops an unlimited row in others): the item's
    # requirement, which no week's starts need exceed
    big = build.net.requirement.reindex(make["item"]).to_numpy(float)[finite]
    cap = np.where(np.isfinite(weekly[finite]), weekly[finite], big[:, None])
    build.rows["make"] = add_rows(
        build.model,
        "make_capacity",
        terms,
        "<=",
        cap.ravel(),
        Family.MAKE,
        {
            "make_row": np.repeat(finite, h),
            "week": weeks.ravel(),
            "capacity": np.isfinite(weekly[finite]).ravel(),
        },
    )


def add_supplier_capacity(build: Build) -> None:
    """Units ordered per supply row and week <= capacity_per_week; with moq > 0 a binary order
    indicator y: ``buy >= moq * y`` and ``buy <= cap * y`` (cap = capacity, or the network's
    total requirement of the item where capacity is unbounded)."""
    sup = build.net.supply
    buy = build.labels("buy")
    if sup.empty or buy.size == 0:
        return
    h = build.horizon
    cap = build.net.weekly[Limit.SUPPLY]  # (rows, weeks), after dated events
    moq = sup["moq"].to_numpy(float)
    big = build.net.requirement.reindex(sup["item"]).to_numpy(float)
    upper = np.where(np.isfinite(cap), cap, np.maximum(big, moq)[:, None])
    with_moq = np.flatnonzero(moq > 0)
    plain = np.flatnonzero((moq <= 0) & np.isfinite(cap).any(axis=1))
    y = None
    if with_moq.size:
        mask = xr.DataArray(
            build.variables["buy"].labels.values[with_moq] >= 0,
            dims=["moq_supply", "week"],
            coords={"moq_supply": with_moq, "week": build.weeks},
        )
        var = build.model.add_variables(
            coords=[pd.Index(with_moq, name="moq_supply"), pd.Index(build.weeks, name="week")],
            name="order",
            binary=True,
            mask=mask,
        )
        build.variables["order"] = var
        y = np.asarray(var.labels.values, dtype=np.int64)
        low = Terms(len(with_moq) * h)
        rows, moq_weeks = _grid(len(with_moq), h)
        low.add(rows, buy[with_moq], 1.0)
        low.add(rows, y, -moq[with_moq][:, None])
        build.rows["moq"] = add_rows(
            build.model,
            "moq",
            low,
            ">=",
            np.zeros(low.n_rows),
            None,
            {"supply_row": np.repeat(with_moq, h), "week": moq_weeks.ravel()},
        )
    capped = np.concatenate([plain, with_moq])
    terms = Terms(len(capped) * h)
    rows, weeks = _grid(len(capped), h)
    terms.add(rows, buy[capped], 1.0)
    rhs = upper[capped].ravel()  # a plain row's unlimited weeks: the requirement, never binding
    if y is not None:
        k = len(plain)
        terms.add(rows[k:], y, -upper[with_moq])
        rhs[k * h :] = 0.0
    _elastic(build, Family.SUPPLIER, "supplier", terms, -1.0)
    grow(build, Limit.SUPPLY, terms, plain)  # the first rows; a row with a MOQ keeps its cap
    finite_rows = np.isfinite(cap[capped]).ravel()
    build.rows["supplier"] = add_rows(
        build.model,
        "supplier",
        terms,
        "<=",
        rhs,
        Family.SUPPLIER,
        {"supply_row": np.repeat(capped, h), "week": weeks.ravel(), "capacity": finite_rows},
    )


def add_lane_capacity(build: Build) -> None:
    """Units shipped per lane row and week, summed over its items, <= capacity_per_week."""
    lanes, arcs = build.net.lanes, build.net.arcs
    ship = build.labels("ship")
    weekly = build.net.weekly[Limit.LANES]
    finite = np.flatnonzero(np.isfinite(weekly).any(axis=1))
    if finite.size == 0 or ship.size == 0:
        return
    h = build.horizon
    position = np.full(len(lanes), -1)
    position[finite] = np.arange(len(finite))
    arc_pos = position[arcs["lane_row"].to_numpy(np.int64)]
    on = arc_pos >= 0
    terms = Terms(len(finite) * h)
    rows, weeks = _grid(len(finite), h)
    terms.add(rows[arc_pos[on]], ship[on], 1.0)
    _elastic(build, Family.LANE, "lane", terms, -1.0)
    grow(build, Limit.LANES, terms, finite)
    big = float(build.net.requirement.sum())  # no week ships more than everything
    cap = np.where(np.isfinite(weekly[finite]), weekly[finite], big)
    build.rows["lane"] = add_rows(
        build.model,
        "lane",
        terms,
        "<=",
        cap.ravel(),
        Family.LANE,
        {
            "lane_row": np.repeat(finite, h),
            "week": weeks.ravel(),
            "capacity": np.isfinite(weekly[finite]).ravel(),
        },
    )


def add_domestic_content(build: Build) -> None:
    """Domestic purchase value >= domestic_content_min x all purchase value (pre-duty value,
    price x qty, over the horizon; network-wide or per buying site, see DomesticScope).

    A supplier is domestic for a site when its country is the site's country.
    """
    share = build.net.domestic_min
    sup = build.net.supply
    buy = build.labels("buy")
    if share <= 0 or sup.empty or buy.size == 0:
        return
    coeff = sup["price"].to_numpy(float) * (sup["domestic"].to_numpy(float) - share)
    if build.options.domestic_scope is DomesticScope.SITE:
        sites = sorted(sup["site"].unique())
        row = sup["site"].map({s: i for i, s in enumerate(sites)}).to_numpy(np.int64)
    else:
        sites = ["(network)"]
        row = np.zeros(len(sup), dtype=np.int64)
    terms = Terms(len(sites))
    terms.add(np.repeat(row[:, None], build.horizon, axis=1), buy, coeff[:, None])
    _elastic(build, Family.DOMESTIC, "domestic", terms, 1.0)
    build.rows["domestic"] = add_rows(
        build.model,
        "domestic",
        terms,
        ">=",
        np.zeros(len(sites)),
        Family.DOMESTIC,
        {"site": np.array(sites, dtype=object)},
    )


def add_safety_stock(build: Build) -> None:
    """Stock at the end of each week >= safety stock: soft (penalised shortfall) or hard."""
    nodes = build.net.nodes
    ss = nodes["safety_stock"].to_numpy(float)
    on = np.flatnonzero(ss > 0)
    if on.size == 0:
        return
    h = build.horizon
    stock = build.labels("stock")[on]
    terms = Terms(len(on) * h)
    rows, weeks = _grid(len(on), h)
    terms.add(rows, stock, 1.0)
    meta = {"node": np.repeat(on, h), "week": weeks.ravel()}
    if build.options.safety_stock is SafetyStock.SOFT:
        short = build.model.add_variables(
            lower=0.0,
            coords=[pd.Index(on, name="ss_node"), pd.Index(build.weeks, name="week")],
            name="short",
        )
        build.variables["short"] = short
        labels = np.asarray(short.labels.values, dtype=np.int64)
        terms.add(rows, labels, 1.0)
        penalty = build.options.safety_penalty_share * nodes["unit_value"].to_numpy(float)[on]
        build.cost(CostPart.SAFETY_STOCK, labels, np.repeat(penalty[:, None], h, axis=1))
        family = None
    else:
        _elastic(build, Family.SAFETY_STOCK, "safety", terms, 1.0)
        family = Family.SAFETY_STOCK
    build.rows["safety"] = add_rows(
        build.model, "safety", terms, ">=", np.repeat(ss[on], h), family, meta
    )
