"""The packages export their names lazily (PEP 562, rackforge._lazy): every exported name
resolves, none is shadowed by a submodule of the same name, and the command line starts
without the engines' heavy libraries (which is what makes ``--help`` fast)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from rackforge._lazy import _exports

PACKAGES = [
    "rackforge",
    "rackforge.scenario",
    "rackforge.plan",
    "rackforge.risk",
    "rackforge.inventory",
    "rackforge.roadmap",
    "rackforge.twin",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_export_resolves_and_none_is_a_submodule(name: str) -> None:
    package = importlib.import_module(name)
    assert package.__file__ is not None
    exports = _exports(Path(package.__file__))
    assert exports, "no TYPE_CHECKING imports found"
    assert set(package.__all__) - {"__version__"} == set(exports)
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    assert not exports.keys() & submodules  # importing the submodule would replace the name
    for export, module in exports.items():
        assert getattr(package, export) is getattr(importlib.import_module(module), export)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        package.nonexistent  # noqa: B018


def test_the_command_line_starts_without_the_engines() -> None:
    code = (
        "import sys; from rackforge.cli import app; "
        "print(' '.join(m for m in ('pandas', 'highspy', 'scipy', 'plotly', 'networkx', "
        "'openpyxl', 'linopy') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == []
