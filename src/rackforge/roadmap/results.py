"""What :func:`rackforge.roadmap.plan_roadmap` returns: small dataclasses with ``to_dict()``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from rackforge.roadmap.model import Precision, WorkloadKind


class Objective(Enum):
    """What the choice of rack generation minimises for each run or fleet."""

    COST = "cost"  # price per rack x racks
    RACKS = "racks"  # number of racks to build
    MW = "mw"  # IT megawatts (facility MW ranks the same: one PUE for the roadmap)


class WorkloadStatus(Enum):
    """How completely a run's or fleet's racks appear in the demand."""

    OK = "ok"
    BEFORE_START = "before_start"  # some deliveries fall before week 0; demanded in week 0
    BEYOND_HORIZON = "beyond_horizon"  # some deliveries fall after the horizon; left out
    GENERATION_NOT_AVAILABLE = "generation_not_available"  # pinned one is not out in time
    NO_GENERATION = "no_generation"  # no generation is out by the first delivery: no demand


class RoadmapStatus(Enum):
    OK = "ok"
    WARNINGS = "warnings"  # at least one workload is not OK; see its status and reason


@dataclass(frozen=True)
class Candidate:
    """One cell of the co-design comparison: a workload served by one generation."""

    workload: str
    generation: str
    gpus: int
    racks: int
    it_mw: float
    facility_mw: float
    cooling_mw: float
    cost: float
    available: bool
    chosen: bool
    reason: str  # why it is not available, or "" when it is

    def to_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "generation": self.generation,
            "gpus": self.gpus,
            "racks": self.racks,
            "it_mw": self.it_mw,
            "facility_mw": self.facility_mw,
            "cooling_mw": self.cooling_mw,
            "cost": self.cost,
            "available": self.available,
            "chosen": self.chosen,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Delivery:
    """Racks of one workload due in one week (``week`` an offset from the scenario start)."""

    week: int
    label: str
    qty: int


@dataclass(frozen=True)
class WorkloadResult:
    """A training run or inference fleet translated to GPUs, racks, power and deliveries.

    ``flops`` is the total model FLOPs of a training run, or the sustained FLOP/s of an
    inference fleet (0 when the fleet states its GPUs). ``deliveries`` are the scheduled
    weeks before clipping to the horizon; ``reason`` explains the generation and the status.
    """

    name: str
    kind: WorkloadKind
    precision: Precision
    flops: float
    generation: str
    gpus: int
    racks: int
    it_mw: float
    facility_mw: float
    cooling_mw: float
    cost: float
    site: str
    customer: str
    start: int
    start_label: str
    deliveries: tuple[Delivery, ...]
    status: WorkloadStatus
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "precision": self.precision.value,
            "flops": self.flops,
            "generation": self.generation,
            "gpus": self.gpus,
            "racks": self.racks,
            "it_mw": self.it_mw,
            "facility_mw": self.facility_mw,
            "cooling_mw": self.cooling_mw,
            "cost": self.cost,
            "site": self.site,
            "customer": self.customer,
            "start": self.start_label,
            "deliveries": [{"week": d.label, "qty": d.qty} for d in self.deliveries],
            "status": self.status.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DemandRow:
    """One row for ``demand.csv``: ``qty`` racks of ``item`` due at ``site`` in ``week``."""

    demand: str
    item: str
    site: str
    week: int
    label: str
    qty: int
    customer: str
    workload: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "demand": self.demand,
            "item": self.item,
            "site": self.site,
            "week": self.label,
            "qty": self.qty,
            "customer": self.customer,
            "workload": self.workload,
        }


@dataclass(frozen=True)
class RoadmapResult:
    """Every workload's translation, the comparison table and the demand rows."""

    status: RoadmapStatus
    objective: Objective
    pue: float
    workloads: tuple[WorkloadResult, ...]
    comparison: tuple[Candidate, ...]
    demand: tuple[DemandRow, ...]

    def racks_by_generation(self) -> dict[str, int]:
        """Total racks per generation item over all workloads (inside and outside the horizon)."""
        totals: dict[str, int] = {}
        for w in self.workloads:
            if w.generation:
                totals[w.generation] = totals.get(w.generation, 0) + w.racks
        return totals

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "objective": self.objective.value,
            "pue": self.pue,
            "runs": [w.to_dict() for w in self.workloads],
            "comparison": [c.to_dict() for c in self.comparison],
            "demand": [d.to_dict() for d in self.demand],
            "racks_by_generation": self.racks_by_generation(),
        }
