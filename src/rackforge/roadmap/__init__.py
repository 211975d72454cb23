"""From an AI model roadmap to rack demand.

Training runs (C = 6 N D FLOPs) and inference fleets (2 N FLOPs per token) are translated to
GPUs, whole racks of each rack generation, IT and facility megawatts and cost; a generation is
chosen per workload by an :class:`Objective`; the racks become weekly demand rows that can be
written into a scenario's ``demand.csv``.

    >>> from rackforge.scenario import load_scenario
    >>> from rackforge.roadmap import plan_roadmap
    >>> result = plan_roadmap(load_scenario("us-ai-racks"))  # doctest: +SKIP
"""

from typing import TYPE_CHECKING

from rackforge._lazy import lazy_exports

if TYPE_CHECKING:
    from rackforge.roadmap.compute import (
        facility_mw,
        gpu_seconds,
        inference_flops_per_token,
        inference_gpus,
        it_mw,
        rack_cost,
        racks_needed,
        training_flops,
        training_gpus,
    )
    from rackforge.roadmap.model import (
        Generation,
        InferenceFleet,
        Precision,
        Roadmap,
        TrainingRun,
        WorkloadKind,
    )
    from rackforge.roadmap.parse import parse_roadmap, scenario_roadmap
    from rackforge.roadmap.plan import DEMAND_PREFIX, RoadmapOptions, choose, plan_roadmap, spread
    from rackforge.roadmap.results import (
        Candidate,
        Delivery,
        DemandRow,
        Objective,
        RoadmapResult,
        RoadmapStatus,
        WorkloadResult,
        WorkloadStatus,
    )
    from rackforge.roadmap.writeback import (
        DemandWrite,
        DemandWriteError,
        demand_frame,
        is_bundled,
        with_roadmap_demand,
        write_demand,
    )

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "DEMAND_PREFIX",
    "Candidate",
    "Delivery",
    "DemandRow",
    "DemandWrite",
    "DemandWriteError",
    "Generation",
    "InferenceFleet",
    "Objective",
    "Precision",
    "Roadmap",
    "RoadmapOptions",
    "RoadmapResult",
    "RoadmapStatus",
    "TrainingRun",
    "WorkloadKind",
    "WorkloadResult",
    "WorkloadStatus",
    "choose",
    "demand_frame",
    "facility_mw",
    "gpu_seconds",
    "inference_flops_per_token",
    "inference_gpus",
    "is_bundled",
    "it_mw",
    "parse_roadmap",
    "plan_roadmap",
    "rack_cost",
    "racks_needed",
    "scenario_roadmap",
    "spread",
    "training_flops",
    "training_gpus",
    "with_roadmap_demand",
    "write_demand",
]
