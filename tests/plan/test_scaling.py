"""The model HiGHS sees is well scaled: HiGHS's own assessment of the coefficient ranges (the
"badly scaled" and "excessively large/small" warnings of its log) finds nothing, on the
bundled scenario and on random networks; and scaling changes no answer (powers of two are
exact, so primal values and shadow prices come back in the scenario's units)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from plan_scenarios import networks
from scipy import sparse

from rackforge import load_scenario
from rackforge._scaling import equilibrate
from rackforge.plan import PlanOptions
from rackforge.plan.lp.model import build_model
from rackforge.plan.lp.solve import SolverSettings, _load
from rackforge.plan.network import build_network
from rackforge.scenario import Scenario


def highs_log(s: Scenario, log: Path) -> str:
    pm = build_model(build_network(s), PlanOptions())
    lp = _load(pm.model, SolverSettings(time_limit_s=0.0))
    lp.h.setOptionValue("output_flag", True)
    lp.h.setOptionValue("log_to_console", False)
    lp.h.setOptionValue("log_file", str(log))
    lp.h.setOptionValue("presolve", "off")
    lp.h.run()  # the range assessment is logged before anything is solved
    lp.h.setOptionValue("log_file", "")
    return log.read_text()


def test_bundled_model_draws_no_scaling_warning(tmp_path: Path) -> None:
    text = highs_log(load_scenario("us-ai-racks"), tmp_path / "highs.log")
    assert "Coefficient ranges" in text
    assert "WARNING" not in text, text


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(networks())
def test_random_models_draw_no_scaling_warning(tmp_path: Path, s: Scenario) -> None:
    text = highs_log(s, tmp_path / "highs.log")
    assert "WARNING" not in text, text


def test_scaling_is_exact_and_equilibrates() -> None:
    # a well-conditioned pattern hidden behind row and column units that span 9 decades
    rng = np.random.default_rng(4)
    b = sparse.random(40, 30, density=0.2, random_state=5, format="csr")
    b.data = rng.uniform(0.5, 2.0, b.nnz)
    rows, cols = 10.0 ** rng.uniform(-4, 5, 40), 10.0 ** rng.uniform(-4, 5, 30)
    a = sparse.csr_matrix(sparse.diags(rows) @ b @ sparse.diags(cols))
    c = 10.0 ** rng.uniform(-2, 7, 30)
    integer = np.zeros(30, dtype=bool)
    integer[:3] = True
    sc = equilibrate(a, c, integer)
    assert np.all(np.log2(sc.row) % 1 == 0) and np.all(np.log2(sc.col) % 1 == 0)
    assert np.all(sc.col[:3] == 1.0)  # integer columns keep their values
    x = rng.uniform(0, 5, 30)
    # A x = R^-1 (R A S)(S^-1 x) exactly
    np.testing.assert_array_equal(sc.matrix(a) @ sc.to_scaled(x) / sc.row, a @ x)
    assert a.data.max() / a.data.min() > 1e9
    after = equilibrate(a, c).matrix(a).data  # all columns free to scale
    assert after.max() / after.min() < 64  # b's spread of 4, times the rounding to powers of 2
    assert sc.primal(sc.to_scaled(x)) == pytest.approx(x, rel=0, abs=0)
