"""Executing one week of a plan against what really happens.

The plan's flows of the week are carried out in this order, each capped by what the week
allows, and every unit short is booked to the cause behind it:

1. *arrivals* due this week (purchases, transfers, production completing its lead time and
   the scenario's open receipts) go into stock;
2. *purchases*, up to the supplier's capacity under an outage, ordered with the supplier's
   real lead time (a plan made with a safety lead time expects them later);
3. *production starts*, level by level of the BOM (a zero-lead assembly feeds its parent the
   same week, as in the planner's stock balance), up to the hours the plant's resources
   really have this week (the plan's available hours times this week's breakdown draw, times
   the plant's outage share), its ``max_per_week`` under an outage, and the kits its BOM
   children allow (children short at a plant are shared in proportion to what each start
   needs); children are issued at the planner's ``per_unit`` (scrap and routing yield
   included); the good units out of the routing are drawn around the planned quantity with
   the binomial's variance ``n g (1 - g)`` (``n`` started, ``g`` the routing's good fraction;
   normal approximation, De Moivre-Laplace) and complete after the make row's lead time;
4. *transfers*, up to the stock at the origin and the lane's capacity under an outage;
5. *deliveries*, up to the stock of the rack at its site.

Under an outage a row keeps ``capacity_factor`` of its capacity, as the risk engine reads it
(:mod:`rackforge.risk.baseline`): a plant keeps that share of its resources' hours and of
its make limits where they are set, production with no limit of its own is limited only by
those hours (or stopped); a supplier or lane keeps that share of each capacity it states,
else of its peak weekly flow in the plan executed (its nominal capacity;
:func:`rackforge.execute.rules.with_nominal`). Supply and lane lead times are drawn lognormal
with the table's lead time as mean and the row's cv
(:func:`rackforge.scenario.derived.lead_time_cvs`, or ``--lead-time-cv`` for every row),
rounded to whole weeks (at least one week where the table says one or more).
What could not be done (a start, a transfer, a delivery) is tried again the next week, on
top of that week's plan, until a new plan is in force; what a supplier could not ship is
not (the next plan orders again).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from rackforge.execute.rules import Node, Rules, breakdown_share, lane_cap, lane_cv
from rackforge.plan.tables import PlanTables
from rackforge.twin.sampling import lognormal_params

TOL = 1e-6
#: a row of a plan table (a pandas named tuple) or a carried copy of one (a namespace)
Row = Any
PLANNED_LATE = "planned late"  # no shortfall behind it: the plan in force delivers it late


@dataclass
class Arrival:
    site: str
    item: str
    week: int  # absolute week (offset from the executed scenario's first week)
    qty: float
    source: str  # po, transfer or wip (the receipts table's sources)


@dataclass
class State:
    """Where things stand at the start of ``week`` (absolute), and what happened so far."""

    week: int
    stock: dict[Node, float]
    pipeline: list[Arrival]
    open: dict[str, float]  # demand id -> units still to deliver
    down: dict[str, float] = field(default_factory=dict)  # risk target -> capacity share


@dataclass
class Ledger:
    """What one replication did, week by week (absolute weeks); ``short`` counts the units
    short or late of every flow by the cause behind them."""

    weeks: int
    made: np.ndarray = field(init=False)  # rack units completed
    delivered: np.ndarray = field(init=False)  # rack units delivered
    late: np.ndarray = field(init=False)  # rack units past due, still owed at the week's end
    on_time: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cause: dict[str, str] = field(default_factory=dict)  # demand -> first cut's cause
    node_cause: dict[Node, str] = field(default_factory=dict)  # last cause of a short inflow
    short: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # cause -> units

    def __post_init__(self) -> None:
        self.made = np.zeros(self.weeks)
        self.delivered = np.zeros(self.weeks)
        self.late = np.zeros(self.weeks)


def _by_week(frame: pd.DataFrame) -> dict[int, list[Row]]:
    out: dict[int, list[Row]] = defaultdict(list)
    for row in frame.itertuples(index=False):
        out[int(row.week)].append(row)
    return out


@dataclass
class PlanWeeks:
    """A plan's flows grouped by its own week, and its available hours per resource-week."""

    production: dict[int, list[Row]]
    purchases: dict[int, list[Row]]
    transfers: dict[int, list[Row]]
    deliveries: dict[int, list[Row]]
    hours_used: dict[tuple[int, str, str], float]
    hours_available: dict[tuple[int, str, str], float]

    @classmethod
    def of(cls, tables: PlanTables) -> PlanWeeks:
        util = tables.utilization
        keys = list(zip(util["week"], util["site"], util["resource"], strict=True))
        return cls(
            production=_by_week(tables.production),
            purchases=_by_week(tables.purchases),
            transfers=_by_week(tables.transfers),
            deliveries=_by_week(tables.deliveries),
            hours_used=dict(zip(keys, util["hours_used"].to_numpy(float), strict=True)),
            hours_available=dict(zip(keys, util["hours_available"].to_numpy(float), strict=True)),
        )


