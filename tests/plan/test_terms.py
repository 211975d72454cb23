"""Rows as triplets reach linopy as one CSR-backed constraint per family: the matrix HiGHS gets
is the sum of the triplets, row by row, whatever their order, repeats or empty rows."""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rackforge.plan.lp.terms import Terms, add_rows

SIGNS = ("<=", ">=", "=")


Family = tuple[int, int, list[tuple[int, int, float]], str]


@st.composite
def families(draw: st.DrawFn) -> Family:
    n_vars = draw(st.integers(1, 6))
    n_rows = draw(st.integers(1, 8))
    term = st.tuples(
        st.integers(0, n_rows - 1),
        st.integers(-1, n_vars - 1),  # -1: a masked slot, dropped
        st.sampled_from([-2.5, -1.0, 0.0, 0.5, 3.0]),
    )
    return n_vars, n_rows, draw(st.lists(term, max_size=25)), draw(st.sampled_from(SIGNS))


@settings(max_examples=60, deadline=None)
@given(families())
def test_the_matrix_is_the_sum_of_the_triplets(case: Family) -> None:
    n_vars, n_rows, triplets, sign = case
    model = linopy.Model()
    # a first variable the rows do not use, so labels and columns are not the same numbers
    model.add_variables(lower=0.0, coords=[pd.RangeIndex(3, name="other")], name="other")
    x = model.add_variables(lower=0.0, coords=[pd.RangeIndex(n_vars, name="i")], name="x")
    labels = np.asarray(x.labels.values, dtype=np.int64)
    terms = Terms(n_rows)
    expected = np.zeros((n_rows, n_vars))
    for row, var, coeff in triplets:
        terms.add(np.array([row]), np.array([labels[var] if var >= 0 else -1]), coeff)
        if var >= 0:
            expected[row, var] += coeff
    rhs = np.arange(n_rows, dtype=float) + 0.5
    family = add_rows(model, "fam", terms, sign, rhs)

    row_labels = family.labels(model)
    assert row_labels.shape == (n_rows,)
    has_terms = np.zeros(n_rows, dtype=bool)
    for row, var, coeff in triplets:
        has_terms[row] |= var >= 0 and coeff != 0.0
    assert np.array_equal(row_labels >= 0, has_terms)
    if not has_terms.any():
        assert family.constraint is None
        return

    mat = model.matrices
    assert mat.A is not None
    a = mat.A.toarray()
    vlabels = np.asarray(mat.vlabels)
    clabels = list(np.asarray(mat.clabels))
    for r in np.flatnonzero(has_terms):
        k = clabels.index(row_labels[r])
        got = np.zeros(n_vars)
        for j, label in enumerate(labels):
            hit = np.flatnonzero(vlabels == label)
            if hit.size:
                got[j] = a[k, hit[0]]
        np.testing.assert_allclose(got, expected[r], atol=1e-12)
        assert mat.b[k] == rhs[r]
        assert mat.sense[k] == sign[0]
