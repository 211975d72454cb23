"""Lazy package exports (PEP 562): a package names what it exports once, in an
``if TYPE_CHECKING:`` block of ``from module import name`` lines, and each name is imported on
first use. So ``rackforge --help`` does not pay for pandas, HiGHS and plotly, while
``from rackforge.plan import plan`` and type checkers see the same names as before.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def lazy_exports(package: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, read from its ``TYPE_CHECKING`` imports."""
    init = sys.modules[package].__file__
    assert init is not None
    where = _exports(Path(init))

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__


def _exports(init: Path) -> dict[str, str]:
    """``{name: module}`` of the ``from module import name`` lines under ``if TYPE_CHECKING:``."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    where: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for line in node.body:
                if isinstance(line, ast.ImportFrom) and line.module:
                    for alias in line.names:
                        where[alias.asname or alias.name] = line.module
    return where
