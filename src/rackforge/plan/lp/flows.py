"""Blocks that add flows (variables) and the stock balance that ties them together.

Timing (all in whole weeks; H = horizon):
  * production started in week t at a make row with lead L is stock at t + L; its BOM children
    are consumed in week t, ``qty / (1 - scrap)`` per good unit;
  * a purchase ordered in week t arrives after ``supply.lead_weeks``; a transfer shipped in
    week t arrives after ``lanes.lead_weeks``;
  * flows that could only arrive after the horizon get no variable;
  * stock in production and in transit along lanes (the pipeline) is charged the holding cost
    of the item it becomes, for each week of the lead time: otherwise starting production or
    shipping would hide stock from its holding cost, and a plan with no demand would build
    and ship racks to save it.
Stock balance per node and week:
  ``stock[t] = stock[t-1] + receipts[t] + arrivals[t] - consumption[t] - shipped[t]
  - delivered[t]``, with ``stock[-1] = on_hand`` and ``stock >= 0``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from rackforge.plan.lp.context import Build, CostPart
from rackforge.plan.lp.terms import Terms, add_rows
from rackforge.plan.options import Family


def _flow_mask(build: Build, lead: np.ndarray, dim: str, coords: np.ndarray) -> xr.DataArray:
    arrive = build.weeks[None, :] + lead[:, None]
    return xr.DataArray(
        arrive <= build.horizon - 1, dims=[dim, "week"], coords={dim: coords, "week": build.weeks}
    )


def _flow_variable(
    build: Build, name: str, dim: str, lead: np.ndarray, upper: np.ndarray | None = None
) -> np.ndarray:
    """A flow a week per row (``upper``: its bound per row and week, unbounded if None)."""
    ids = np.arange(len(lead))
    coords = [pd.Index(ids, name=dim), pd.Index(build.weeks, name="week")]
    var = build.model.add_variables(
        lower=0.0,
        upper=np.inf if upper is None else xr.DataArray(upper, coords=coords),
        coords=coords,
        name=name,
        mask=_flow_mask(build, lead, dim, ids),
    )
    build.variables[name] = var
    return np.asarray(var.labels.values, dtype=np.int64)


def _arrive(build: Build, labels: np.ndarray, node: np.ndarray, lead: np.ndarray) -> None:
    """Arrival of flow ``labels[row, t]`` at ``node[row]`` in week ``t + lead[row]``."""
    h = build.horizon
    week = np.minimum(build.weeks[None, :] + lead[:, None], h - 1)  # masked where > h-1
    build.balance.add(node[:, None] * h + week, labels, -1.0)


def _depart(build: Build, labels: np.ndarray, node: np.ndarray, coeff: np.ndarray | float) -> None:
    """Outflow of ``coeff * labels[row, t]`` from ``node[row]`` in week t."""
    h = build.horizon
    rows = node[:, None] * h + build.weeks[None, :]
    build.balance.add(rows, labels, np.broadcast_to(np.asarray(coeff, float), labels.shape))


def add_stock(build: Build) -> None:
    """Stock at the end of each week per node (>= 0), charged its holding cost."""
    nodes = build.net.nodes
    var = build.model.add_variables(
        lower=0.0,
        coords=[pd.RangeIndex(len(nodes), name="node"), pd.Index(build.weeks, name="week")],
        name="stock",
    )
    build.variables["stock"] = var
    labels = np.asarray(var.labels.values, dtype=np.int64)
    h = build.horizon
    rows = np.arange(len(nodes))[:, None] * h + build.weeks[None, :]
    build.balance.add(rows, labels, 1.0)
    build.balance.add(rows[:, 1:], labels[:, :-1], -1.0)
    holding = nodes["holding"].to_numpy(float)
    build.cost(CostPart.HOLDING, labels, np.repeat(holding[:, None], h, axis=1))


def add_production(build: Build) -> None:
    """Good units started per make row and week; arrive after make.lead_weeks."""
    make = build.net.make
    if make.empty:
        return
    lead = make["lead"].to_numpy(int)
    labels = _flow_variable(build, "produce", "make", lead)
    node = make["node"].to_numpy(np.int64)
    _arrive(build, labels, node, lead)
    cost = make["cost"].to_numpy(float)
    build.cost(CostPart.PRODUCTION, labels, np.repeat(cost[:, None], build.horizon, axis=1))
    _pipeline_holding(build, labels, node, lead)


def _pipeline_holding(build: Build, labels: np.ndarray, node: np.ndarray, lead: np.ndarray) -> None:
    """Holding cost of a flow's units for the ``lead`` weeks they are under way to ``node``."""
    per_unit = build.net.nodes["holding"].to_numpy(float)[node] * lead
    build.cost(CostPart.HOLDING, labels, np.repeat(per_unit[:, None], build.horizon, axis=1))


