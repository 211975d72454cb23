"""Random disruptions of the risk table's nodes, week by week.

Each node ``k`` with ``annual_prob p_k > 0`` and ``ttr_weeks > 0`` is a two-state (up/down)
process in weekly steps:

* an up node goes down in a week with the constant weekly hazard
  ``h_k = 1 - (1 - p_k) ** (1/52)``, so that an always-up node sees at least one onset in a year
  with probability ``p_k`` (the Bernoulli-process form of a constant hazard);
* a disruption lasts ``D_k`` whole weeks: ``GEOMETRIC`` (default) with ``P(D = d) = (1 - r)^(d-1)
  r``, ``r = 1/TTR`` (mean ``TTR``; the discrete-time, memoryless analogue of an exponential
  repair time, so the process is a two-state Markov chain) or ``FIXED`` ``D = max(1,
  round(TTR))``;
* while down the node keeps ``capacity_factor`` of its capacity.

All nodes start up. Draws come from one ``numpy.random.Generator`` per block of
:data:`BLOCK` scenarios, seeded ``SeedSequence(seed, spawn_key=(block,))`` (the ``block``-th
child of ``SeedSequence(seed).spawn``): each block draws the same numbers however the blocks
are grouped into chunks, so the answer depends on the seed only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import NDArray

from rackforge.risk.network import FloatArray, IntArray
from rackforge.scenario.derived import WEEKS_PER_YEAR

BoolArray = NDArray[np.bool_]

#: Scenarios sharing one random stream; chunks are whole numbers of blocks.
BLOCK = 1024


class DurationModel(Enum):
    GEOMETRIC = "geometric"
    FIXED = "fixed"


def weekly_hazard(annual_prob: FloatArray) -> FloatArray:
    """``h = 1 - (1 - p)^(1/52)``: the weekly onset probability of an annual probability."""
    return 1.0 - np.power(1.0 - np.clip(annual_prob, 0.0, 1.0), 1.0 / WEEKS_PER_YEAR)


@dataclass(frozen=True)
class RiskProfile:
    """The disruptable nodes: weekly hazard, mean duration (weeks) and capacity left."""

    hazard: FloatArray  # (K,)
    ttr_weeks: FloatArray  # (K,)
    factor: FloatArray  # (K,)

    @property
    def n_nodes(self) -> int:
        return len(self.hazard)


def block_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


class DisruptionSampler:
    """Draws the down/up state of every node, one week at a time, for a range of blocks."""

    def __init__(
        self,
        profile: RiskProfile,
        seed: int,
        blocks: range,
        n_scenarios: int,
        duration: DurationModel,
    ) -> None:
        self.profile = profile
        self.duration = duration
        self.rngs = [block_rng(seed, b) for b in blocks]
        self.sizes = [min(BLOCK, n_scenarios - b * BLOCK) for b in blocks]
        n, k = sum(self.sizes), profile.n_nodes
        self.n = n
        self.down = np.zeros((n, k), dtype=bool)
        self.remaining: IntArray = np.zeros((n, k), dtype=np.int64)
        self.down_weeks = np.zeros((n, k))
        self.down_now: BoolArray = np.zeros(k, dtype=bool)  # down this week in some scenario
        self.ever_down: BoolArray = np.zeros(k, dtype=bool)  # down so far in some scenario
        self.fixed_len = np.maximum(np.rint(profile.ttr_weeks), 1).astype(np.int64)
        self.recover = 1.0 / np.maximum(profile.ttr_weeks, 1.0)

    def _uniforms(self) -> FloatArray:
        k = self.profile.n_nodes
        return (
            np.concatenate(
                [rng.random((size, 2, k)) for rng, size in zip(self.rngs, self.sizes, strict=True)]
            )
            if self.sizes
            else np.zeros((0, 2, k))
        )

    def step(self) -> FloatArray:
        """Advance one week; the capacity share of every node, shape ``(K, n)``."""
        u = self._uniforms()
        start, stay = u[:, 0, :], u[:, 1, :]
        onset = start < self.profile.hazard
        if self.duration is DurationModel.GEOMETRIC:
            self.down = np.where(self.down, stay >= self.recover, onset)
        else:
            idle = self.remaining == 0
            self.remaining = np.where(idle & onset, self.fixed_len, self.remaining)
            self.down = self.remaining > 0
            self.remaining = np.maximum(self.remaining - 1, 0)
        self.down_weeks += self.down
        self.down_now = np.asarray(self.down.any(axis=0), dtype=bool)
        self.ever_down |= self.down_now
        avail = np.where(self.down, self.profile.factor, 1.0)
        return np.ascontiguousarray(avail.T)
