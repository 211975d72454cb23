"""What the twin returns: small frozen dataclasses with a ``to_dict()`` for JSON."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from rackforge.scenario.schema import HOURS_PER_WEEK
from rackforge.twin.repstats import RepStats, cycle_times, mean_or_nan
from rackforge.twin.stats import Estimate, estimate


class TwinStatus(Enum):
    """``OK``: the line keeps up with its releases. ``OVERLOADED``: work in process grew by
    more than 5% of the releases over the measured window at a resource used over 95%, so
    queues grow without bound and the averages describe a transient, not a steady state."""

    OK = "ok"
    OVERLOADED = "overloaded"


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


@dataclass(frozen=True)
class CycleTime:
    """Release-to-exit hours of completed units: mean over replications (with its interval)
    and percentiles of all completions of all replications pooled."""

    mean: Estimate
    p50: float
    p95: float

    def to_dict(self) -> dict[str, Any]:
        return {**self.mean.to_dict(), "p50": _num(self.p50), "p95": _num(self.p95)}


@dataclass(frozen=True)
class ResourceResult:
    """One station. ``utilization`` is busy unit-hours over scheduled unit-hours (units x open
    hours; breakdowns and efficiency losses count as not busy and as slower work); NaN for an
    unlimited station. ``availability`` is the share of unit-hours not broken down."""

    site: str
    resource: str
    kind: str
    units: int | None
    utilization: Estimate
    availability: Estimate
    mean_queue: Estimate  # units waiting (queue and batch forming), time average
    mean_wait_h: Estimate  # wait per task (unit or batch) that started service

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "resource": self.resource,
            "kind": self.kind,
            "units": self.units,
            "utilization": self.utilization.to_dict(),
            "availability": self.availability.to_dict(),
            "mean_queue": self.mean_queue.to_dict(),
            "mean_wait_h": self.mean_wait_h.to_dict(),
        }


@dataclass(frozen=True)
class ItemResult:
    """One routing (an item at a site). Unit counts are per replication over the window."""

    site: str
    item: str
    released_per_week: Estimate
    throughput_per_week: Estimate
    cycle_time_h: CycleTime
    scrap_units: Estimate
    rework_units: Estimate
    escaped_units: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "item": self.item,
            "released_per_week": self.released_per_week.to_dict(),
            "throughput_per_week": self.throughput_per_week.to_dict(),
            "cycle_time_h": self.cycle_time_h.to_dict(),
            "scrap_units": self.scrap_units.to_dict(),
            "rework_units": self.rework_units.to_dict(),
            "escaped_units": self.escaped_units.to_dict(),
        }


@dataclass(frozen=True)
class Shortage:
    """A part that held units up at kitting (runs with material): units waiting for their
    kit with this part short, as a time average over the window, and units of its planned
    shipments due in the window still owed at its end (per replication)."""

    site: str
    item: str
    units_waiting: Estimate
    shipped_short: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "item": self.item,
            "units_waiting": self.units_waiting.to_dict(),
            "shipped_short": self.shipped_short.to_dict(),
        }


@dataclass(frozen=True)
class Bottleneck:
    """The resource that limits the line, and why."""

    site: str
    resource: str
    utilization: float
    mean_queue: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "resource": self.resource,
            "utilization": _num(self.utilization),
            "mean_queue": _num(self.mean_queue),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Totals:
    """Outputs of a set of routings (a site, or every simulated site)."""

    throughput_per_week: Estimate
    cycle_time_h: CycleTime
    wip_mean: Estimate
    scrap_units: Estimate
    rework_units: Estimate
    escaped_units: Estimate
    bottleneck: Bottleneck | None
    status: TwinStatus

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "throughput_per_week": self.throughput_per_week.to_dict(),
            "cycle_time_h": self.cycle_time_h.to_dict(),
            "wip_mean": self.wip_mean.to_dict(),
            "scrap_units": self.scrap_units.to_dict(),
            "rework_units": self.rework_units.to_dict(),
            "escaped_units": self.escaped_units.to_dict(),
            "bottleneck": None if self.bottleneck is None else self.bottleneck.to_dict(),
        }


@dataclass(frozen=True)
class TwinResult:
    """The result of a twin run: totals, per-site totals, items, resources, run facts.

    ``runs`` keeps each replication's raw measurements (left out of ``to_dict``).
    """

    totals: Totals
    sites: dict[str, Totals]
    items: tuple[ItemResult, ...]
    resources: tuple[ResourceResult, ...]
    weeks: float
    warmup_weeks: float
    replications: int
    seed: int
    events: int
    wall_s: float
    sim_s: float  # CPU seconds of the event loops, summed over replications
    notes: tuple[str, ...] = ()
    runs: tuple[RepStats, ...] = field(default=(), repr=False, compare=False)
    #: parts that held units up, most first (runs with material; empty otherwise)
    shortages: tuple[Shortage, ...] = ()

    @property
    def status(self) -> TwinStatus:
        return self.totals.status

    @property
    def events_per_s(self) -> float:
        """Events per CPU second of the event loops (the speed of one core)."""
        return self.events / self.sim_s if self.sim_s > 0 else math.nan

    def routes_of(self, items: Collection[str], site: str | None = None) -> list[int]:
        """The routings of ``items`` (at ``site``, or every site)."""
        return [r for r, i in enumerate(self.items) if i.item in items and site in (None, i.site)]

    def completed_per_week(self, items: Collection[str], site: str | None = None) -> list[float]:
        """Good units of ``items`` (at ``site``, or every site) completed a week, one value per
        replication (the per-run values behind :meth:`throughput_of`, for paired comparisons)."""
        routes = self.routes_of(items, site)
        return [
            sum(run.route_completed[r] for r in routes) / (run.window_h / HOURS_PER_WEEK)
            for run in self.runs
        ]

    def throughput_of(self, items: Collection[str], site: str | None = None) -> Estimate:
        """Good units of ``items`` completed a week (e.g. racks only, where the totals add
        boards, trays and racks), with its 95% interval over replications."""
        return estimate(self.completed_per_week(items, site))

    def cycle_time_of(self, items: Collection[str], site: str | None = None) -> float:
        """Mean cycle time in hours of the units of ``items`` completed (at ``site``)."""
        return self.cycle_time_estimate(items, site).mean

    def cycle_time_estimate(self, items: Collection[str], site: str | None = None) -> Estimate:
        """Cycle time in hours of the units of ``items`` completed (at ``site``): each
        replication's mean over its completed units, and the 95% interval over replications
        (NaN where none was completed)."""
        pooled = cycle_times(self.runs, self.routes_of(items, site))
        return estimate([mean_or_nan(x) for x in pooled])

    def utilization(self) -> dict[str, float]:
        """Mean utilisation by resource (``site/resource`` when several sites were run)."""
        many = len(self.sites) > 1
        return {
            (f"{r.site}/{r.resource}" if many else r.resource): r.utilization.mean
            for r in self.resources
            if r.units is not None
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.totals.to_dict(),
            "utilization": {k: _num(v) for k, v in self.utilization().items()},
            "events": self.events,
            "events_per_s": _num(self.events_per_s),
            "wall_s": self.wall_s,
            "replications": self.replications,
            "weeks": self.weeks,
            "warmup_weeks": self.warmup_weeks,
            "seed": self.seed,
            "sites": {name: t.to_dict() for name, t in self.sites.items()},
            "items": [i.to_dict() for i in self.items],
            "resources": [r.to_dict() for r in self.resources],
            "notes": list(self.notes),
            "shortages": [x.to_dict() for x in self.shortages],
        }
