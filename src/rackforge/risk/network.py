"""The supply network as arrays: stock points, arcs, capacity pools, demand and risk nodes.

Both risk engines work on this one compact model, built once from a validated
:class:`~rackforge.scenario.Scenario` by :func:`rackforge.risk.build.build_network`:

* a *stock point* is an (site, item) pair that holds stock;
* an *arc* moves or transforms stock: a purchase (supply row), a production start (make row)
  or a transfer of one item along a lane. An arc dispatched in week ``t`` consumes its inputs in
  ``t`` and delivers one unit of its output in ``t + lead``;
* a *pool* is a weekly capacity shared by several arcs: a resource's available hours (after
  efficiency and breakdowns) or a lane's ``capacity_per_week``;
* a *node* is what can be disrupted: a supplier (its supply rows), a site (its production and
  the transfers leaving it) or a lane ``from>to`` (its transfers).

Conventions (documented in ``docs/risk.md``): the BOM per site, the children issued per good
parent, the available hours and the hours per good unit (with the automation levers) are the
planner's, read from :mod:`rackforge.scenario.derived`.
* A blank-item lane carries every item available at its origin and needed at its destination
  (directly or via further lanes); MOQs are not modelled (continuous quantities).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import NDArray

from rackforge.risk.options import DEFAULT_TTR_WEEKS as DEFAULT_TTR_WEEKS

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


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
    arc_ub: FloatArray  # (A, H) the week's capacity after the scenario's events
    arc_cost: FloatArray  # (A,) currency per unit (price incl. tariff, make or lane cost)
    cons_ptr: IntArray  # (A+1,) consumption of each arc:
    cons_point: IntArray  # stock point consumed
    cons_qty: FloatArray  # units consumed per unit of the arc
    owner_ptr: IntArray  # (A+1,) the nodes whose disruption limits each arc
    owner_node: IntArray
    pool_label: tuple[str, ...]
    pool_cap: FloatArray  # (C,) per week, inf = unbounded
    pool_ub: FloatArray  # (C, H) after the scenario's events
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
