"""The supply network as the planners see it: stock points, sources and their parameters.

A *node* is a (site, item) pair that holds stock. Nodes are the pairs that are demanded, made,
bought, stocked or received, the BOM children of every item made at a site, and the sites a
needed item can be transferred from along lanes (a blank lane item means every item). Only
these pairs get stock variables, and only the make, supply and lane rows that touch them get
flow variables: the model is as sparse as the tables.

BOM lines with a blank site apply at every site that makes the parent; a line for a given site
replaces the blank line of the same (parent, child) there. A BOM line consumes
``qty / (1 - scrap) * starts`` children per good parent: component scrap inflates the
requirement, and so does the parent's routing, ``starts`` units started per good unit
(:func:`rackforge.scenario.derived.starts_per_good_unit`). Resource capacity is the available
hours after efficiency and breakdowns and the load is the hours per good unit, both from
:mod:`rackforge.scenario.derived`.

Holding cost per unit per week is ``holding_rate / 52 * v``, ``v`` the item's holding value
(its ``unit_value``, or the value of its parts where higher: :mod:`rackforge.scenario.derived`;
the carrying charge
``r * v`` of Silver, Pyke & Peterson 1998, *Inventory Management and Production Planning and
Scheduling*, 3rd ed., taken per week).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd

from rackforge.plan.options import NominalCapacities
from rackforge.scenario import Scenario
from rackforge.scenario.derived import (
    available_hours,
    bom_lines,
    holding_cost_per_week,
    holding_value,
    hours_per_good_unit,
    lane_closure,
)
from rackforge.scenario.events import Limit, capacity_factors, weekly_capacity


@dataclass(frozen=True)
class Network:
    """Indexed tables of one scenario, shared by the MRP and the LP (read-only).

    Every frame has a RangeIndex; ``node`` columns index :attr:`nodes`, ``make_row`` indexes
    :attr:`make`, ``lane_row`` indexes :attr:`lanes`.
    """

    horizon: int
    backlog: bool
    domestic_min: float
    nodes: pd.DataFrame  # site, item, on_hand, safety_stock, unit_value, holding, sourced
    make: pd.DataFrame  # site, item, node, lead, cost, max_per_week
    bom: pd.DataFrame  # make_row, site, parent, child, child_node, qty, scrap, per_unit
    supply: pd.DataFrame  # supplier, item, site, node, lead, price, tariff, capacity, moq, ...
    lanes: pd.DataFrame  # from_site, to_site, item, lead, cost, capacity (the lanes table)
    arcs: pd.DataFrame  # lane_row, item, from_node, to_node, lead, cost
    resources: pd.DataFrame  # site, resource, kind, capacity (hours/week)
    loads: pd.DataFrame  # make_row, resource_row, hours (per good unit)
    receipts: pd.DataFrame  # node, week, qty (aggregated)
    demand: pd.DataFrame  # demand, item, site, node, week, qty, priority, penalties
    items: pd.DataFrame  # item, kind, unit_value, generation
    node_index: dict[tuple[str, str], int] = field(repr=False)
    #: (rows, horizon) capacity of every resources, make, supply and lanes row in each week,
    #: after the scenario's dated events (:mod:`rackforge.scenario.events`)
    weekly: dict[Limit, np.ndarray] = field(default_factory=dict, repr=False)
    #: (arcs, horizon) what each arc may carry a week on its own: ``inf`` but where an event
    #: scales the nominal flow of an arc whose lane row states no capacity (``nominal``)
    arc_bound: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    def node(self, site: str, item: str) -> int | None:
        return self.node_index.get((site, item))

    @cached_property
    def requirement(self) -> pd.Series:
        """Upper bound on the units of each item the whole network can use over the horizon.

        Demand exploded through every BOM line (the largest per-unit use of a child over the
        sites that make the parent), plus safety stock: no week's order, start or shipment of
        an item need exceed it. Computed once per network (every capacity block reads it).
        """
        need = self.demand.groupby("item")["qty"].sum().reindex(self.items["item"], fill_value=0.0)
        stock = self.nodes.groupby("item")["safety_stock"].sum()
        need = need + stock.reindex(need.index, fill_value=0)
        use = self.bom.groupby(["parent", "child"])["per_unit"].max()
        graph = nx.DiGraph(list(use.index))
        for parent in nx.topological_sort(graph):
            for child in graph.successors(parent):
                need[child] += need[parent] * use[(parent, child)]
        return need.astype(float)


def _expand_bom(scenario: Scenario, make: pd.DataFrame) -> pd.DataFrame:
    """One row per make row and BOM child, with the children issued per good parent."""
    cols = ["make_row", "site", "parent", "child", "qty", "scrap", "per_unit"]
    lines = bom_lines(scenario)
    if lines.empty or make.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    made = make[["site", "item"]].rename(columns={"item": "parent"})
    made["make_row"] = np.arange(len(made))
    out = made.merge(lines, on=["site", "parent"]).sort_values(["make_row", "child"])
    return out[cols].reset_index(drop=True)


def build_network(
    scenario: Scenario, automation: bool = True, nominal: NominalCapacities | None = None
) -> Network:
    """Index the scenario for planning (see the module docstring for the rules); with
    ``nominal``, an event with a factor between 0 and 1 on a supply row or lane that states no
    capacity keeps that share of the row's nominal flow (:mod:`rackforge.scenario.events`)."""
    h = scenario.config.horizon_weeks
    items = scenario.items[["item", "kind", "unit_value", "generation"]].reset_index(drop=True)
    value = holding_value(scenario)

    make = scenario.make.reset_index(drop=True)
    bom = _expand_bom(scenario, make)
    inv = scenario.inventory
    rec = scenario.receipts
    lanes = scenario.lanes.reset_index(drop=True)
    reachable, needed = lane_closure(scenario)

    pairs = sorted(needed)
    nodes = pd.DataFrame(pairs, columns=["site", "item"])
    node_index = {p: i for i, p in enumerate(pairs)}
    stock = inv.groupby(["site", "item"])[["on_hand", "safety_stock"]].sum()
    key = pd.MultiIndex.from_frame(nodes[["site", "item"]])
    nodes["on_hand"] = stock["on_hand"].reindex(key).fillna(0.0).to_numpy()
    nodes["safety_stock"] = stock["safety_stock"].reindex(key).fillna(0.0).to_numpy()
    nodes["unit_value"] = nodes["item"].map(value).astype(float)
    nodes["holding"] = nodes["item"].map(holding_cost_per_week(scenario, value)).astype(float)
    nodes["sourced"] = [p in reachable for p in pairs]

    def node_of(frame: pd.DataFrame, site: str = "site", item: str = "item") -> np.ndarray:
        keys = zip(frame[site].astype(str), frame[item].astype(str), strict=True)
        return np.array([node_index[k] for k in keys], dtype=np.int64)

    make_t = pd.DataFrame(
        {
            "site": make["site"].astype(str),
            "item": make["item"].astype(str),
            "node": node_of(make),
            "lead": make["lead_weeks"].astype(int),
            "cost": make["cost"].astype(float),
            "max_per_week": make["max_per_week"].astype(float),
        }
    )
    bom["child_node"] = node_of(bom, "site", "child") if len(bom) else np.zeros(0, np.int64)

    sup = scenario.supply.reset_index(drop=True)
    country = sup["supplier"].map(scenario.suppliers.set_index("supplier")["country"])
    site_country = sup["site"].map(scenario.sites.set_index("site")["country"])
    supply_t = pd.DataFrame(
        {
            "supplier": sup["supplier"].astype(str),
            "item": sup["item"].astype(str),
            "site": sup["site"].astype(str),
            "node": node_of(sup),
            "lead": sup["lead_weeks"].astype(int),
            "price": sup["price"].astype(float),
            "tariff": scenario.supply_tariff().to_numpy(dtype=float),
            "capacity": sup["capacity_per_week"].astype(float),
            "moq": sup["moq"].astype(float),
            "lot": sup["lot"].astype(float),
            "country": country.astype(str),
            "domestic": (country == site_country).to_numpy(dtype=bool),
        }
    )

    arcs = _arcs(lanes, nodes, node_index, reachable)
    resources = scenario.resources.reset_index(drop=True)
    res_t = pd.DataFrame(
        {
            "site": resources["site"].astype(str),
            "resource": resources["resource"].astype(str),
            "kind": resources["kind"].astype(str),
            "capacity": available_hours(scenario).to_numpy(float),
        }
    )
    loads = _loads(scenario, make_t, res_t, automation)

    receipts = pd.DataFrame(
        {"node": node_of(rec), "week": rec["week"].astype(int), "qty": rec["qty"].astype(float)}
    )
    receipts = receipts.groupby(["node", "week"], as_index=False)["qty"].sum()

    dem = scenario.demand.reset_index(drop=True)
    demand_t = pd.DataFrame(
        {
            "demand": dem["demand"].astype(str),
            "item": dem["item"].astype(str),
            "site": dem["site"].astype(str),
            "node": node_of(dem),
            "week": dem["week"].astype(int),
            "qty": dem["qty"].astype(float),
            "priority": dem["priority"].astype(int),
            "backlog_penalty": dem["backlog_penalty"].astype(float),
            "lost_penalty": dem["lost_penalty"].astype(float),
        }
    )
    lanes_t = pd.DataFrame(
        {
            "from_site": lanes["from_site"].astype(str),
            "to_site": lanes["to_site"].astype(str),
            "item": lanes["item"].astype(str),
            "lead": lanes["lead_weeks"].astype(int),
            "cost": lanes["cost_per_unit"].astype(float),
            "capacity": lanes["capacity_per_week"].astype(float),
        }
    )
    limits = (
        (Limit.RESOURCES, res_t, "capacity"),
        (Limit.MAKE, make_t, "max_per_week"),
        (Limit.SUPPLY, supply_t, "capacity"),
        (Limit.LANES, lanes_t, "capacity"),
    )
    factors = {limit: capacity_factors(scenario, limit, frame) for limit, frame, _ in limits}
    # the nominal flows that partial events on unlimited rows scale (PlanOptions.nominal)
    known = (
        {Limit.SUPPLY: _known(nominal.supply, supply_t, ("supplier", "item", "site"))}
        if nominal is not None
        else {}
    )
    weekly = {
        limit: weekly_capacity(frame[column].to_numpy(float), factors[limit], known.get(limit))
        for limit, frame, column in limits
    }
    arc_bound = None
    if nominal is not None and len(arcs):
        # an every-item lane row limits each item's flow on its own, as the execution does
        row = arcs["lane_row"].to_numpy(np.int64)
        ends = pd.DataFrame(
            {
                "from_site": lanes_t["from_site"].to_numpy()[row],
                "to_site": lanes_t["to_site"].to_numpy()[row],
                "item": arcs["item"].to_numpy(),
            }
        )
        arc_bound = weekly_capacity(
            lanes_t["capacity"].to_numpy(float)[row],
            factors[Limit.LANES][row],
            _known(nominal.lanes, ends, ("from_site", "to_site", "item")),
        )
    return Network(
        horizon=h,
        backlog=bool(scenario.config.backlog),
        domestic_min=float(scenario.config.domestic_content_min),
        nodes=nodes,
        make=make_t,
        bom=bom,
        supply=supply_t,
        lanes=lanes_t,
        arcs=arcs,
        resources=res_t,
        loads=loads,
        receipts=receipts,
        demand=demand_t,
        items=items,
        node_index=node_index,
        weekly=weekly,
        arc_bound=arc_bound,
    )


