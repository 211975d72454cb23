"""Validation problems and the one exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in the input, located as precisely as the input allows.

    ``str(problem)`` reads ``demand.csv:12: week: 2027-W40 is outside the horizon`` for a table
    cell, or ``scenario.yaml: horizon_weeks: must be >= 1`` for a settings key.
    """

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        column = self.column if self.column else "-"
        return f"{where}: {column}: {self.message}"


class ScenarioError(ValueError):
    """Raised when a scenario (or a file derived from one) is invalid.

    ``problems`` lists every problem found, not just the first; nothing has been loaded or
    written when it is raised.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        shown = "\n".join(str(p) for p in self.problems[:50])
        more = len(self.problems) - 50
        suffix = f"\n... and {more} more" if more > 0 else ""
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found:\n{shown}{suffix}")
