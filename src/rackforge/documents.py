"""The JSON documents the commands write, each described by one JSON Schema (draft 2020-12)
in ``rackforge/schemas/``, published in ``docs/documents.md``.

Every writer goes through :func:`write_document`, which checks the document against its
schema before anything is written: a result whose serialisation drifts from what is published
fails loudly (a bug, :class:`DocumentError`) instead of handing consumers (the report, the
service, planners' scripts) a different shape.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from rackforge._json import jsonable, write_json


class DocumentKind(StrEnum):
    """One kind of document per command output."""

    PLAN = "plan"
    MRP = "mrp"
    TWIN = "twin"
    TWIN_COMPARE = "twin_compare"
    RISK = "risk"
    STRESS = "stress"
    INVENTORY = "inventory"
    ROADMAP = "roadmap"
    RUN_SUMMARY = "run_summary"
    COMPARE = "compare"
    EXECUTE = "execute"


class DocumentError(RuntimeError):
    """A document does not match its published schema (a bug in rackforge, not bad input)."""


def schema(kind: DocumentKind) -> dict[str, Any]:
    """The JSON Schema of ``kind``."""
    return dict(_schemas()[kind])


@cache
def _schemas() -> dict[DocumentKind, dict[str, Any]]:
    folder = resources.files("rackforge") / "schemas"
    return {k: json.loads((folder / f"{k.value}.schema.json").read_text()) for k in DocumentKind}


@cache
def _validator(kind: DocumentKind) -> Draft202012Validator:
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in _schemas().values()
    )
    return Draft202012Validator(_schemas()[kind], registry=registry)


def check_document(kind: DocumentKind, document: Any) -> Any:
    """``document`` as JSON values (:func:`rackforge._json.jsonable`), checked against the
    schema of ``kind``; raises :class:`DocumentError` naming the first mismatches."""
    data = jsonable(document)
    errors = sorted(_validator(kind).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "; ".join(
            f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors[:3]
        )
        raise DocumentError(f"the {kind.value} document does not match its schema: {where}")
    return data


def write_document(path: str | os.PathLike[str], kind: DocumentKind, document: Any) -> None:
    """Check ``document`` against its schema, then write it as JSON (atomically)."""
    write_json(path, check_document(kind, document))


def markdown() -> str:
    """``docs/documents.md``: every document's top-level keys with their meaning."""
    lines = [
        "# Output documents",
        "",
        "Every `--json` file and every JSON file of `rackforge run` is described by a JSON Schema",
        "(draft 2020-12) shipped in `rackforge/schemas/` (`rackforge.documents.schema(kind)`);",
        "every writer checks its document against it before writing. Numbers that can be",
        "infinite are the strings `inf`/`-inf`; undefined numbers (NaN) are `null`.",
        "This page is generated from the schemas (`rackforge.documents.markdown()`).",
    ]
    for kind in DocumentKind:
        s = _schemas()[kind]
        lines += ["", f"## `{kind.value}`: {s['title']}", "", "| key | required | meaning |"]
        lines.append("|---|---|---|")
        required = set(s.get("required", []))
        for key, prop in s["properties"].items():
            mark = "yes" if key in required else ""
            lines.append(f"| `{key}` | {mark} | {prop.get('description', '')} |")
    return "\n".join(lines) + "\n"
