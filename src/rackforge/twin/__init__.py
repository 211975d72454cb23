"""The factory twin: a fast discrete-event simulation of rack lines.

A small event kernel (:class:`Kernel`) carries the line model (:func:`run_replication`):
stations with parallel units, shift calendars and breakdowns; routings with sampled times,
batches, yields, rework and inspections; releases from a plan, a rate or a Poisson stream.
Replications with independent streams run in parallel and every output comes with a 95%
confidence interval. See ``docs/twin.md``.

Typical use::

    from rackforge import load_scenario
    from rackforge.twin import TwinOptions, simulate_scenario
    result = simulate_scenario(load_scenario("tiny"), TwinOptions(weeks=8, replications=4))
    result.totals.throughput_per_week, result.totals.bottleneck
"""

from typing import TYPE_CHECKING

from rackforge._lazy import lazy_exports

if TYPE_CHECKING:
    from rackforge.scenario.automation import Levers
    from rackforge.twin.api import AutomationComparison, compare_automation, simulate_scenario
    from rackforge.twin.build import line_from_scenario
    from rackforge.twin.calendar import finish_time, open_hours
    from rackforge.twin.kernel import Kernel
    from rackforge.twin.line import run_replication
    from rackforge.twin.options import DEFAULT_WARMUP_SHARE, ReleaseMode, TwinOptions
    from rackforge.twin.releases import level_plan, nominal_capacity, normalize_plan
    from rackforge.twin.repstats import RepStats, TraceRecord
    from rackforge.twin.results import (
        Bottleneck,
        CycleTime,
        ItemResult,
        ResourceResult,
        Totals,
        TwinResult,
        TwinStatus,
    )
    from rackforge.twin.runner import run_replications, simulate
    from rackforge.twin.spec import (
        Availability,
        Dist,
        LineSpec,
        Release,
        ReleaseKind,
        Route,
        Station,
        Step,
        TwinError,
    )
    from rackforge.twin.stats import Estimate, estimate, paired

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "DEFAULT_WARMUP_SHARE",
    "AutomationComparison",
    "Availability",
    "Bottleneck",
    "CycleTime",
    "Dist",
    "Estimate",
    "ItemResult",
    "Kernel",
    "Levers",
    "LineSpec",
    "Release",
    "ReleaseKind",
    "ReleaseMode",
    "RepStats",
    "ResourceResult",
    "Route",
    "Station",
    "Step",
    "Totals",
    "TraceRecord",
    "TwinError",
    "TwinOptions",
    "TwinResult",
    "TwinStatus",
    "compare_automation",
    "estimate",
    "finish_time",
    "level_plan",
    "line_from_scenario",
    "nominal_capacity",
    "normalize_plan",
    "open_hours",
    "paired",
    "run_replication",
    "run_replications",
    "simulate",
    "simulate_scenario",
]
