"""The array-backend shim: numpy always; the others where installed, else skipped."""

from __future__ import annotations

import numpy as np
import pytest

from rackforge.risk import (
    Backend,
    BackendUnavailable,
    StressOptions,
    array_ops,
    installed_backends,
    stress_test,
)
from rackforge.risk.backend import is_installed
from rackforge.scenario import Scenario


@pytest.mark.parametrize("backend", list(Backend), ids=lambda b: b.value)
def test_ops(backend: Backend) -> None:
    if not is_installed(backend):
        pytest.skip(f"{backend.value} is not installed")
    ops = array_ops(backend)
    a = ops.asarray(np.array([1.0, 5.0, -2.0]))
    b = ops.full(3, 2.0)
    np.testing.assert_array_equal(ops.to_numpy(ops.minimum(a, b)), [1.0, 2.0, -2.0])
    np.testing.assert_array_equal(ops.to_numpy(ops.minimum(a, np.inf)), [1.0, 5.0, -2.0])
    np.testing.assert_array_equal(ops.to_numpy(ops.maximum(a, 0.0)), [1.0, 5.0, 0.0])
    np.testing.assert_array_equal(
        ops.to_numpy(ops.where(a >= 1.0, np.inf, a * 2)), [np.inf, np.inf, -4.0]
    )
    np.testing.assert_array_equal(ops.to_numpy(a / 2.0 - b), [-1.5, 0.5, -3.0])
    assert ops.to_numpy(a).dtype == np.float64


@pytest.mark.parametrize(
    "backend", [b for b in Backend if b is not Backend.NUMPY], ids=lambda b: b.value
)
def test_every_backend_gives_the_numpy_answer(tiny: Scenario, backend: Backend) -> None:
    if not is_installed(backend):
        pytest.skip(f"{backend.value} is not installed")
    options = StressOptions(scenarios=1500, seed=3)
    reference = stress_test(tiny, options)
    other = stress_test(tiny, StressOptions(scenarios=1500, seed=3, backend=backend))
    np.testing.assert_allclose(other.delivered, reference.delivered, rtol=1e-12, atol=1e-9)


def test_missing_backend_is_reported(tiny: Scenario) -> None:
    missing = [b for b in Backend if b not in installed_backends()]
    if not missing:
        pytest.skip("every backend is installed")
    with pytest.raises(BackendUnavailable, match=missing[0].value):
        stress_test(tiny, StressOptions(scenarios=10, backend=missing[0]))


def test_numpy_is_always_there() -> None:
    assert Backend.NUMPY in installed_backends()
    assert array_ops(Backend.NUMPY).xp is np
