"""The disruption process against its closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from rackforge.risk import BLOCK, DisruptionSampler, DurationModel, weekly_hazard
from rackforge.risk.disruptions import RiskProfile


def test_weekly_hazard_is_a_poisson_rate() -> None:
    # Onsets at a rate of λ a year: no onset in a week with probability exp(-λ/52), so a year of
    # up weeks sees none with probability exp(-λ) (Poisson), and a rare rate is the chance of one.
    rate = np.array([0.0, 0.05, 0.5, 1.0, 4.0])
    h = weekly_hazard(rate)
    assert np.allclose((1.0 - h) ** 52, np.exp(-rate))
    assert h[1] * 52 == pytest.approx(0.05, rel=1e-3)
    assert np.all(h < 1.0)


def profile(rate: float, ttr: float, factor: float = 0.0) -> RiskProfile:
    return RiskProfile(weekly_hazard(np.array([rate])), np.array([ttr]), np.array([factor]))


def trace(sampler: DisruptionSampler, weeks: int) -> np.ndarray:
    """(weeks, n) capacity share of the single node."""
    return np.array([sampler.step()[0] for _ in range(weeks)])


def chain_down_weeks(h: float, ttr: float, weeks: int, model: DurationModel) -> float:
    """Expected down weeks of the exact Markov chain, starting up. States: up, then the down
    weeks. Geometric: up -> down with h, down -> up with r = 1/TTR. Fixed (L = round(TTR)):
    up -> the first of L down weeks with h, each down week -> the next, the last -> up."""
    if model is DurationModel.GEOMETRIC:
        p = np.array([[1 - h, h], [1 / ttr, 1 - 1 / ttr]])
        down = np.array([0.0, 1.0])
    else:
        n = max(1, round(ttr))
        p = np.zeros((n + 1, n + 1))
        p[0, 0], p[0, 1] = 1 - h, h
        for k in range(1, n):
            p[k, k + 1] = 1.0
        p[n, 0] = 1.0
        down = np.r_[0.0, np.ones(n)]
    state, expected = np.eye(len(p))[0], 0.0
    for _ in range(weeks):
        state = state @ p
        expected += float(state @ down)
    return expected


@pytest.mark.parametrize("model", list(DurationModel))
@pytest.mark.parametrize(("rate", "ttr"), [(0.8, 4.0), (5.0, 3.0), (20.0, 2.0)])
def test_down_weeks_match_the_exact_markov_chain(
    model: DurationModel, rate: float, ttr: float
) -> None:
    # Both outage-length models: the week after an outage is up, onsets follow up weeks only.
    weeks, n = 52, 20 * BLOCK
    h = float(weekly_hazard(np.array([rate]))[0])
    expected = chain_down_weeks(h, ttr, weeks, model)
    sampler = DisruptionSampler(profile(rate, ttr), 3, range(20), n, model)
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
        assert np.all(full == 3)  # round(3.4) = 3; an up week after each outage


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
    certain = RiskProfile(np.array([1.0]), np.array([ttr]), np.array([0.0]))
    for model in DurationModel:
        shares = trace(DisruptionSampler(certain, 0, range(1), 500, model), 10)
        # an onset in every week that may have one, each a week long: down, up, down, up, ...
        assert np.all(shares[0::2] == 0.0) and np.all(shares[1::2] == 1.0)