@dataclass
class Draws:
    """The random side of the execution; ``rng`` None draws nothing (the plan as planned)."""

    rng: np.random.Generator | None
    lead_time_cv: float | None  # every row's; None: each row's own (Rules.supply_cv, lane_cv)
    breakdowns: bool
    yields: bool

    def lead(self, weeks: int, row_cv: float) -> int:
        cv = row_cv if self.lead_time_cv is None else self.lead_time_cv
        if self.rng is None or cv <= 0 or weeks <= 0:
            return weeks
        drawn = weeks * self.rng.lognormal(*lognormal_params(1.0, cv))
        return max(1, round(drawn))

    def good(self, started: float, fraction: float) -> float:
        if self.rng is None or not self.yields or fraction >= 1.0 or started <= 0:
            return started
        sd = math.sqrt(started * (1.0 - fraction))
        return float(min(max(started + sd * self.rng.standard_normal(), 0.0), started / fraction))

    def up_time(self, rules: Rules) -> np.ndarray:
        if self.rng is None or not self.breakdowns:
            return np.ones(len(rules.resources))
        return breakdown_share(rules, self.rng)


class WeekExecutor:
    """Carries out a plan's weeks on a :class:`State` (module docstring)."""

    def __init__(
        self,
        rules: Rules,
        draws: Draws,
        ledger: Ledger,
        demands: dict[str, tuple[str, str, int]],
    ) -> None:
        self.rules = rules
        self.draws = draws
        self.ledger = ledger
        self.demands = demands  # demand id -> (site, item, due week, absolute)
        self.due = {d: w for d, (_, _, w) in demands.items()}
        self.rack_demands = frozenset(d for d, (_, i, _) in demands.items() if i in rules.racks)
        res = rules.resources
        self.res_keys = list(zip(res["site"].astype(str), res["resource"].astype(str), strict=True))
        self.carried: dict[str, list[Row]] = {}  # flows not done, tried again next week
        self.new_plan()

    def new_plan(self) -> None:
        """A new plan is in force: it has re-planned whatever was carried."""
        self.carried = {"production": [], "transfers": [], "deliveries": []}

    def _carry(self, kind: str, row: Row, qty: float) -> None:
        """``qty`` of ``row`` not done this week: tried again the next."""
        if qty > TOL:
            fields = row._asdict() if hasattr(row, "_asdict") else vars(row)
            self.carried[kind].append(SimpleNamespace(**{**fields, "qty": qty}))

    # -- helpers -------------------------------------------------------------------------
    def _share(self, state: State, target: str) -> float:
        return state.down.get(target, 1.0)

    def _short(self, node: Node, cause: str, units: float) -> None:
        if units > TOL:
            self.ledger.node_cause[node] = cause
            self.ledger.short[cause] += units

    def _stock_cause(self, node: Node) -> str:
        return self.ledger.node_cause.get(node, f"stock of {node[1]} at {node[0]}")

    @staticmethod
    def _outage_cap(planned: float, capacity: float, share: float, nominal: float) -> float:
        """What a row of ``capacity`` (``nominal`` where unlimited: ``inf`` for a plant's
        make row, whose outage its resources' hours carry) can do at ``share``."""
        if share >= 1.0:
            return planned
        if share <= 0.0:
            return 0.0
        base = capacity if math.isfinite(capacity) else nominal
        return min(planned, share * max(base, planned))

    # -- the week ------------------------------------------------------------------------
    def run(self, state: State, plan: PlanWeeks, plan_week: int) -> None:
        """Execute plan week ``plan_week`` as absolute week ``state.week``; advance the state."""
        week = state.week
        carried, self.carried = self.carried, {k: [] for k in self.carried}
        self._arrive(state, week)
        self._buy(state, plan.purchases.get(plan_week, []), week)
        rows = plan.production.get(plan_week, []) + carried["production"]
        if rows:
            scale_of = self._resource_scale(state, plan, plan_week, carried["production"])
            level = self.rules.level
            for lv in sorted({level.get(str(r.item), 0) for r in rows}):
                batch = [r for r in rows if level.get(str(r.item), 0) == lv]
                self._produce(state, batch, scale_of, week)
        self._ship(state, plan.transfers.get(plan_week, []) + carried["transfers"], week)
        self._deliver(state, plan.deliveries.get(plan_week, []) + carried["deliveries"], week)
        self._book_late(state, week)
        if week < self.ledger.weeks:
            self.ledger.late[week] = sum(
                q
                for d, q in state.open.items()
                if self.due[d] <= week and q > TOL and d in self.rack_demands
            )
        state.week = week + 1

    def _book_late(self, state: State, week: int) -> None:
        """A row still owed at the end of its due week is late: why (the first cut of its
        delivery, else the last shortfall into its stock, else the plans in force)."""
        for d, (site, item, due) in self.demands.items():
            if due == week and state.open.get(d, 0.0) > TOL and d not in self.ledger.cause:
                self.ledger.cause[d] = self.ledger.node_cause.get((site, item), self._replanned())

    def _replanned(self) -> str:
        """Why a plan in force delivers a row late with no cut of its own: the largest
        shortfall so far, which the re-plans could not make up (or the first plan's own)."""
        if not self.ledger.short:
            return PLANNED_LATE
        top = max(self.ledger.short.items(), key=lambda kv: kv[1])[0]
        return f"re-planned late after shortfalls, most from {top}"

    def _arrive(self, state: State, week: int) -> None:
        """What the pipeline holds for ``week`` goes into stock."""
        due = [a for a in state.pipeline if a.week == week]
        state.pipeline = [a for a in state.pipeline if a.week != week]
        for a in due:
            self._receive(state, a)

    def _receive(self, state: State, arrival: Arrival) -> None:
        node = (arrival.site, arrival.item)
        state.stock[node] = state.stock.get(node, 0.0) + arrival.qty
        made = arrival.source == "wip" and arrival.item in self.rules.racks
        if made and arrival.week < self.ledger.weeks:
            self.ledger.made[arrival.week] += arrival.qty

    def _deliver(self, state: State, rows: list[Row], week: int) -> None:
        for r in rows:
            node = (str(r.site), str(r.item))
            want = min(float(r.qty), state.open.get(r.demand, 0.0))
            give = min(want, max(state.stock.get(node, 0.0), 0.0))
            if give > 0:
                state.stock[node] -= give
                state.open[r.demand] -= give
                if week <= self.due[r.demand]:
                    self.ledger.on_time[r.demand] += give
                if r.item in self.rules.racks and week < self.ledger.weeks:
                    self.ledger.delivered[week] += give
            if want - give > TOL:
                self._carry("deliveries", r, want - give)
                if r.demand not in self.ledger.cause:
                    self.ledger.cause[r.demand] = self._stock_cause(node)

    def _resource_scale(
        self, state: State, plan: PlanWeeks, plan_week: int, carried: list[Row]
    ) -> dict[tuple[str, str], tuple[float, str]]:
        """(share of its load each resource can carry this week, the reason); the load is the
        plan's and that of the starts carried from last week."""
        up = self.draws.up_time(self.rules)
        extra: dict[tuple[str, str], float] = defaultdict(float)
        for r in carried:
            for res, hours in self.rules.routing.get((str(r.site), str(r.item)), ()):
                extra[(str(r.site), res)] += float(r.qty) * hours
        out = {}
        for (site, res), share in zip(self.res_keys, up, strict=True):
            used = plan.hours_used.get((plan_week, site, res), 0.0) + extra[(site, res)]
            if used <= TOL:
                continue
            site_share = self._share(state, site)
            have = plan.hours_available.get((plan_week, site, res), 0.0) * share * site_share
            scale = min(1.0, have / used)
            why = f"{site} outage" if site_share < share else f"{site}/{res} breakdowns"
            out[(site, res)] = (scale, why)
        return out

    def _produce(
        self,
        state: State,
        rows: list[Row],
        scale_of: dict[tuple[str, str], tuple[float, str]],
        week: int,
    ) -> None:
        """Starts of one BOM level (a level's zero-lead output feeds the next one up)."""
        starts = []
        for r in rows:
            node = (str(r.site), str(r.item))
            planned = float(r.qty)
            scale, why = 1.0, ""
            for res, _ in self.rules.routing.get(node, ()):
                s, reason = scale_of.get((node[0], res), (1.0, ""))
                if s < scale:
                    scale, why = s, reason
            cap = self._outage_cap(
                planned,
                self.rules.make_cap.get(node, math.inf),
                self._share(state, node[0]),
                math.inf,
            )
            if cap < planned * scale:
                scale, why = cap / planned, f"{node[0]} outage"
            starts.append((r, node, planned, planned * scale, why))
        # children short at a plant are shared in proportion to what each start needs
        need: dict[Node, float] = defaultdict(float)
        for _, node, _, qty, _ in starts:
            for child, per in self.rules.bom.get(node, {}).items():
                need[(node[0], child)] += qty * per
        ratio = {
            c: min(1.0, max(state.stock.get(c, 0.0), 0.0) / n) for c, n in need.items() if n > 0
        }
        for r, node, planned, qty, why in starts:
            kit, short_child = 1.0, None
            for child in self.rules.bom.get(node, {}):
                k = ratio.get((node[0], child), 1.0)
                if k < kit:
                    kit, short_child = k, (node[0], child)
            started = qty * kit
            for child, per in self.rules.bom.get(node, {}).items():
                c = (node[0], child)
                state.stock[c] = state.stock.get(c, 0.0) - started * per
            good = self.draws.good(started, self.rules.good_fraction.get(node, 1.0))
            if short_child is not None and qty - started > TOL:
                self._short(node, self._stock_cause(short_child), qty - started)
            self._short(node, why, planned - qty)
            self._carry("production", r, planned - started)
            self._short(node, f"yield of {node[1]} at {node[0]}", started - good)
            if good > 0:
                lead = int(r.available_week) - int(r.week)
                self._put(state, Arrival(node[0], node[1], week + lead, good, "wip"))

    def _ship(self, state: State, rows: list[Row], week: int) -> None:
        for r in rows:
            origin, dest = (str(r.from_site), str(r.item)), (str(r.to_site), str(r.item))
            planned = float(r.qty)
            lane = f"{r.from_site}>{r.to_site}"
            cap = self._outage_cap(
                planned,
                lane_cap(self.rules, str(r.from_site), str(r.to_site), str(r.item)),
                self._share(state, lane),
                self.rules.lane_nominal.get(
                    (str(r.from_site), str(r.to_site), str(r.item)), planned
                ),
            )
            qty = min(cap, max(state.stock.get(origin, 0.0), 0.0))
            self._carry("transfers", r, planned - qty)
            if qty < cap - TOL:
                self._short(dest, self._stock_cause(origin), cap - qty)
            self._short(dest, f"lane {lane} outage", planned - cap)
            if qty <= 0:
                continue
            state.stock[origin] -= qty
            cv = lane_cv(self.rules, str(r.from_site), str(r.to_site), str(r.item))
            self._send(
                state,
                dest,
                week,
                (int(r.arrival_week) - int(r.week), cv),
                qty,
                "transfer",
                f"late transfer on {lane}",
            )

    def _buy(self, state: State, rows: list[Row], week: int) -> None:
        for r in rows:
            node = (str(r.site), str(r.item))
            planned = float(r.qty)
            key = (str(r.supplier), str(r.item), str(r.site))
            cap = self._outage_cap(
                planned,
                self.rules.supply_cap.get(key, math.inf),
                self._share(state, key[0]),
                self.rules.supply_nominal.get(key, planned),
            )
            self._short(node, f"{r.supplier} outage", planned - cap)
            if cap > 0:
                # the supplier's real lead time: a plan made with a safety lead time expects
                # the order later than it comes
                lead = self.rules.supply_lead.get(key, int(r.arrival_week) - int(r.week))
                cv = self.rules.supply_cv.get(key, 0.0)
                late = f"late delivery from {r.supplier}"
                self._send(state, node, week, (lead, cv), cap, "po", late)

    def _send(
        self,
        state: State,
        node: Node,
        week: int,
        lead: tuple[int, float],
        qty: float,
        source: str,
        late: str,
    ) -> None:
        """``qty`` under way to ``node`` after ``lead`` (weeks, and its cv), drawn."""
        drawn = self.draws.lead(*lead)
        lead_weeks = lead[0]
        if drawn > lead_weeks:
            self._short(node, late, qty)
        self._put(state, Arrival(node[0], node[1], week + drawn, qty, source))

    def _put(self, state: State, arrival: Arrival) -> None:
        """Under way, or into stock at once when it arrives this week (a zero lead time)."""
        if arrival.week > state.week:
            state.pipeline.append(arrival)
        else:
            self._receive(state, arrival)
