"""Random disruptions of the risk table's nodes, week by week.

Each node ``k`` with ``annual_prob λ_k > 0`` and ``ttr_weeks > 0`` is a two-state (up/down)
process in weekly steps:

* ``annual_prob`` is a yearly *rate*: onsets arrive as a Poisson process of ``λ_k`` a year
  while the node is up, so an up week sees one with the weekly hazard
  ``h_k = 1 - exp(-λ_k / 52)`` (the chance of no Poisson arrival in 1/52 of a year). For a
  rare event the rate is the chance of a disruption in a year (``1 - exp(-λ) ≈ λ``);
* a disruption lasts ``D_k`` whole weeks: ``GEOMETRIC`` (default) with ``P(D = d) = (1 - r)^(d-1)
  r``, ``r = 1/TTR`` (mean ``TTR``; the discrete-time, memoryless analogue of an exponential
  repair time) or ``FIXED`` ``D = max(1, round(TTR))``;
* both models share one convention: the week after an outage ends is up, and an onset is drawn
  only in a week that follows an up week. Each model is then an exact Markov chain: up → down
  with ``h``, down → up with ``r`` (geometric), or up → ``D`` down weeks → up (fixed);
* while down the node keeps ``capacity_factor`` of its capacity.

All nodes start up. Draws come from one ``numpy.random.Generator`` per block of
:data:`BLOCK` scenarios, seeded ``SeedSequence(seed, spawn_key=(block,))`` (the ``block``-th
child of ``SeedSequence(seed).spawn``): each block draws the same numbers however the blocks
are grouped into chunks, so the answer depends on the seed only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rackforge.risk.network import FloatArray, IntArray
from rackforge.risk.options import BLOCK as BLOCK
from rackforge.risk.options import DurationModel as DurationModel
from rackforge.scenario.schema import WEEKS_PER_YEAR

BoolArray = NDArray[np.bool_]


def weekly_hazard(annual_rate: FloatArray) -> FloatArray:
    """``h = 1 - exp(-λ/52)``: the chance of an onset in an up week at ``λ`` onsets a year."""
    return -np.expm1(-np.maximum(annual_rate, 0.0) / WEEKS_PER_YEAR)


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
            idle = (self.remaining == 0) & ~self.down  # up last week too: an onset may come
            self.remaining = np.where(idle & onset, self.fixed_len, self.remaining)
            self.down = self.remaining > 0
            self.remaining = np.maximum(self.remaining - 1, 0)
        self.down_weeks += self.down
        self.down_now = np.asarray(self.down.any(axis=0), dtype=bool)
        self.ever_down |= self.down_now
        avail = np.where(self.down, self.profile.factor, 1.0)
        return np.ascontiguousarray(avail.T)
