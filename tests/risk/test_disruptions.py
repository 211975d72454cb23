"""The disruption process against its closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from rackforge.risk import BLOCK, DisruptionSampler, DurationModel, weekly_hazard
from rackforge.risk.disruptions import RiskProfile


def test_weekly_hazard_compounds_to_the_annual_probability() -> None:
    p = np.array([0.0, 0.05, 0.5, 0.99, 1.0])
    h = weekly_hazard(p)
    assert np.allclose(1.0 - (1.0 - h) ** 52, p)


def profile(prob: float, ttr: float, factor: float = 0.0) -> RiskProfile:
    return RiskProfile(weekly_hazard(np.array([prob])), np.array([ttr]), np.array([factor]))


def trace(sampler: DisruptionSampler, weeks: int) -> np.ndarray:
    """(weeks, n) capacity share of the single node."""
    return np.array([sampler.step()[0] for _ in range(weeks)])


def test_geometric_mean_down_weeks_match_the_markov_chain() -> None:
    # Two-state chain starting up: P(down_t) = P(up_{t-1}) h + P(down_{t-1}) (1 - 1/TTR);
    # the expected down-weeks over 52 weeks is the sum of P(down_t).
    prob, ttr, weeks, n = 0.8, 4.0, 52, 40 * BLOCK
    h, r = float(weekly_hazard(np.array([prob]))[0]), 1.0 / ttr
    down, expected = 0.0, 0.0
    for _ in range(weeks):
        down = (1.0 - down) * h + down * (1.0 - r)
        expected += down
    sampler = DisruptionSampler(profile(prob, ttr), 3, range(40), n, DurationModel.GEOMETRIC)
    trace(sampler, weeks)
    sample = sampler.down_weeks[:, 0]
    standard_error = sample.std() / np.sqrt(n)
    assert abs(sample.mean() - expected) < 4 * standard_error


def test_fixed_durations_last_exactly_round_ttr() -> None:
    sampler = DisruptionSampler(
        profile(0.9, 3.4, 0.25), 1, range(2), 2 * BLOCK, DurationModel.FIXED
    )
    shares = trace(sampler, 60)
    assert set(np.unique(shares)) <= {0.25, 1.0}
    for column in (shares < 1.0).T:
        runs = np.diff(np.flatnonzero(np.diff(np.concatenate(([0], column, [0])))))[::2]
        ends_at_horizon = column[-1]
        full = runs[:-1] if ends_at_horizon else runs
        assert np.all(full % 3 == 0)  # round(3.4) = 3; back-to-back outages join up


def test_blocks_draw_the_same_numbers_however_grouped() -> None:
    prof = profile(0.7, 2.0)
    n = 3 * BLOCK
    whole = DisruptionSampler(prof, 9, range(3), n, DurationModel.GEOMETRIC)
    first = DisruptionSampler(prof, 9, range(0, 1), n, DurationModel.GEOMETRIC)
    rest = DisruptionSampler(prof, 9, range(1, 3), n, DurationModel.GEOMETRIC)
    for _ in range(20):
        np.testing.assert_array_equal(
            whole.step(), np.concatenate([first.step(), rest.step()], axis=1)
        )


def test_short_last_block() -> None:
    sampler = DisruptionSampler(profile(0.5, 2.0), 0, range(1, 2), BLOCK + 10, DurationModel.FIXED)
    assert sampler.n == 10
    assert sampler.step().shape == (1, 10)


@pytest.mark.parametrize("ttr", [0.3, 1.0])
def test_outages_last_at_least_a_week(ttr: float) -> None:
    sampler = DisruptionSampler(profile(1.0, ttr), 0, range(1), 500, DurationModel.GEOMETRIC)
    shares = trace(sampler, 10)
    # certain onset every up week, recovery after one week: down, up, down, up, ...
    assert np.all(shares[0::2] == 0.0) and np.all(shares[1::2] == 1.0)
