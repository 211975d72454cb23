"""Building the array :class:`~rackforge.risk.network.Network` from a validated scenario (the
conventions are listed in :mod:`rackforge.risk.network`)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from rackforge.risk.network import (
    DEFAULT_TTR_WEEKS,
    ArcKind,
    FloatArray,
    IntArray,
    Network,
    NodeKind,
    RiskNode,
)
from rackforge.scenario import Scenario
from rackforge.scenario.derived import (
    available_hours,
    bom_per_site,
    holding_cost_per_week,
    hours_per_good_unit,
    lane_items,
)
from rackforge.scenario.events import Limit, capacity_factors, weekly_capacity


def build_network(scenario: Scenario, default_ttr_weeks: float = DEFAULT_TTR_WEEKS) -> Network:
    """Build the array model of ``scenario`` (which is only read)."""
    return _Builder(scenario, default_ttr_weeks).build()


class _Builder:
    def __init__(self, scenario: Scenario, default_ttr_weeks: float) -> None:
        self.s = scenario
        self.h = scenario.config.horizon_weeks
        self.bom = bom_per_site(scenario)
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
        self.factor: list[FloatArray] = []  # (H,) per arc: the events' factor on its capacity
        # pools
        self.pool_label: list[str] = []
        self.pool_cap: list[float] = []
        self.pool_node: list[int] = []
        self.pool_members: list[list[tuple[int, float]]] = []
        self.pool_factor: list[FloatArray] = []

    def factors(self, limit: Limit, rows: pd.DataFrame) -> list[FloatArray]:
        """The events' weekly factor on each row of a capacity table, in row order."""
        return list(capacity_factors(self.s, limit, rows))

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
        factor: FloatArray | None = None,
    ) -> int:
        self.factor.append(np.ones(self.h) if factor is None else factor)
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
        factors = self.factors(Limit.SUPPLY, supply)
        for row, rate, factor in zip(supply.itertuples(index=False), tariff, factors, strict=True):
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
                factor,
            )

    def bom_children(self, parent: str, site: str) -> dict[str, float]:
        return self.bom.get((site, parent), {})

    def add_makes(self) -> None:
        hours = self.resource_hours()
        loads = self.make_loads()
        pools: dict[tuple[str, str], int] = {}
        res = self.s.resources
        res_factor = dict(
            zip(
                zip(res["site"].astype(str), res["resource"].astype(str), strict=True),
                self.factors(Limit.RESOURCES, res),
                strict=True,
            )
        )
        make_factors = self.factors(Limit.MAKE, self.s.make)
        for row, factor in zip(self.s.make.itertuples(index=False), make_factors, strict=True):
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
                factor,
            )
            for resource, load in loads.get((site, item), {}).items():
                if (site, resource) not in hours or load <= 0:
                    continue  # a routing step on an undeclared resource is uncapacitated
                if (site, resource) not in pools:
                    pools[(site, resource)] = self.add_pool(
                        f"resource {resource}@{site}",
                        hours[(site, resource)],
                        owner,
                        res_factor[(site, resource)],
                    )
                self.pool_members[pools[(site, resource)]].append((arc, load))

    def add_pool(self, label: str, cap: float, owner: int, factor: FloatArray) -> int:
        self.pool_factor.append(factor)
        self.pool_label.append(label)
        self.pool_cap.append(cap)
        self.pool_node.append(owner)
        self.pool_members.append([])
        return len(self.pool_label) - 1

    def resource_hours(self) -> dict[tuple[str, str], float]:
        return {(str(k[0]), str(k[1])): float(v) for k, v in available_hours(self.s).items()}

    def make_loads(self) -> dict[tuple[str, str], dict[str, float]]:
        loads: dict[tuple[str, str], dict[str, float]] = {}
        for row in hours_per_good_unit(self.s).itertuples(index=False):
            loads.setdefault((str(row.site), str(row.item)), {})[str(row.resource)] = float(
                row.hours
            )
        return loads

    def add_lanes(self) -> None:
        lanes = self.s.lanes
        for row, items, factor in zip(
            lanes.itertuples(index=False),
            lane_items(self.s),
            self.factors(Limit.LANES, lanes),
            strict=True,
        ):
            origin, dest = str(row.from_site), str(row.to_site)
            lane = self.node(NodeKind.LANE, f"{origin}>{dest}")
            site = self.node(self._site_kind(origin), origin)
            pool = self.add_pool(
                f"lane {origin}>{dest}" + (f" ({row.item})" if row.item else ""),
                float(row.capacity_per_week),
                lane,
                factor,
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
        per_week = holding_cost_per_week(s)
        holding = np.array([float(per_week[item]) for _, item in self.points])
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
            arc_ub=_weekly(self.cap, self.factor, h),
            cons_ptr=cons_ptr,
            cons_point=cons[0],
            cons_qty=cons[1],
            owner_ptr=owner_ptr,
            owner_node=owners[0],
            pool_label=tuple(self.pool_label),
            pool_cap=np.array(self.pool_cap, dtype=float),
            pool_ub=_weekly(self.pool_cap, self.pool_factor, h),
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


def _weekly(caps: list[float], factors: list[FloatArray], h: int) -> FloatArray:
    """``(rows, H)`` capacities after the scenario's events."""
    if not caps:
        return np.zeros((0, h))
    return weekly_capacity(np.array(caps, dtype=float), np.vstack(factors))
