"""The line model as plain data: stations, routings and releases.

A :class:`LineSpec` is what one replication simulates. It is built from a scenario by
:func:`rackforge.twin.build.line_from_scenario`, or by hand (tests, benchmarks, what-if
studies). Everything here is immutable and picklable, so it travels to worker processes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import NamedTuple

from rackforge.scenario.schema import HOURS_PER_WEEK as HOURS_PER_WEEK


class TwinError(ValueError):
    """A line that cannot be simulated; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Dist(Enum):
    """Distribution of a step's processing time, given its mean and coefficient of variation."""

    FIXED = "fixed"
    EXPONENTIAL = "exponential"  # cv is 1 by definition; the cv column is ignored
    LOGNORMAL = "lognormal"
    GAMMA = "gamma"


class Availability(Enum):
    """How ``hours_per_week`` (a station's scheduled hours) turns into time.

    ``CALENDAR``: every station is open the first ``hours_per_week / 7`` hours of every day
    (00:00 onwards) and work stops while it is closed (a job in process resumes next
    opening). ``FACTOR``: the station never closes but every processing time is stretched by
    ``168 / hours_per_week``, which keeps the same capacity (Hopp and Spearman, *Factory
    Physics*, 3rd ed., 2008, eq. 8.4: t_e = t_0 / A).
    """

    CALENDAR = "calendar"
    FACTOR = "factor"


class ReleaseKind(Enum):
    """How jobs enter a routing."""

    PLAN = "plan"  # quantities per week, released evenly over each week
    RATE = "rate"  # a fixed rate: one job every 1/rate hours, the first at time 0
    POISSON = "poisson"  # a Poisson stream: exponential gaps with mean 1/rate hours


@dataclass(frozen=True)
class Release:
    """The release of one routing: ``rate_per_h`` for RATE/POISSON, ``weekly`` for PLAN."""

    kind: ReleaseKind
    rate_per_h: float = 0.0
    weekly: tuple[float, ...] = ()  # units released in week 0, 1, ... (PLAN)

    @staticmethod
    def rate(per_hour: float) -> Release:
        return Release(ReleaseKind.RATE, rate_per_h=per_hour)

    @staticmethod
    def poisson(per_hour: float) -> Release:
        return Release(ReleaseKind.POISSON, rate_per_h=per_hour)

    @staticmethod
    def plan(weekly: tuple[float, ...]) -> Release:
        return Release(ReleaseKind.PLAN, weekly=tuple(float(q) for q in weekly))

    def per_week(self) -> float:
        """Mean units released per week over the release's own span."""
        if self.kind is ReleaseKind.PLAN:
            return sum(self.weekly) / len(self.weekly) if self.weekly else 0.0
        return self.rate_per_h * HOURS_PER_WEEK


@dataclass(frozen=True)
class Station:
    """A resource: ``units`` identical parallel servers sharing one FIFO queue.

    ``units=None`` is an unlimited station (a pure delay: every job starts at once), used for
    operations whose resource the scenario does not list. ``mtbf_h``/``mttr_h`` (NaN = never
    fails) give each unit exponential times to failure and to repair, counted in calendar
    time; a failure interrupts the job in process, which resumes after the repair
    (preemptive-resume). ``outages`` are planned down times ``(start_h, end_h, units)``: that
    many of its units are down in ``[start_h, end_h)`` (a dated event of the scenario), on top
    of their breakdowns and with the same preemptive-resume rule.
    """

    name: str
    site: str = ""
    kind: str = "other"
    units: int | None = 1
    hours_per_week: float = HOURS_PER_WEEK
    efficiency: float = 1.0
    mtbf_h: float = math.nan
    mttr_h: float = math.nan
    outages: tuple[tuple[float, float, int], ...] = ()

    @property
    def fails(self) -> bool:
        return math.isfinite(self.mtbf_h) and math.isfinite(self.mttr_h) and self.mttr_h > 0

    @property
    def availability(self) -> float:
        """Long-run share of time a unit is up: MTBF / (MTBF + MTTR)."""
        return self.mtbf_h / (self.mtbf_h + self.mttr_h) if self.fails else 1.0