def _known(
    by_key: Mapping[tuple[str, str, str], float], rows: pd.DataFrame, key: tuple[str, str, str]
) -> np.ndarray:
    """``by_key``'s value for each of ``rows``; 0 for a row it does not name (a nominal
    flow is a plan's peak, and a row the plan never used carried nothing)."""
    a, b, c = (rows[k].astype(str) for k in key)
    return np.array([by_key.get(k, 0.0) for k in zip(a, b, c, strict=True)], dtype=float)


def _arcs(
    lanes: pd.DataFrame,
    nodes: pd.DataFrame,
    node_index: dict[tuple[str, str], int],
    reachable: set[tuple[str, str]],
) -> pd.DataFrame:
    """One arc per (lane row, item) whose origin can hold the item and whose end needs it."""
    cols = ["lane_row", "item", "from_node", "to_node", "lead", "cost"]
    if lanes.empty:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in cols})
    lane = lanes.reset_index(drop=True).rename_axis("lane_row").reset_index()
    by_site = nodes[["site", "item"]].rename(columns={"site": "to_site"})
    blank = lane[lane["item"] == ""].drop(columns="item").merge(by_site, on="to_site")
    explicit = lane[lane["item"] != ""]
    cand = pd.concat([blank, explicit], ignore_index=True)
    keep = [
        (f, i) in node_index and (f, i) in reachable and (t, i) in node_index
        for f, t, i in zip(cand["from_site"], cand["to_site"], cand["item"], strict=True)
    ]
    cand = cand[np.array(keep, dtype=bool)] if len(cand) else cand
    out = pd.DataFrame(
        {
            "lane_row": cand["lane_row"].astype(np.int64),
            "item": cand["item"].astype(str),
            "from_node": [
                node_index[(f, i)] for f, i in zip(cand["from_site"], cand["item"], strict=True)
            ],
            "to_node": [
                node_index[(t, i)] for t, i in zip(cand["to_site"], cand["item"], strict=True)
            ],
            "lead": cand["lead_weeks"].astype(int),
            "cost": cand["cost_per_unit"].astype(float),
        }
    )
    return out.sort_values(["lane_row", "item"]).reset_index(drop=True)


def _loads(
    scenario: Scenario, make: pd.DataFrame, resources: pd.DataFrame, automation: bool
) -> pd.DataFrame:
    hours = hours_per_good_unit(scenario, automation)
    cols = ["make_row", "resource_row", "hours"]
    if hours.empty or make.empty or resources.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    m = make[["site", "item"]].rename_axis("make_row").reset_index()
    r = resources[["site", "resource"]].rename_axis("resource_row").reset_index()
    out = hours.merge(m, on=["site", "item"]).merge(r, on=["site", "resource"])
    return out[cols].sort_values(cols[:2]).reset_index(drop=True)
