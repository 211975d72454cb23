"""Mutation testing of the derived rules: under each wrong rule of tests/mutation/mutants.py
the rule tests must fail (the mutant is "killed"). The score, killed / mutants, is 1 and is
stated in docs/scenario-format.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutants import MUTANTS

TESTS = Path(__file__).resolve().parents[1]
RULE_TESTS = [
    "test_engines_agree.py",
    "plan/test_derived_capacity.py",
    "plan/test_routing.py",
    "plan/test_no_demand.py",
]


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_rule_tests_kill_the_mutant(name: str) -> None:
    env = {**os.environ, "RACKFORGE_TEST_MUTANT": name}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            *(str(TESTS / t) for t in RULE_TESTS),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "mutant applied: " + name in run.stdout, run.stdout[-2000:]
    assert run.returncode == 1, f"mutant survived: {name}\n{run.stdout[-2000:]}"