@dataclass(frozen=True)
class Step:
    """One operation of a routing.

    ``hours`` is the mean processing time per unit; a batch step processes ``batch`` units of
    the same routing and step together in one sampled time of mean ``batch * hours``.
    A unit fails the step with probability ``1 - yield_`` and then goes to step index
    ``rework_to`` (0-based, in this routing) or is scrapped (``-1``). At an inspection step a
    failure is a defect that is caught with the line's detect rate (see
    :attr:`LineSpec.detect_rate`).
    """

    station: int  # index into LineSpec.stations
    hours: float
    dist: Dist = Dist.FIXED
    cv: float = 0.0
    yield_: float = 1.0
    rework_to: int = -1
    batch: int = 1
    inspection: bool = False
    name: str = ""


@dataclass(frozen=True)
class Route:
    """The routing of one item at one site and how its jobs are released."""

    item: str
    steps: tuple[Step, ...]
    release: Release
    site: str = ""

    def success_probability(self) -> float:
        """Chance a released unit is not scrapped (rework loops do not lose units)."""
        p = 1.0
        for step in self.steps:
            if step.rework_to < 0:
                p *= step.yield_
        return p


class Flow(NamedTuple):
    """One of the plan's movements of a part (:attr:`Material.flows`).

    ``qty > 0`` arrives: a purchase, transfer or receipt the plan expects at ``due_h``
    after a lead time of ``lead_h``, drawn lognormal with mean ``lead_h`` and coefficient of
    variation ``cv`` (the arrival moves by the draw). ``qty < 0`` is a planned shipment due
    to leave at ``due_h``; what stock cannot cover waits and leaves as stock comes (a
    backorder). With ``to >= 0`` it is a transfer to part ``to`` of the same line: what
    leaves arrives there after ``lead_h``, drawn as above, so a plant receives what the
    other really shipped. A shipment's quantity is held from ``hold_h`` before it is due:
    kits do not take it meanwhile (:mod:`rackforge.twin.stores`).
    """

    due_h: float
    lead_h: float
    part: int
    qty: float
    cv: float
    to: int = -1
    hold_h: float = 0.0


@dataclass(frozen=True)
class Material:
    """The parts the routings consume and how they come.

    ``parts`` names the stock points (``site/item``), with ``on_hand`` at time 0. A unit
    released into routing ``r`` first takes its kit, ``kits[r]``: ``(part, qty)`` pairs, the
    BOM's children per unit started; units of a routing are kitted in release order (FIFO),
    and one that finds a part short waits, with the units behind it, until enough arrives.
    A routing's good units (escapes included) go into part ``makes[r]`` (-1: none), so
    upstream routings of the same plant feed downstream ones. ``flows`` are the plan's other
    movements (:class:`Flow`; plain tuples of its fields are taken as flows).
    """

    parts: tuple[str, ...]
    on_hand: tuple[float, ...]
    kits: tuple[tuple[tuple[int, float], ...], ...]
    makes: tuple[int, ...]
    flows: tuple[Flow, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "flows", tuple(Flow(*f) for f in self.flows))

    def kits_alone(self, route: int) -> bool:
        """Nothing but routing ``route`` takes its kit's parts (no other kit, no shipment):
        stock taken for a unit before its release time is then seen by no one, so the line
        may kit a block of its releases ahead (rackforge.twin.line)."""
        mine = {p for p, _ in self.kits[route]}
        others = {p for r, kit in enumerate(self.kits) if r != route for p, _ in kit}
        shipped = {f.part for f in self.flows if f.qty < 0}
        return not (mine & others or mine & shipped)

    def problems(self, n_routes: int) -> list[str]:
        out: list[str] = []
        n = len(self.parts)
        if len(self.on_hand) != n or any(not q >= 0 for q in self.on_hand):
            out.append("material: one on-hand quantity >= 0 per part")
        if len(self.kits) != n_routes or len(self.makes) != n_routes:
            out.append("material: one kit and one made part per routing")
        refs = [p for kit in self.kits for p, _ in kit] + [f.part for f in self.flows]
        refs += [p for p in self.makes if p != -1] + [f.to for f in self.flows if f.to != -1]
        if any(not 0 <= p < n for p in refs):
            out.append("material: a part index out of range")
        if any(not q > 0 for kit in self.kits for _, q in kit):
            out.append("material: kit quantities must be > 0")
        if any(not (math.isfinite(f.due_h) and f.lead_h >= 0) for f in self.flows):
            out.append("material: flow times must be finite and lead times >= 0")
        if any(f.to != -1 and f.qty >= 0 for f in self.flows):
            out.append("material: only a shipment (qty < 0) goes to another part")
        if any(not (f.hold_h == 0 or (f.qty < 0 and f.hold_h > 0)) for f in self.flows):
            out.append("material: only a shipment (qty < 0) is held, for hold_h > 0 hours")
        if any(not f.cv >= 0 for f in self.flows):
            out.append("material: lead-time cvs must be >= 0")
        return out


