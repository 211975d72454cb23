from __future__ import annotations

from pathlib import Path

from rackforge.scenario.reference import tables_markdown

DOC = Path(__file__).parents[2] / "docs" / "scenario-format.md"


def test_reference_tables_match_the_schema() -> None:
    text = DOC.read_text(encoding="utf-8")
    marker = "-->\n"
    generated = text[text.index("<!-- generated") :]
    assert generated[generated.index(marker) + len(marker) :].strip() == tables_markdown().strip()
