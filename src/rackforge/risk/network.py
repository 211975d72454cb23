"""The supply network as arrays: stock points, arcs, capacity pools, demand and risk nodes.

Both risk engines work on this one compact model, built once from a validated
:class:`~rackforge.scenario.Scenario`:

* a *stock point* is an (site, item) pair that holds stock;
* an *arc* moves or transforms stock: a purchase (supply row), a production start (make row)
  or a transfer of one item along a lane. An arc dispatched in week ``t`` consumes its inputs in
  ``t`` and delivers one unit of its output in ``t + lead``;
* a *pool* is a weekly capacity shared by several arcs: a resource's hours
  (``units * hours_per_week * efficiency``) or a lane's ``capacity_per_week``;
* a *node* is what can be disrupted: a supplier (its supply rows), a site (its production and
  the transfers leaving it) or a lane ``from>to`` (its transfers).

Conventions (documented in ``docs/risk.md``):

* BOM rows with a blank site apply at every site; a row for a specific site replaces the
  blank-site row of the same child there. A parent consumes ``qty / (1 - scrap)`` of a child
  per unit (component scrap, as in :mod:`rackforge.scenario.summary`).
* A made item loads ``hours / yield * (1 - touch_time_reduction[kind])`` hours per good unit on
  each resource of its routing (the planner's convention).
* A blank-item lane carries every item available at its origin and needed at its destination
  (directly or via further lanes); MOQs are not modelled (continuous quantities).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from rackforge.scenario import Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Time to recover of a node without a row in the risk table: the risk table's own default
#: for a blank ``ttr_weeks`` (``rackforge.scenario.schema``), so both gaps read the same.
DEFAULT_TTR_WEEKS = 4.0


class ArcKind(Enum):
    BUY = "buy"
    MAKE = "make"
    SHIP = "ship"


class NodeKind(Enum):
    SUPPLIER = "supplier"
    PLANT = "plant"  # a site with production
    SITE = "site"  # a warehouse or customer site with outbound lanes
    LANE = "lane"


@dataclass(frozen=True)
class RiskNode:
    """A disruptable node and its profile (from the risk table, else the defaults)."""

    target: str
    kind: NodeKind
    ttr_weeks: float
    annual_prob: float
    capacity_factor: float
    in_risk_table: bool


@dataclass(frozen=True)
class Network:
    """The scenario as arrays. ``P`` stock points, ``A`` arcs, ``C`` pools, ``G`` demand
    groups, ``N`` nodes, ``H`` weeks. Ragged lists are CSR: ``*_ptr`` has one entry per row + 1."""

    horizon: int
    points: tuple[tuple[str, str], ...]  # (site, item)
    on_hand: FloatArray  # (P,)
    receipts: FloatArray  # (P, H)
    holding_cost: FloatArray  # (P,) currency per unit-week
    arc_kind: tuple[ArcKind, ...]
    arc_label: tuple[str, ...]
    arc_lead: IntArray  # (A,)
    arc_out: IntArray  # (A,) the stock point receiving the output
    arc_cap: FloatArray  # (A,) units a week, inf = unbounded
    arc_cost: FloatArray  # (A,) currency per unit (price incl. tariff, make or lane cost)
    cons_ptr: IntArray  # (A+1,) consumption of each arc:
    cons_point: IntArray  # stock point consumed
    cons_qty: FloatArray  # units consumed per unit of the arc
    owner_ptr: IntArray  # (A+1,) the nodes whose disruption limits each arc
    owner_node: IntArray
    pool_label: tuple[str, ...]
    pool_cap: FloatArray  # (C,) per week, inf = unbounded
    pool_node: IntArray  # (C,) the node owning the pool
    pool_ptr: IntArray  # (C+1,) member arcs of each pool and their load per unit
    pool_arc: IntArray
    pool_coef: FloatArray
    group_point: IntArray  # (G,) demand groups: (item, site, priority)
    group_priority: IntArray  # (G,)
    demand: FloatArray  # (G, H) units
    lost_penalty: FloatArray  # (G, H) currency per unit not delivered
    nodes: tuple[RiskNode, ...]

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_arcs(self) -> int:
        return len(self.arc_kind)

    @property
    def n_pools(self) -> int:
        return len(self.pool_label)

    @property
    def n_groups(self) -> int:
        return len(self.group_point)

    def point_label(self, p: int) -> str:
        site, item = self.points[p]
        return f"{item}@{site}"

    def group_label(self, g: int) -> str:
        return self.point_label(int(self.group_point[g]))

    def arcs_of(self, node: int) -> IntArray:
        """Arcs limited by ``node``."""
        owner_arc = np.repeat(np.arange(self.n_arcs), np.diff(self.owner_ptr))
        return np.unique(owner_arc[self.owner_node == node])

    def pools_of(self, node: int) -> IntArray:
        return np.flatnonzero(self.pool_node == node)


def build_network(scenario: Scenario, default_ttr_weeks: float = DEFAULT_TTR_WEEKS) -> Network:
    """Build the array model of ``scenario`` (which is only read)."""
    return _Builder(scenario, default_ttr_weeks).build()


class _Builder:
    def __init__(self, scenario: Scenario, default_ttr_weeks: float) -> None:
        self.s = scenario
        self.h = scenario.config.horizon_weeks
        self.default_ttr = default_ttr_weeks
        self.points: dict[tuple[str, str], int] = {}
        self.node_index: dict[tuple[NodeKind, str], int] = {}
        self.nodes: list[tuple[NodeKind, str]] = []
        # arcs
        self.kind: list[ArcKind] = []
        self.label: list[str] = []
        self.lead: list[int] = []
        self.out: list[int] = []
        self.cap: list[float] = []
        self.cost: list[float] = []
        self.cons: list[list[tuple[int, float]]] = []
        self.owners: list[list[int]] = []
        # pools
        self.pool_label: list[str] = []
        self.pool_cap: list[float] = []
        self.pool_node: list[int] = []
        self.pool_members: list[list[tuple[int, float]]] = []

    def point(self, site: str, item: str) -> int:
        return self.points.setdefault((site, item), len(self.points))

    def node(self, kind: NodeKind, target: str) -> int:
        key = (kind, target)
        if key not in self.node_index:
            self.node_index[key] = len(self.nodes)
            self.nodes.append(key)
        return self.node_index[key]

    def add_arc(
        self,
        kind: ArcKind,
        label: str,
        lead: int,
        out: int,
        cap: float,
        cost: float,
        cons: list[tuple[int, float]],
        owners: list[int],
    ) -> int:
        self.kind.append(kind)
        self.label.append(label)
        self.lead.append(lead)
        self.out.append(out)
        self.cap.append(cap)
        self.cost.append(cost)
        self.cons.append(cons)
        self.owners.append(owners)
        return len(self.kind) - 1

    def build(self) -> Network:
        self.add_buys()
        self.add_makes()
        self.add_lanes()
        return self.finish()

    def add_buys(self) -> None:
        supply = self.s.supply
        tariff = self.s.supply_tariff()
        for row, rate in zip(supply.itertuples(index=False), tariff, strict=True):
            owner = self.node(NodeKind.SUPPLIER, row.supplier)
            self.add_arc(
                ArcKind.BUY,
                f"buy {row.item}@{row.site} from {row.supplier}",
                int(row.lead_weeks),
                self.point(row.site, row.item),
                float(row.capacity_per_week),
                float(row.price) * (1.0 + float(rate)),
                [],
                [owner],
            )

    def bom_children(self, parent: str, site: str) -> dict[str, float]:
        bom = self.s.bom
        rows = bom[(bom["parent"] == parent) & bom["site"].isin(["", site])]
        rows = rows.sort_values("site", key=lambda col: col != "")  # generic first, then site
        return {
            str(r.child): float(r.qty) / (1.0 - float(r.scrap))
            for r in rows.itertuples(index=False)
        }

    def add_makes(self) -> None:
        hours = self.resource_hours()
        loads = self.make_loads()
        pools: dict[tuple[str, str], int] = {}
        for row in self.s.make.itertuples(index=False):
            site, item = str(row.site), str(row.item)
            owner = self.node(NodeKind.PLANT, site)
            cons = [(self.point(site, c), q) for c, q in self.bom_children(item, site).items()]
            arc = self.add_arc(
                ArcKind.MAKE,
                f"make {item}@{site}",
                int(row.lead_weeks),
                self.point(site, item),
                float(row.max_per_week),
                float(row.cost),
                cons,
                [owner],
            )
            for resource, load in loads.get((site, item), {}).items():
                if (site, resource) not in hours or load <= 0:
                    continue  # a routing step on an undeclared resource is uncapacitated
                if (site, resource) not in pools:
                    pools[(site, resource)] = self.add_pool(
                        f"resource {resource}@{site}", hours[(site, resource)], owner
                    )
                self.pool_members[pools[(site, resource)]].append((arc, load))

    def add_pool(self, label: str, cap: float, owner: int) -> int:
        self.pool_label.append(label)
        self.pool_cap.append(cap)
        self.pool_node.append(owner)
        self.pool_members.append([])
        return len(self.pool_label) - 1

    def resource_hours(self) -> dict[tuple[str, str], float]:
        r = self.s.resources
        hours = r["units"] * r["hours_per_week"] * r["efficiency"]
        return {
            (str(site), str(res)): float(h)
            for site, res, h in zip(r["site"], r["resource"], hours, strict=True)
        }

    def make_loads(self) -> dict[tuple[str, str], dict[str, float]]:
        ops = self.s.operations
        kinds = {
            (str(a), str(b)): str(k)
            for a, b, k in zip(
                self.s.resources["site"],
                self.s.resources["resource"],
                self.s.resources["kind"],
                strict=True,
            )
        }
        cut = self.s.config.automation.touch_time_reduction
        loads: dict[tuple[str, str], dict[str, float]] = {}
        columns = (ops["site"], ops["item"], ops["resource"], ops["hours"], ops["yield"])
        for site, item, resource, hours, good in zip(*columns, strict=True):
            factor = 1.0 - float(cut.get(kinds.get((str(site), str(resource)), ""), 0.0))
            item_loads = loads.setdefault((str(site), str(item)), {})
            per_good = float(hours) / float(good) * factor
            item_loads[str(resource)] = item_loads.get(str(resource), 0.0) + per_good
        return loads

    def lane_items(self) -> list[set[str]]:
        """Items each lane row carries (a fixpoint over available and needed items)."""
        s = self.s
        all_items = set(s.items["item"])
        avail: dict[str, set[str]] = {}
        need: dict[str, set[str]] = {}
        for site, item in _pairs(s.supply, "site", "item"):
            avail.setdefault(site, set()).add(item)
        for site, item in _pairs(s.make, "site", "item"):
            avail.setdefault(site, set()).add(item)
            need.setdefault(site, set()).update(self.bom_children(item, site))
        for table in (s.inventory, s.receipts):
            for site, item in _pairs(table, "site", "item"):
                avail.setdefault(site, set()).add(item)
        for site, item in _pairs(s.demand, "site", "item"):
            need.setdefault(site, set()).add(item)
        lanes = [
            (str(r.from_site), str(r.to_site), {str(r.item)} if r.item else all_items)
            for r in s.lanes.itertuples(index=False)
        ]
        changed = True
        while changed:
            changed = False
            for origin, dest, items in lanes:
                moved = (avail.get(origin, set()) & items) - avail.get(dest, set())
                wanted = (need.get(dest, set()) & items) - need.get(origin, set())
                if moved or wanted:
                    avail.setdefault(dest, set()).update(moved)
                    need.setdefault(origin, set()).update(wanted)
                    changed = True
        return [
            avail.get(origin, set()) & need.get(dest, set()) & items
            for origin, dest, items in lanes
        ]

    def add_lanes(self) -> None:
        for row, items in zip(self.s.lanes.itertuples(index=False), self.lane_items(), strict=True):
            origin, dest = str(row.from_site), str(row.to_site)
            lane = self.node(NodeKind.LANE, f"{origin}>{dest}")
            site = self.node(self._site_kind(origin), origin)
            pool = self.add_pool(
                f"lane {origin}>{dest}" + (f" ({row.item})" if row.item else ""),
                float(row.capacity_per_week),
                lane,
            )
            for item in sorted(items):
                arc = self.add_arc(
                    ArcKind.SHIP,
                    f"ship {item} {origin}>{dest}",
                    int(row.lead_weeks),
                    self.point(dest, item),
                    np.inf,
                    float(row.cost_per_unit),
                    [(self.point(origin, item), 1.0)],
                    [lane, site],
                )
                self.pool_members[pool].append((arc, 1.0))

    def _site_kind(self, site: str) -> NodeKind:
        return NodeKind.PLANT if site in set(self.s.make["site"]) else NodeKind.SITE

    def finish(self) -> Network:
        s, h = self.s, self.h
        for site, item in _pairs(s.inventory, "site", "item"):
            self.point(site, item)
        for site, item in _pairs(s.receipts, "site", "item"):
            self.point(site, item)
        groups = s.demand.groupby(["item", "site", "priority"], sort=True)
        group_keys = list(groups.groups)
        group_point = [self.point(str(site), str(item)) for item, site, _ in group_keys]
        self.add_risk_only_nodes()
        n_points = len(self.points)
        on_hand = np.zeros(n_points)
        for site, item, qty in zip(
            s.inventory["site"], s.inventory["item"], s.inventory["on_hand"], strict=True
        ):
            on_hand[self.points[(site, item)]] += float(qty)
        receipts = np.zeros((n_points, h))
        for row in s.receipts.itertuples(index=False):
            receipts[self.points[(row.site, row.item)], int(row.week)] += float(row.qty)
        demand = np.zeros((len(group_keys), h))
        penalty_value = np.zeros((len(group_keys), h))
        for g, (_, rows) in enumerate(groups):
            weeks = rows["week"].to_numpy(dtype=np.int64)
            np.add.at(demand[g], weeks, rows["qty"].to_numpy(dtype=float))
            np.add.at(penalty_value[g], weeks, (rows["qty"] * rows["lost_penalty"]).to_numpy(float))
        lost_penalty = np.divide(penalty_value, demand, out=np.zeros_like(demand), where=demand > 0)
        value = s.items.set_index("item")["unit_value"]
        rate = s.item_holding_rate()
        holding = np.array(
            [float(value[item]) * float(rate[item]) / 52.0 for _, item in self.points]
        )
        cons_ptr, cons = _csr(self.cons)
        owner_ptr, owners = _csr([[(o, 1.0) for o in own] for own in self.owners])
        pool_ptr, members = _csr(self.pool_members)
        return Network(
            horizon=h,
            points=tuple(self.points),
            on_hand=on_hand,
            receipts=receipts,
            holding_cost=holding,
            arc_kind=tuple(self.kind),
            arc_label=tuple(self.label),
            arc_lead=np.array(self.lead, dtype=np.int64),
            arc_out=np.array(self.out, dtype=np.int64),
            arc_cap=np.array(self.cap, dtype=float),
            arc_cost=np.array(self.cost, dtype=float),
            cons_ptr=cons_ptr,
            cons_point=cons[0],
            cons_qty=cons[1],
            owner_ptr=owner_ptr,
            owner_node=owners[0],
            pool_label=tuple(self.pool_label),
            pool_cap=np.array(self.pool_cap, dtype=float),
            pool_node=np.array(self.pool_node, dtype=np.int64),
            pool_ptr=pool_ptr,
            pool_arc=members[0],
            pool_coef=members[1],
            group_point=np.array(group_point, dtype=np.int64),
            group_priority=np.array([int(k[2]) for k in group_keys], dtype=np.int64),
            demand=demand,
            lost_penalty=lost_penalty,
            nodes=self.risk_nodes(),
        )

    def add_risk_only_nodes(self) -> None:
        """Risk rows naming a site without production or outbound lanes still get a node."""
        suppliers = set(self.s.suppliers["supplier"])
        sites = set(self.s.sites["site"])
        for target in self.s.risk["target"]:
            if target in suppliers:
                self.node(NodeKind.SUPPLIER, target)
            elif target in sites:
                self.node(self._site_kind(target), target)
            else:
                self.node(NodeKind.LANE, target)

    def risk_nodes(self) -> tuple[RiskNode, ...]:
        risk = self.s.risk.set_index("target")
        nodes = []
        for kind, target in self.nodes:
            if target in risk.index:
                row = risk.loc[target]
                nodes.append(
                    RiskNode(
                        target,
                        kind,
                        float(row["ttr_weeks"]),
                        float(row["annual_prob"]),
                        float(row["capacity_factor"]),
                        True,
                    )
                )
            else:
                nodes.append(RiskNode(target, kind, self.default_ttr, 0.0, 0.0, False))
        return tuple(nodes)


def _pairs(frame: pd.DataFrame, a: str, b: str) -> Iterable[tuple[str, str]]:
    return zip(frame[a].astype(str), frame[b].astype(str), strict=True)


def _csr(rows: list[list[tuple[int, float]]]) -> tuple[IntArray, tuple[IntArray, FloatArray]]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    idx = np.array([i for r in rows for i, _ in r], dtype=np.int64)
    val = np.array([v for r in rows for _, v in r], dtype=float)
    return ptr, (idx, val)