@dataclass(frozen=True)
class LineSpec:
    """Stations and routings simulated together (sites never share a station).

    ``detect_rate`` is the share of defects caught at inspection steps; ``None`` means every
    defect is caught (the routing's yields apply unchanged). ``touch_time_reduction`` maps a
    station kind to the fraction of its processing hours removed by automation.
    """

    stations: tuple[Station, ...]
    routes: tuple[Route, ...]
    availability: Availability = Availability.CALENDAR
    detect_rate: float | None = None
    touch_time_reduction: dict[str, float] = field(default_factory=dict)
    material: Material | None = None  # None: every part is taken as available

    def with_levers(
        self, touch_time_reduction: dict[str, float], detect_rate: float | None
    ) -> LineSpec:
        """A copy with the automation levers set (the original is left untouched)."""
        return replace(
            self, touch_time_reduction=dict(touch_time_reduction), detect_rate=detect_rate
        )

    def sites(self) -> tuple[str, ...]:
        """Sites in order of first appearance among the routes."""
        return tuple(dict.fromkeys(r.site for r in self.routes))

    def work_multiplier(self, station: int) -> float:
        """Factor on a step's sampled hours at ``station``: automation, efficiency and (FACTOR
        mode) the stretch 168 / hours_per_week."""
        st = self.stations[station]
        m = (1.0 - self.touch_time_reduction.get(st.kind, 0.0)) / st.efficiency
        if self.availability is Availability.FACTOR and st.units is not None:
            m *= HOURS_PER_WEEK / st.hours_per_week
        return m

    def daily_open_hours(self, station: int) -> float:
        """Hours a day the station is open in CALENDAR mode; 0.0 means always open."""
        st = self.stations[station]
        if self.availability is Availability.FACTOR or st.units is None:
            return 0.0
        h = st.hours_per_week / 7.0
        return 0.0 if h >= 24.0 else h

    def validate(self) -> None:
        """Raise :class:`TwinError` listing every inconsistency."""
        problems: list[str] = []
        for st in self.stations:
            if st.units is not None and st.units < 1:
                problems.append(f"station {st.site}/{st.name}: units must be >= 1")
            if st.units is not None and not 0.0 < st.hours_per_week <= HOURS_PER_WEEK:
                problems.append(f"station {st.site}/{st.name}: hours_per_week must be in (0, 168]")
            if not 0.0 < st.efficiency <= 1.0:
                problems.append(f"station {st.site}/{st.name}: efficiency must be in (0, 1]")
        for kind, frac in self.touch_time_reduction.items():
            if not 0.0 <= frac < 1.0:
                problems.append(f"touch_time_reduction[{kind}] must be in [0, 1)")
        if self.detect_rate is not None and not 0.0 <= self.detect_rate <= 1.0:
            problems.append("detect_rate must be in [0, 1]")
        for r in self.routes:
            where = f"routing {r.site}/{r.item}"
            if not r.steps:
                problems.append(f"{where}: no steps")
            for i, s in enumerate(r.steps):
                if not 0 <= s.station < len(self.stations):
                    problems.append(f"{where} step {i}: no station {s.station}")
                elif self.stations[s.station].site != r.site:
                    problems.append(f"{where} step {i}: station of another site")
                if s.hours < 0 or s.cv < 0:
                    problems.append(f"{where} step {i}: hours and cv must be >= 0")
                if not 0.0 < s.yield_ <= 1.0:
                    problems.append(f"{where} step {i}: yield must be in (0, 1]")
                if s.rework_to >= len(r.steps) or s.rework_to < -1:
                    problems.append(f"{where} step {i}: rework_to {s.rework_to} is no step")
                if s.batch < 1:
                    problems.append(f"{where} step {i}: batch must be >= 1")
            rel = r.release
            if rel.rate_per_h < 0 or any(q < 0 for q in rel.weekly):
                problems.append(f"{where}: negative release")
        if self.material is not None:
            problems.extend(self.material.problems(len(self.routes)))
        if problems:
            raise TwinError(problems)
