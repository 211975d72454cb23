"""The options of the risk assessment and the stress test, apart from their engines, so that
the command line reads their defaults without importing the solvers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from rackforge.risk.backend import Backend

#: Time to recover of a node without a row in the risk table: the risk table's own default
#: for a blank ``ttr_weeks`` (``rackforge.scenario.schema``), so both gaps read the same.
DEFAULT_TTR_WEEKS = 4.0

#: Scenarios sharing one random stream; chunks are whole numbers of blocks.
BLOCK = 1024


class DurationModel(Enum):
    GEOMETRIC = "geometric"
    FIXED = "fixed"


@dataclass(frozen=True)
class RiskOptions:
    default_ttr_weeks: float = DEFAULT_TTR_WEEKS
    # processes solving node LPs in parallel (1 = in this process, None = one per core)
    workers: int | None = 1
    # the week (offset from the scenario start) every outage begins; TTS counts from it
    start_week: int = 0


@dataclass(frozen=True)
class StressOptions:
    scenarios: int = 10_000
    seed: int = 0
    backend: Backend = Backend.NUMPY
    duration: DurationModel = DurationModel.GEOMETRIC
    # Scenarios per chunk (rounded up to whole blocks). 8192 keeps each float64 state vector at
    # 64 KiB, under glibc's 128 KiB mmap threshold, which Dask workers pin by setting
    # MALLOC_TRIM_THRESHOLD_: larger vectors there cost an mmap and page faults each (8x slower).
    chunk_size: int = 8 * BLOCK
    reroute: bool = True  # order what a disrupted supplier owes from its alternates
    top: int = 10  # contributors reported

    @property
    def blocks_per_chunk(self) -> int:
        return max(1, math.ceil(self.chunk_size / BLOCK))
