"""Random streams for the event loop: numpy draws in blocks, handed out one float at a time.

Drawing one scalar from numpy costs about a microsecond; drawing a block of 1,024 and
iterating over it as a Python list (an ``itertools.chain`` of blocks, so that ``next`` stays
in C) costs a few tens of nanoseconds a value. Each stream owns
its generator, so a stream's values depend only on its seed and not on what other streams
drew (common random numbers across what-if runs with the same structure).

Parameterisations by mean ``m`` and coefficient of variation ``c``:

* lognormal: ``sigma^2 = ln(1 + c^2)``, ``mu = ln m - sigma^2 / 2`` (Law, *Simulation
  Modeling and Analysis*, 5th ed., 2015, Table 6.3: mean exp(mu + sigma^2/2),
  variance exp(2 mu + sigma^2)(exp(sigma^2) - 1));
* gamma: shape ``k = 1 / c^2``, scale ``theta = m c^2`` (mean k theta, variance k theta^2);
* exponential: mean ``m`` (c = 1 whatever the cv column says).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt

from rackforge.twin.spec import HOURS_PER_WEEK, Dist

BLOCK = 1024
#: Below this coefficient of variation a lognormal or gamma time is taken as fixed (a gamma
#: shape of 1 / cv^2 would overflow).
MIN_CV = 1e-6

Draw = Callable[[int], npt.NDArray[np.float64]]


def _blocks(draw: Draw, block: int) -> Iterator[float]:
    # chain(list, list, ...) hands out values from C; Python runs once a block.
    return itertools.chain.from_iterable(
        map(lambda _: draw(block).tolist(), itertools.repeat(None))
    )


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """``(mu, sigma)`` of the lognormal with this mean and coefficient of variation (module
    docstring; Law 2015, Table 6.3)."""
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def service_stream(
    rng: np.random.Generator, dist: Dist, mean: float, cv: float, block: int = BLOCK
) -> Iterator[float]:
    """An endless stream of processing times with the given mean and cv."""
    if mean <= 0.0:
        return itertools.repeat(0.0)
    if dist is Dist.EXPONENTIAL:
        return _blocks(lambda n: rng.exponential(mean, n), block)
    if dist is Dist.FIXED or cv < MIN_CV:
        return itertools.repeat(float(mean))
    if dist is Dist.LOGNORMAL:
        mu, sigma = lognormal_params(mean, cv)
        return _blocks(lambda n: rng.lognormal(mu, sigma, n), block)
    if dist is Dist.GAMMA:
        shape = 1.0 / (cv * cv)
        scale = mean * cv * cv
        return _blocks(lambda n: rng.gamma(shape, scale, n), block)
    raise ValueError(f"unknown distribution {dist}")  # pragma: no cover - Enum is closed


def exponential_stream(
    rng: np.random.Generator, mean: float, block: int = BLOCK
) -> Iterator[float]:
    """Exponential gaps of the given mean (Poisson arrivals, failures, repairs)."""
    return _blocks(lambda n: rng.exponential(mean, n), block)


def uniform_stream(rng: np.random.Generator, block: int = BLOCK) -> Iterator[float]:
    """Uniform numbers on [0, 1) for yield and inspection draws."""
    return _blocks(lambda n: rng.random(n), block)


def plan_times(weekly: tuple[float, ...], week_h: float = HOURS_PER_WEEK) -> Iterator[float]:
    """Release times of a weekly plan: the units of week ``w`` evenly spread over that week.

    Fractional plan quantities are rounded so that the cumulative release never drifts from
    the cumulative plan by half a unit or more (largest-remainder rounding of the running
    total); unit ``i`` of the ``n`` in week ``w`` is released at ``w * 168 + (i + 0.5) * 168 / n``.
    """
    cum = 0.0
    released = 0
    for w, q in enumerate(weekly):
        cum += q
        n = math.floor(cum + 0.5) - released
        if n <= 0:
            continue
        released += n
        gap = week_h / n
        base = w * week_h
        for i in range(n):
            yield base + (i + 0.5) * gap


def rate_times(rate_per_h: float) -> Iterator[float]:
    """A fixed-rate release: times 0, 1/rate, 2/rate, ..."""
    if rate_per_h <= 0.0:
        return iter(())
    gap = 1.0 / rate_per_h
    return (i * gap for i in itertools.count())


def poisson_times(rng: np.random.Generator, rate_per_h: float) -> Iterator[float]:
    """Arrival times of a Poisson process of the given rate (exponential gaps)."""
    if rate_per_h <= 0.0:
        return iter(())
    return itertools.accumulate(exponential_stream(rng, 1.0 / rate_per_h))
