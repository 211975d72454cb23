"""The parsed ``roadmap.yaml``: rack generations, training runs and inference fleets.

Weeks are integer offsets from the scenario's ``start`` (0 = first week), as in the scenario
tables; they may lie before the start or after the horizon (a roadmap looks further ahead than
a production plan). Build a :class:`Roadmap` with :func:`rackforge.roadmap.parse_roadmap`, which
validates every field and reports all problems at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Precision(Enum):
    """Number format of the matrix arithmetic; selects the dense peak of a GPU."""

    TF32 = "tf32"
    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"
    FP6 = "fp6"
    FP4 = "fp4"
    INT8 = "int8"


class WorkloadKind(Enum):
    """What a roadmap entry is: a training run (fixed FLOPs in fixed time) or an inference
    fleet (a sustained rate of tokens, or a stated number of GPUs)."""

    TRAINING = "training"
    INFERENCE = "inference"


@dataclass(frozen=True)
class Generation:
    """A rack generation that can serve the workloads.

    ``item`` is an item of kind ``rack`` in the scenario. ``pflops_per_gpu`` is the dense peak
    per GPU in PFLOP/s by precision. ``price`` is per rack (default: the item's ``unit_value``).
    ``cooling_kw`` is the heat per rack the liquid loop must remove (default ``rack_kw``).
    """

    item: str
    gpus: int
    pflops_per_gpu: dict[Precision, float]
    rack_kw: float
    available: int | None  # first week it can be delivered; None = always
    price: float
    cooling_kw: float
    name: str = ""

    def peak_flops(self, precision: Precision) -> float | None:
        """Dense peak of one GPU in FLOP/s at ``precision``; None if the rack lacks it."""
        pflops = self.pflops_per_gpu.get(precision)
        return None if pflops is None else pflops * 1e15


@dataclass(frozen=True)
class TrainingRun:
    """One training run: ``flops`` of model arithmetic in ``days`` of wall time from ``start``.

    Racks are delivered over ``delivery_weeks`` weeks ending ``lead_weeks`` before ``start``.
    ``generation`` pins a rack generation (None: chosen by the objective). ``site`` and
    ``customer`` say where and for whom the racks are demanded.
    """

    name: str
    flops: float
    precision: Precision
    mfu: float
    goodput: float
    start: int
    days: float
    lead_weeks: int
    delivery_weeks: int
    site: str
    customer: str
    generation: str | None = None
    params: float | None = None
    tokens: float | None = None


@dataclass(frozen=True)
class InferenceFleet:
    """An inference fleet that serves from ``start`` and reaches full size after
    ``ramp_weeks`` weeks; each week's racks arrive ``lead_weeks`` before that week.

    Its size is either ``gpus`` (stated) or derived from ``tokens_per_s`` of a model with
    ``params`` active parameters at ``mfu`` of the dense peak at ``precision``.
    """

    name: str
    precision: Precision
    start: int
    ramp_weeks: int
    lead_weeks: int
    site: str
    customer: str
    gpus: int | None = None
    tokens_per_s: float | None = None
    params: float | None = None
    mfu: float | None = None
    generation: str | None = None


@dataclass(frozen=True)
class Roadmap:
    """The whole roadmap: generations that can serve, runs and fleets to serve, and the PUE."""

    pue: float
    generations: tuple[Generation, ...]
    runs: tuple[TrainingRun, ...] = ()
    fleets: tuple[InferenceFleet, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)  # ``x_`` annotations, kept as given

    def generation(self, item: str) -> Generation:
        for gen in self.generations:
            if gen.item == item:
                return gen
        raise KeyError(f"no generation {item!r} in the roadmap")
