"""Coordinate descent on outbound service times: the primal heuristic of the branch and bound.

One stage at a time, ``S_j`` moves to the best of a few candidate values, all other ``S``
fixed and every inbound time recomputed as ``SI_k = max(ext_in_k, max_i S_i)``. Candidates are
the values at which the cost of ``j`` or of one of its customers changes slope: 0, the largest
allowed ``S_j``, ``SI_j + T_j`` (no stock at ``j``) and, for each customer ``k``, the latest
service time of ``k``'s other suppliers (``j`` stops delaying ``k``). The cost never rises, so
the result is feasible and no worse than the start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rackforge.inventory.problem import GridProblem, IntArray


@dataclass
class _State:
    coef: list[float]
    T: list[int]
    ext: list[int]
    smax: list[int]
    preds: list[list[int]]
    succs: list[list[int]]
    S: list[int]

    def inbound(self, k: int, skip: int = -1) -> int:
        """``SI_k`` with supplier ``skip`` left out."""
        return max([self.ext[k], *(self.S[i] for i in self.preds[k] if i != skip)])

    def local_cost(self, j: int, own_si: int, others: list[int], value: int) -> float:
        """Cost of ``j`` and its customers if ``S_j = value``."""
        total = self.coef[j] * math.sqrt(max(own_si + self.T[j] - value, 0))
        for k, other in zip(self.succs[j], others, strict=True):
            total += self.coef[k] * math.sqrt(max(max(other, value) + self.T[k] - self.S[k], 0))
        return total

    def best_move(self, j: int) -> int:
        others = [self.inbound(k, skip=j) for k in self.succs[j]]
        own_si = self.inbound(j)
        candidates = {0, self.smax[j], min(own_si + self.T[j], self.smax[j]), self.S[j]}
        candidates.update(o for o in others if 0 <= o <= self.smax[j])
        best = self.S[j]
        best_cost = self.local_cost(j, own_si, others, best)
        for value in sorted(candidates):
            cost = self.local_cost(j, own_si, others, value)
            if cost < best_cost - 1e-12 * max(1.0, abs(best_cost)):
                best, best_cost = value, cost
        return best


def improve(problem: GridProblem, S: IntArray, passes: int = 4) -> IntArray:
    """A locally optimal refinement of ``S`` (a copy; ``S`` is not changed)."""
    n = problem.n
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for i, j in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
        preds[j].append(i)
        succs[i].append(j)
    state = _State(
        coef=[float(x) for x in problem.coef],
        T=[int(x) for x in problem.T],
        ext=[int(x) for x in problem.ext_in],
        smax=[int(x) for x in problem.smax],
        preds=preds,
        succs=succs,
        S=[int(x) for x in S],
    )
    for _ in range(passes):
        changed = False
        for j in problem.order.tolist():
            best = state.best_move(j)
            if best != state.S[j]:
                state.S[j] = best
                changed = True
        if not changed:
            break
    out: IntArray = np.asarray(state.S, dtype=np.int64)
    return out
