"""Every command's JSON document matches its published schema (rackforge/schemas), and
docs/documents.md is the schemas' own rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rackforge.cli import app
from rackforge.documents import DocumentError, DocumentKind, check_document, markdown, schema

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

COMMANDS = {
    DocumentKind.PLAN: ["plan", "tiny", "--out", "{tmp}/p"],
    DocumentKind.MRP: ["plan", "tiny", "--mrp", "--out", "{tmp}/m"],
    DocumentKind.TWIN: ["twin", "tiny", "--weeks", "1", "--replications", "2"],
    DocumentKind.TWIN_COMPARE: [
        "twin",
        "tiny",
        "--weeks",
        "1",
        "--replications",
        "2",
        "--automation",
        "compare",
    ],
    DocumentKind.RISK: ["risk", "tiny", "--workers", "1"],
    DocumentKind.STRESS: ["stress", "tiny", "--scenarios", "128"],
    DocumentKind.INVENTORY: ["inventory", "tiny"],
    DocumentKind.ROADMAP: ["roadmap"],
    DocumentKind.EXECUTE: ["execute", "tiny", "--replications", "2", "--workers", "1"],
}


@pytest.mark.parametrize("kind", list(COMMANDS), ids=[k.value for k in COMMANDS])
def test_each_command_writes_a_document_of_its_schema(kind: DocumentKind, tmp_path: Path) -> None:
    out = tmp_path / "doc.json"
    args = [a.format(tmp=tmp_path) for a in COMMANDS[kind]] + ["--json", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    check_document(kind, json.loads(out.read_text()))  # what was written, read back


def test_a_drifted_document_is_refused() -> None:
    with pytest.raises(DocumentError, match="plan document does not match its schema"):
        check_document(DocumentKind.PLAN, {"scenario": "x"})
    risk = json.loads(json.dumps(schema(DocumentKind.RISK)))  # every key is declared
    assert risk["additionalProperties"] is False


def test_the_documents_page_is_generated_from_the_schemas() -> None:
    assert (ROOT / "docs" / "documents.md").read_text() == markdown()
