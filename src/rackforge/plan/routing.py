"""Resource hours per good unit of a made item, from its routing.

A routing is a sequence of steps; a unit leaves step *k* good with probability ``yield_k`` and
otherwise goes back to step ``rework_to`` (rework) or is scrapped (``rework_to = -1``). The
expected number of visits of each step per unit started is row 0 of the fundamental matrix
``N = (I - Q)^-1`` of this absorbing Markov chain, where ``Q`` holds the step-to-step transition
probabilities (Kemeny & Snell 1960, *Finite Markov Chains*, ch. III). Dividing by the
probability of finishing good, ``N[0, n-1] * yield_{n-1}``, gives visits per GOOD unit; the
hours a good unit loads on a resource are ``sum_k hours_k * visits_k`` over the steps at that
resource.

For a one-step routing this is ``hours / yield``; for steps that scrap it is
``hours_k / prod_{j >= k} yield_j`` (a unit scrapped downstream must be made again upstream).
With automation on, the hours of a resource of kind *k* are multiplied by
``1 - touch_time_reduction[k]`` (the scenario's automation lever).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rackforge.scenario import Scenario


def visits_per_good_unit(yields: np.ndarray, rework_pos: np.ndarray) -> np.ndarray:
    """Expected visits of each step per good unit out of the last step.

    ``yields[k]`` is the pass probability of step position *k*; ``rework_pos[k]`` the position
    a failed unit returns to, or -1 for scrap.
    """
    n = len(yields)
    q = np.zeros((n, n))
    for k in range(n):
        if k + 1 < n:
            q[k, k + 1] += yields[k]
        if rework_pos[k] >= 0:
            q[k, rework_pos[k]] += 1.0 - yields[k]
    fundamental = np.linalg.inv(np.eye(n) - q)
    visits = fundamental[0]
    finish = visits[n - 1] * yields[n - 1]
    return np.asarray(visits / finish, dtype=float)


def resource_loads(scenario: Scenario, automation: bool = True) -> pd.DataFrame:
    """Hours per good unit by (site, item, resource): columns site, item, resource, hours."""
    ops = scenario.operations
    cols = ["site", "item", "resource", "hours"]
    if ops.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c != "hours" else float) for c in cols})
    reduction: dict[str, float] = dict(scenario.config.automation.touch_time_reduction)
    kind = scenario.resources.set_index(["site", "resource"])["kind"]
    rows: list[tuple[str, str, str, float]] = []
    for (site, item), steps in ops.sort_values("step").groupby(["site", "item"], sort=True):
        step_ids = steps["step"].to_numpy()
        position = {int(s): i for i, s in enumerate(step_ids)}
        rework = np.array([position.get(int(r), -1) for r in steps["rework_to"]], dtype=int)
        visits = visits_per_good_unit(steps["yield"].to_numpy(dtype=float), rework)
        hours = steps["hours"].to_numpy(dtype=float) * visits
        for res, h in zip(steps["resource"], hours, strict=True):
            factor = 1.0
            if automation and (site, res) in kind.index:
                factor = 1.0 - float(reduction.get(str(kind.loc[(site, res)]), 0.0))
            rows.append((str(site), str(item), str(res), float(h) * factor))
    out = pd.DataFrame(rows, columns=cols)
    return out.groupby(["site", "item", "resource"], as_index=False, sort=True)["hours"].sum()
