"""Reading CSV cells with errors that name file, line and column."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rackforge.scenario import Problem


@dataclass
class Cells:
    """Collects problems while cells are parsed; ``raise`` them all at the end."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file=self.file, message=message, line=line, column=column))

    def number(
        self,
        text: str,
        line: int,
        column: str,
        *,
        required: bool = True,
        minimum: float | None = 0.0,
        exclusive: bool = False,
    ) -> float | None:
        """A finite number (``None`` if blank and not required; problems recorded)."""
        text = text.strip()
        if not text:
            if required:
                self.add(line, column, "a number is required")
            return None
        try:
            value = float(text)
        except ValueError:
            self.add(line, column, f"{text!r} is not a number")
            return None
        if not math.isfinite(value):
            self.add(line, column, f"{text!r} is not a finite number")
            return None
        if minimum is not None and (value < minimum or (exclusive and value == minimum)):
            relation = ">" if exclusive else ">="
            self.add(line, column, f"{text} must be {relation} {minimum:g}")
            return None
        return value


def rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` of every non-blank row, the header included (line 1)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        for cells in reader:
            if any(c.strip() for c in cells):
                yield reader.line_num, cells