def add_bom_consumption(build: Build) -> None:
    """Children consumed when production starts: qty / (1 - scrap) per good parent."""
    bom = build.net.bom
    produce = build.labels("produce")
    if bom.empty or produce.size == 0:
        return
    labels = produce[bom["make_row"].to_numpy(np.int64)]
    per_unit = bom["per_unit"].to_numpy(float)
    _depart(build, labels, bom["child_node"].to_numpy(np.int64), per_unit[:, None])


def add_purchases(build: Build) -> None:
    """Units ordered per supply row and week; arrive after supply.lead_weeks."""
    sup = build.net.supply
    if sup.empty:
        return
    lead = sup["lead"].to_numpy(int)
    labels = _flow_variable(build, "buy", "supply", lead)
    _arrive(build, labels, sup["node"].to_numpy(np.int64), lead)
    price = sup["price"].to_numpy(float)
    duty = price * sup["tariff"].to_numpy(float)
    h = build.horizon
    build.cost(CostPart.PURCHASE, labels, np.repeat(price[:, None], h, axis=1))
    build.cost(CostPart.TARIFF, labels, np.repeat(duty[:, None], h, axis=1))


def add_transfers(build: Build) -> None:
    """Units shipped per lane arc (lane row x item) and week; arrive after lanes.lead_weeks."""
    arcs = build.net.arcs
    if arcs.empty:
        return
    lead = arcs["lead"].to_numpy(int)
    labels = _flow_variable(build, "ship", "arc", lead, build.net.arc_bound)
    to_node = arcs["to_node"].to_numpy(np.int64)
    _arrive(build, labels, to_node, lead)
    _depart(build, labels, arcs["from_node"].to_numpy(np.int64), 1.0)
    cost = arcs["cost"].to_numpy(float)
    build.cost(CostPart.TRANSPORT, labels, np.repeat(cost[:, None], build.horizon, axis=1))
    _pipeline_holding(build, labels, to_node, lead)


def add_demand(build: Build) -> None:
    """Deliveries per demand row and week, backlog and lost sales.

    With ``config.backlog``: a demand due in week w may be delivered in any week t >= w at
    ``backlog_penalty * (t - w)``; what is never delivered was backlogged until the horizon
    (``backlog_penalty * (H - w)``) and is then lost (``lost_penalty``). Without backlog: only
    week w, the rest is lost. With ``must_meet_demand``: delivered in full in week w.
    """
    dem = build.net.demand
    if dem.empty:
        return
    h = build.horizon
    due = dem["week"].to_numpy(int)
    ids = np.arange(len(dem))
    weeks = build.weeks[None, :]
    hard = build.options.must_meet_demand
    allowed = weeks >= due[:, None] if build.net.backlog and not hard else weeks == due[:, None]
    var = build.model.add_variables(
        lower=0.0,
        coords=[pd.Index(ids, name="demand"), pd.Index(build.weeks, name="week")],
        name="deliver",
        mask=xr.DataArray(
            allowed, dims=["demand", "week"], coords={"demand": ids, "week": build.weeks}
        ),
    )
    build.variables["deliver"] = var
    labels = np.asarray(var.labels.values, dtype=np.int64)
    _depart(build, labels, dem["node"].to_numpy(np.int64), 1.0)
    backlog = dem["backlog_penalty"].to_numpy(float)
    build.cost(CostPart.BACKLOG, labels, backlog[:, None] * np.maximum(weeks - due[:, None], 0))

    rows = Terms(len(dem))
    rows.add(ids[:, None], labels, 1.0)
    if not hard:
        lost = build.model.add_variables(
            lower=0.0, coords=[pd.Index(ids, name="demand")], name="lost"
        )
        build.variables["lost"] = lost
        lost_l = np.asarray(lost.labels.values, dtype=np.int64)
        rows.add(ids, lost_l, 1.0)
        build.cost(CostPart.LOST, lost_l, dem["lost_penalty"].to_numpy(float))
        if build.net.backlog:
            build.cost(CostPart.BACKLOG, lost_l, backlog * (h - due))
    slack = build.add_slack(Family.DEMAND, "demand", len(dem)) if hard else None
    if slack is not None:
        rows.add(ids, slack, 1.0)
    build.rows["demand"] = add_rows(
        build.model,
        "demand",
        rows,
        "=",
        dem["qty"].to_numpy(float),
        family=Family.DEMAND if hard else None,
        meta={"demand": ids},
    )


def add_inventory_balance(build: Build) -> None:
    """Stock balance per node and week from the terms the flow blocks registered."""
    nodes = build.net.nodes
    h = build.horizon
    rhs = np.zeros(len(nodes) * h)
    rhs[np.arange(len(nodes)) * h] += nodes["on_hand"].to_numpy(float)
    rec = build.net.receipts
    np.add.at(
        rhs,
        rec["node"].to_numpy(np.int64) * h + rec["week"].to_numpy(np.int64),
        rec["qty"].to_numpy(float),
    )
    rows = np.arange(len(nodes) * h)
    build.rows["balance"] = add_rows(
        build.model,
        "balance",
        build.balance,
        "=",
        rhs,
        meta={"node": rows // h, "week": rows % h},
    )
