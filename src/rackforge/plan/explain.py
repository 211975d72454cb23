"""Why the plan is what it is: bottlenecks ranked by shadow price, and the cause of every late or
lost demand.

Cause of a demand of item *i* at site *s* due in week *w* that is not delivered on time, in
this order:
  1. ``no_source``: no make, supply or lane row brings *i* to *s* at all;
  2. ``lead_time``: no new supply can reach *s* by week *w*: the earliest arrival over every
     source path (make lead + the latest of its children, supply lead, lane lead + origin) is
     after *w*, counting a child as available in week 0 when it has stock or receipts;
  3. the binding limit upstream with the largest value per unit of the demanded item: the
     search walks from (s, i) back through make rows (and their resources and BOM children,
     times the BOM quantity), supply rows and lanes, each in the weeks before the lead time
     that would still meet week *w*, and scores a limit by
     ``sum of its shadow price over those weeks x its use per unit of the demanded item``
     (hours per unit for a resource, BOM units for the rest) - the marginal-value reading of
     LP duals (Dantzig 1963, *Linear Programming and Extensions*, Princeton UP);
  4. ``cost``: nothing binds; serving on time would cost more than the demand's penalties.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np
import pandas as pd

from rackforge.plan.lp.model import PlanModel
from rackforge.plan.lp.readout import TOL, row_duals
from rackforge.plan.lp.solve import Solution
from rackforge.plan.network import Network
from rackforge.plan.options import Family


class CauseKind(Enum):
    RESOURCE = "resource"
    MAKE = "make"
    SUPPLIER = "supplier"
    LANE = "lane"
    DOMESTIC = "domestic_content"
    LEAD_TIME = "lead_time"
    NO_SOURCE = "no_source"
    COST = "cost"


@dataclass(frozen=True)
class Cause:
    """What kept a demand from being delivered on time (see the module docstring)."""

    kind: CauseKind
    id: str
    weeks: tuple[int, ...]
    value: float  # score: shadow value per unit of the demanded item (0 for structural causes)
    text: str


@dataclass(frozen=True)
class Bottleneck:
    """A binding limit: its peak week and shadow price, and over the horizon."""

    kind: Family
    id: str
    site: str
    item: str
    week: int
    shadow_price: float
    first_week: int
    last_week: int
    binding_weeks: int
    total_shadow_price: float


#: Shadow prices within this share of each other are the same price: the solver's round-off
#: (which the order of the model's rows moves) must not pick a bottleneck's week or rank.
SAME_PRICE = 1e-9


def bottlenecks(binding: pd.DataFrame) -> list[Bottleneck]:
    """Binding limits aggregated per (kind, id, site, item), largest total shadow price first
    (equal totals by kind and id); the peak is the first week at the highest price."""
    if binding.empty:
        return []
    out: list[Bottleneck] = []
    for (kind, ident, site, item), grp in binding.groupby(["kind", "id", "site", "item"]):
        price = grp["shadow_price"].to_numpy(float)
        top = price.max()
        peak = grp[price >= top - SAME_PRICE * abs(top)].sort_values("week").iloc[0]
        out.append(
            Bottleneck(
                Family(kind),
                str(ident),
                str(site),
                str(item),
                int(peak["week"]),
                float(peak["shadow_price"]),
                int(grp["week"].min()),
                int(grp["week"].max()),
                len(grp),
                float(grp["shadow_price"].sum()),
            )
        )
    return sorted(out, key=lambda b: (-_rounded(b.total_shadow_price), b.kind.value, b.id))


def _rounded(price: float) -> float:
    """``price`` to the significant digits :data:`SAME_PRICE` leaves."""
    return float(f"{price:.9g}")


@dataclass(frozen=True)
class Shadows:
    """Shadow prices as (entity row, week) arrays, cumulated over weeks for window sums."""

    resource: np.ndarray
    make: np.ndarray
    supplier: np.ndarray
    lane: np.ndarray
    domestic: float

    @staticmethod
    def of(pm: PlanModel, sol: Solution) -> Shadows:
        net = pm.build.net
        h = net.horizon
        sizes = {
            Family.RESOURCE: len(net.resources),
            Family.MAKE: len(net.make),
            Family.SUPPLIER: len(net.supply),
            Family.LANE: len(net.lanes),
        }
        keys = {
            Family.RESOURCE: "resource_row",
            Family.MAKE: "make_row",
            Family.SUPPLIER: "supply_row",
            Family.LANE: "lane_row",
        }
        grids = {f: np.zeros((n, h)) for f, n in sizes.items()}
        domestic = 0.0
        for rows in pm.build.rows.values():
            if rows.family is None or rows.family in (Family.DEMAND, Family.SAFETY_STOCK):
                continue
            shadow = np.abs(row_duals(pm, sol, rows))
            if rows.family is Family.DOMESTIC:
                domestic = float(shadow.max()) if shadow.size else 0.0
                continue
            if "capacity" in rows.meta:
                shadow = np.where(rows.meta["capacity"], shadow, 0.0)
            np.add.at(
                grids[rows.family],
                (rows.meta[keys[rows.family]], rows.meta["week"]),
                np.where(shadow > TOL, shadow, 0.0),
            )
        cum = {f: np.cumsum(g, axis=1) for f, g in grids.items()}
        return Shadows(
            cum[Family.RESOURCE], cum[Family.MAKE], cum[Family.SUPPLIER], cum[Family.LANE], domestic
        )


def earliest_arrival(net: Network) -> np.ndarray:
    """Earliest week new supply can be stock at each node (inf: no source reaches it)."""
    n = net.n_nodes
    has_stock = net.nodes["on_hand"].to_numpy(float) > 0
    has_stock[net.receipts["node"].to_numpy(np.int64)] = True
    make, sup, arcs, bom = net.make, net.supply, net.arcs, net.bom
    ea = np.full(n, np.inf)
    np.minimum.at(ea, sup["node"].to_numpy(np.int64), sup["lead"].to_numpy(float))
    for _ in range(n + 1):
        avail = np.where(has_stock, 0.0, ea)
        child_ready = np.zeros(len(make))
        if len(bom):
            np.maximum.at(
                child_ready,
                bom["make_row"].to_numpy(np.int64),
                avail[bom["child_node"].to_numpy(np.int64)],
            )
        new = ea.copy()
        np.minimum.at(
            new, make["node"].to_numpy(np.int64), make["lead"].to_numpy(float) + child_ready
        )
        if len(arcs):
            np.minimum.at(
                new,
                arcs["to_node"].to_numpy(np.int64),
                arcs["lead"].to_numpy(float) + avail[arcs["from_node"].to_numpy(np.int64)],
            )
        if np.array_equal(new, ea):
            break
        ea = new
    return ea


Key = tuple[CauseKind, int]


class Tracer:
    """Walks upstream from a stock point and scores the binding limits it passes."""

    def __init__(self, net: Network, shadows: Shadows) -> None:
        self.net, self.sh = net, shadows
        self.make_at = net.make.groupby("node").indices
        self.supply_at = net.supply.groupby("node").indices
        self.arcs_in = net.arcs.groupby("to_node").indices
        self.bom_of = net.bom.groupby("make_row").indices
        self.loads_of = net.loads.groupby("make_row").indices
        self.trace = lru_cache(maxsize=None)(self._trace)

    def unsourced(self, node: int, ea: np.ndarray) -> int:
        """The first stock point upstream of ``node`` (itself included) that nothing sources
        and that blocks it (infinite earliest arrival)."""
        net, seen, stack = self.net, set(), [node]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            makes, buys = self.make_at.get(n, []), self.supply_at.get(n, [])
            arcs = self.arcs_in.get(n, [])
            if len(makes) == 0 and len(buys) == 0 and len(arcs) == 0:
                return n
            for m in makes:
                stack += [
                    int(net.bom.at[b, "child_node"])
                    for b in self.bom_of.get(m, [])
                    if not np.isfinite(ea[int(net.bom.at[b, "child_node"])])
                ]
            stack += [int(net.arcs.at[a, "from_node"]) for a in arcs]
        return node

    def _window(self, cum: np.ndarray, row: int, end: int) -> float:
        return float(cum[row, end]) if end >= 0 else 0.0

    def _trace(self, node: int, week: int) -> dict[Key, tuple[float, int]]:
        """Scores per (kind, row) for one unit needed at ``node`` by ``week``, with the last
        week of the window in which each limit could have helped."""
        found: dict[Key, tuple[float, int]] = {}

        def note(key: Key, score: float, end: int) -> None:
            if score > TOL:
                old = found.get(key, (0.0, -1))
                found[key] = (old[0] + score, max(old[1], end))

        net, sh = self.net, self.sh
        for m in self.make_at.get(node, []):
            end = week - int(net.make.at[m, "lead"])
            if end < 0:
                continue
            note((CauseKind.MAKE, int(m)), self._window(sh.make, m, end), end)
            for k in self.loads_of.get(m, []):
                r = int(net.loads.at[k, "resource_row"])
                hours = float(net.loads.at[k, "hours"])
                note((CauseKind.RESOURCE, r), self._window(sh.resource, r, end) * hours, end)
            for b in self.bom_of.get(m, []):
                per_unit = float(net.bom.at[b, "per_unit"])
                child = int(net.bom.at[b, "child_node"])
                for key, (score, e) in self.trace(child, end).items():
                    note(key, score * per_unit, e)
        for r in self.supply_at.get(node, []):
            end = week - int(net.supply.at[r, "lead"])
            if end < 0:
                continue
            note((CauseKind.SUPPLIER, int(r)), self._window(sh.supplier, r, end), end)
            if sh.domestic > TOL and not net.supply.at[r, "domestic"]:
                value = sh.domestic * float(net.supply.at[r, "price"]) * net.domestic_min
                note((CauseKind.DOMESTIC, 0), value, end)
        for a in self.arcs_in.get(node, []):
            end = week - int(net.arcs.at[a, "lead"])
            if end < 0:
                continue
            lane = int(net.arcs.at[a, "lane_row"])
            note((CauseKind.LANE, lane), self._window(sh.lane, lane, end), end)
            for key, (score, e) in self.trace(int(net.arcs.at[a, "from_node"]), end).items():
                note(key, score, e)
        return found


@dataclass(frozen=True)
class LateDemand:
    """A demand row not delivered in full in its week, and why."""

    demand: str
    item: str
    site: str
    due_week: int
    qty: float
    on_time: float
    late: float
    lost: float
    avg_delay_weeks: float
    priority: int
    cause: Cause


def _binding_weeks(cum: np.ndarray, row: int, end: int) -> tuple[int, ...]:
    weekly = np.diff(cum[row, : end + 1], prepend=0.0)
    return tuple(int(w) for w in np.flatnonzero(weekly > TOL))


def _describe(
    net: Network, key: Key, sh: Shadows, end: int, score: float, label: Callable[[int], str]
) -> Cause:
    kind, row = key
    if kind is CauseKind.DOMESTIC:
        return Cause(
            kind,
            "domestic_content_min",
            (),
            score,
            f"the domestic-content minimum ({net.domestic_min:.0%} of purchase value) "
            "limits buying from foreign suppliers",
        )
    grid = {
        CauseKind.RESOURCE: sh.resource,
        CauseKind.MAKE: sh.make,
        CauseKind.SUPPLIER: sh.supplier,
        CauseKind.LANE: sh.lane,
    }[kind]
    weeks = _binding_weeks(grid, row, end)
    span = f"{label(weeks[0])}..{label(weeks[-1])}" if weeks else "-"
    if kind is CauseKind.RESOURCE:
        r = net.resources.iloc[row]
        ident = f"{r['site']}/{r['resource']}"
        text = f"resource {ident} ({r['kind']}) is fully loaded in {span}"
    elif kind is CauseKind.MAKE:
        m = net.make.iloc[row]
        ident = f"{m['site']}/{m['item']}"
        text = f"make capacity of {m['item']} at {m['site']} (max_per_week) binds in {span}"
    elif kind is CauseKind.SUPPLIER:
        s = net.supply.iloc[row]
        ident = str(s["supplier"])
        text = (
            f"supplier {s['supplier']} capacity for {s['item']} to {s['site']} "
            f"is exhausted in {span}"
        )
    else:
        lane = net.lanes.iloc[row]
        ident = f"{lane['from_site']}>{lane['to_site']}"
        text = f"lane {ident} capacity binds in {span}"
    return Cause(kind, ident, weeks, score, text)


def explain_late(
    net: Network, service: pd.DataFrame, shadows: Shadows, label: Callable[[int], str]
) -> list[LateDemand]:
    """The cause of every demand row not delivered in full in its week."""
    positions = np.flatnonzero(
        service["on_time"].to_numpy(float) < service["qty"].to_numpy(float) - TOL
    )
    if positions.size == 0:
        return []
    ea = earliest_arrival(net)
    tracer = Tracer(net, shadows)
    node_of = net.demand["node"].to_numpy(np.int64)
    out = []
    for pos in positions:
        row = service.iloc[pos]
        node, due = int(node_of[pos]), int(row["week"])
        item, site = str(row["item"]), str(row["site"])
        if not np.isfinite(ea[node]):
            gap = tracer.unsourced(node, ea)
            g_site, g_item = str(net.nodes.at[gap, "site"]), str(net.nodes.at[gap, "item"])
            needed = "" if gap == node else f" (needed for {item} at {site})"
            cause = Cause(
                CauseKind.NO_SOURCE,
                f"{g_site}/{g_item}",
                (),
                0.0,
                f"no make, supply or lane row brings {g_item} to {g_site}{needed}",
            )
        elif due < ea[node]:
            first = int(ea[node])
            cause = Cause(
                CauseKind.LEAD_TIME,
                f"{site}/{item}",
                (first,),
                0.0,
                f"new supply of {item} reaches {site} in {label(first)} at the "
                f"earliest (lead times); stock and receipts fall short before",
            )
        else:
            found = tracer.trace(node, due)
            if found:
                key, (score, end) = max(found.items(), key=lambda kv: (kv[1][0], -kv[0][1]))
                cause = _describe(net, key, shadows, end, score, label)
            else:
                cause = Cause(
                    CauseKind.COST,
                    f"{site}/{item}",
                    (),
                    0.0,
                    "no limit binds upstream: serving it on time would cost more "
                    "than its backlog or lost-sales penalty",
                )
        out.append(
            LateDemand(
                str(row["demand"]),
                item,
                site,
                due,
                float(row["qty"]),
                float(row["on_time"]),
                float(row["late"]),
                float(row["lost"]),
                float(row["avg_delay_weeks"]),
                int(row["priority"]),
                cause,
            )
        )
    return sorted(out, key=lambda d: (d.priority, d.due_week, d.demand))
