"""Confidence intervals over independent replications.

For ``n`` replications with outputs ``X_1 .. X_n`` the 95% interval is
``mean +- t_{n-1, 0.975} * S / sqrt(n)`` with ``S^2`` the sample variance (Student, 1908;
Law, *Simulation Modeling and Analysis*, 5th ed., 2015, eq. 4.12 and the
replication/deletion approach of §9.5.2). Paired differences between two runs that share
their random numbers use the same interval on ``X_i - Y_i`` (Law 2015, §10.2.1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and the half-width of its 95% confidence interval.

    ``ci95`` is NaN when there is only one replication (no spread to estimate) and for
    outputs that are undefined (e.g. the utilisation of an unlimited station).
    """

    mean: float
    ci95: float

    @property
    def low(self) -> float:
        return self.mean - self.ci95

    @property
    def high(self) -> float:
        return self.mean + self.ci95

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, float | None]:
        return {"mean": _num(self.mean), "ci95": _num(self.ci95)}


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def t_quantile(n: int, level: float = 0.95) -> float:
    """``t_{n-1, (1+level)/2}``, the two-sided Student-t quantile for ``n`` observations."""
    from scipy import stats  # here: scipy.stats is slow to import

    return float(stats.t.ppf(0.5 + level / 2.0, n - 1))


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and half-width of the 95% Student-t interval of ``values`` (NaNs are skipped)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return Estimate(math.nan, math.nan)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, math.nan)
    half = t_quantile(n) * float(x.std(ddof=1)) / math.sqrt(n)
    return Estimate(mean, half)


def paired(a: Sequence[float], b: Sequence[float]) -> Estimate:
    """95% interval on the mean of ``b - a`` over paired replications."""
    return estimate((np.asarray(b, dtype=float) - np.asarray(a, dtype=float)).tolist())
