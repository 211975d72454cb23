"""The service end to end on SQLite and PostgreSQL: upload, validate, what-if, run on a
worker, result equal to the command line's, compare; bad uploads stored nowhere."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import auth, bad_tiny, zipped
from sqlalchemy import func, select

from rackforge.scenario.io import resolve
from rackforge.service.db import Blob, Run, ScenarioRow, Version, store
from rackforge.service.worker import work


def upload(client: TestClient, token: str, data: bytes, name: str = "tiny.zip") -> dict:
    response = client.post(
        "/api/v1/scenarios",
        files={"file": (name, data, "application/zip")},
        data={"message": "first"},
        headers=auth(token),
    )
    assert response.status_code == 201, response.text
    return response.json()


def counts(url: str) -> tuple[int, int, int]:
    with store(url) as factory, factory() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(t))
            for t in (ScenarioRow, Version, Blob)
        )  # type: ignore[return-value]


def cli_json(job: str, scenario: str, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / f"cli-{job}.json"
    subprocess.run(
        [sys.executable, "-m", "rackforge.cli", job, scenario, "--json", str(out), *args],
        check=True,
        capture_output=True,
    )
    return json.loads(out.read_text())


def without_timings(document: dict) -> dict:
    document = json.loads(json.dumps(document))
    for key in ("build_s", "solve_s"):
        document.get("solver", {}).pop(key, None)
    return document


def test_upload_plan_result_equals_the_command_line(
    client: TestClient, tokens: dict[str, str], store_url: str, tiny_zip: bytes, tmp_path: Path
) -> None:
    stored = upload(client, tokens["planner"], tiny_zip)
    assert stored["version"] == 1 and len(stored["content_hash"]) == 64
    viewer = auth(tokens["viewer"])
    listing = client.get("/api/v1/scenarios", headers=viewer).json()
    assert [s["name"] for s in listing] == ["tiny"]
    detail = client.get(f"/api/v1/scenarios/{stored['id']}", headers=viewer).json()
    assert detail["versions"][0]["summary"]["tables"]["demand"] > 0
    table = client.get(
        f"/api/v1/scenarios/{stored['id']}/tables/demand?limit=2", headers=viewer
    ).json()
    assert table["total"] == detail["versions"][0]["summary"]["tables"]["demand"]
    assert len(table["rows"]) == 2 and "qty" in table["columns"]

    created = client.post(
        "/api/v1/runs",
        json={"scenario_id": stored["id"], "job": "plan", "options": {"time_limit": 60}},
        headers=auth(tokens["planner"]),
    )
    assert created.status_code == 202, created.text
    run_id = created.json()["id"]
    assert client.get(f"/api/v1/runs/{run_id}", headers=viewer).json()["status"] == "queued"
    assert work(store_url, once=True, beat_s=0.1) == 1
    run = client.get(f"/api/v1/runs/{run_id}", headers=viewer).json()
    assert run["status"] == "succeeded", run["error"]
    assert run["input_hash"] == stored["content_hash"] and run["attempts"] == 1
    assert "highspy" in run["environment"]["packages"]
    assert {"plan.json", "purchase_orders.csv", "production.csv"} <= set(run["files"])
    result = client.get(f"/api/v1/runs/{run_id}/result", headers=viewer).json()
    expected = cli_json("plan", "tiny", tmp_path, "--time-limit", "60")
    assert without_timings(result) == without_timings(expected)
    csv = client.get(f"/api/v1/runs/{run_id}/files/purchase_orders.csv", headers=viewer)
    assert csv.status_code == 200 and csv.text.startswith(csv.text.splitlines()[0])

    events = client.get(f"/api/v1/runs/{run_id}/events", headers=viewer)
    assert events.headers["content-type"].startswith("text/event-stream")
    assert "event: end" in events.text and '"succeeded"' in events.text

    compared = client.post("/api/v1/compare", json={"run_ids": [run_id]}, headers=viewer).json()
    kpis = {k["name"]: k["values"][str(run_id)] for k in compared["kpis"]}
    assert kpis["plan.kpis.fill_rate"] == pytest.approx(expected["kpis"]["fill_rate"])
    assert kpis["plan.objective"] == pytest.approx(expected["objective"])


def test_an_executed_plan_runs_as_a_job_with_the_command_lines_answer(
    client: TestClient, tokens: dict[str, str], store_url: str, tiny_zip: bytes, tmp_path: Path
) -> None:
    stored = upload(client, tokens["planner"], tiny_zip)
    options = {"replications": 2, "seed": 3, "outage": ["plant-a:2:2"]}
    created = client.post(
        "/api/v1/runs",
        json={"scenario_id": stored["id"], "job": "execute", "options": options},
        headers=auth(tokens["planner"]),
    )
    assert created.status_code == 202, created.text
    assert work(store_url, once=True, beat_s=0.1) == 1
    viewer = auth(tokens["viewer"])
    run = client.get(f"/api/v1/runs/{created.json()['id']}", headers=viewer).json()
    assert run["status"] == "succeeded", run["error"]
    result = client.get(f"/api/v1/runs/{run['id']}/result", headers=viewer).json()
    args = ("--replications", "2", "--seed", "3", "--outage", "plant-a:2:2")
    assert result == cli_json("execute", "tiny", tmp_path, *args)  # same seed, same answer
    assert result["options"]["outages"][0]["target"] == "plant-a"


def test_whatif_is_a_new_version_whose_parent_is_the_base(
    client: TestClient, tokens: dict[str, str], tiny_zip: bytes
) -> None:
    stored = upload(client, tokens["planner"], tiny_zip)
    planner = auth(tokens["planner"])
    table = client.get(f"/api/v1/scenarios/{stored['id']}/tables/resources", headers=planner).json()
    row = table["rows"][0]
    key = f"{row['site']}/{row['resource']}"
    made = client.post(
        f"/api/v1/scenarios/{stored['id']}/whatif",
        json={"set": [f"resources.{key}.units={int(row['units']) + 1}"], "message": "one more"},
        headers=planner,
    )
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 2 and made.json()["parent"] == 1
    assert made.json()["content_hash"] != stored["content_hash"]
    after = client.get(
        f"/api/v1/scenarios/{stored['id']}/tables/resources?version=2", headers=planner
    ).json()
    assert after["rows"][0]["units"] == int(row["units"]) + 1
    bad = client.post(
        f"/api/v1/scenarios/{stored['id']}/whatif",
        json={"set": ["resources.nowhere/none.units=3"]},
        headers=planner,
    )
    assert bad.status_code == 422 and bad.json()["problems"]


def _archive(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in entries.items():
            out.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "case, expected",
    [
        ("not-a-zip", "not a zip archive"),
        ("escape", "a path outside the archive"),
        ("no-yaml", "no scenario.yaml"),
        ("bad-cell", "demand.csv:2: qty:"),
    ],
)
def test_bad_uploads_are_refused_with_located_problems_and_nothing_stored(
    client: TestClient,
    tokens: dict[str, str],
    store_url: str,
    tmp_path: Path,
    case: str,
    expected: str,
) -> None:
    data = {
        "not-a-zip": lambda: b"sites.csv,demand.csv\n",
        "escape": lambda: _archive({"../../etc/x": b"x", "scenario.yaml": b"name: x\n"}),
        "no-yaml": lambda: _archive({"sites.csv": b"site\n"}),
        "bad-cell": lambda: bad_tiny(tmp_path),
    }[case]()
    before = counts(store_url)
    response = client.post(
        "/api/v1/scenarios",
        files={"file": ("upload.zip", data, "application/zip")},
        headers=auth(tokens["planner"]),
    )
    assert response.status_code == 422, response.text
    assert any(expected in p for p in response.json()["problems"]), response.json()
    assert counts(store_url) == before


def test_same_content_is_stored_once(
    client: TestClient, tokens: dict[str, str], store_url: str, tiny_zip: bytes
) -> None:
    first = upload(client, tokens["planner"], tiny_zip)
    again = upload(client, tokens["planner"], zipped(resolve("tiny")))  # no top folder
    assert first["content_hash"] == again["content_hash"] and first["id"] != again["id"]
    assert counts(store_url)[2] == 1


def test_options_are_checked_by_the_command_and_runs_are_limited(
    client: TestClient, tokens: dict[str, str], tiny_zip: bytes
) -> None:
    stored = upload(client, tokens["planner"], tiny_zip)
    planner = auth(tokens["planner"])

    def submit(job: str, options: dict) -> object:
        return client.post(
            "/api/v1/runs",
            json={"scenario_id": stored["id"], "job": job, "options": options},
            headers=planner,
        )

    for job, options in [
        ("plan", {"out": "/etc"}),
        ("plan", {"time_limit": "soon"}),
        ("stress", {"scenarios": 0}),
        ("shell", {}),
    ]:
        response = submit(job, options)
        assert response.status_code == 422, (job, options, response.text)
    ids = [submit("twin", {"weeks": 1}).json()["id"] for _ in range(4)]
    assert submit("twin", {"weeks": 1}).status_code == 429
    cancelled = client.post(f"/api/v1/runs/{ids[0]}/cancel", headers=planner).json()
    assert cancelled["status"] == "cancelled"
    assert submit("twin", {"weeks": 1}).status_code == 202
    result = client.get(f"/api/v1/runs/{ids[0]}/result", headers=planner)
    assert result.status_code == 409


def test_deleting_a_scenario_cancels_its_queued_runs(
    client: TestClient, tokens: dict[str, str], store_url: str, tiny_zip: bytes
) -> None:
    stored = upload(client, tokens["planner"], tiny_zip)
    planner = auth(tokens["planner"])
    run_id = client.post(
        "/api/v1/runs", json={"scenario_id": stored["id"], "job": "plan"}, headers=planner
    ).json()["id"]
    assert client.delete(f"/api/v1/scenarios/{stored['id']}", headers=planner).status_code == 204
    assert client.get(f"/api/v1/scenarios/{stored['id']}", headers=planner).status_code == 404
    assert client.get(f"/api/v1/runs/{run_id}", headers=planner).json()["status"] == "cancelled"
    assert work(store_url, once=True) == 0
    with store(store_url) as factory, factory() as session:
        assert session.get(Run, run_id).status == "cancelled"
    audit = client.get("/api/v1/audit", headers=auth(tokens["admin"])).json()
    assert [a["action"] for a in audit][:3] == ["delete", "run", "upload"]


def test_tables_sort_filter_and_keys_and_whatif_dry_runs(
    client: TestClient, tokens: dict[str, str], store_url: str, tiny_zip: bytes
) -> None:
    stored = upload(client, tokens["planner"], tiny_zip)
    planner = auth(tokens["planner"])
    base = f"/api/v1/scenarios/{stored['id']}"
    everything = client.get(f"{base}/tables/resources", headers=planner).json()
    found = client.get(
        f"{base}/tables/resources?q=TEST&sort=units&descending=true", headers=planner
    ).json()
    assert found["total"] == sum("test" in str(r).lower() for r in everything["rows"])
    assert found["key_columns"] == ["site", "resource"]
    assert found["keys"] == [f"{r['site']}/{r['resource']}" for r in found["rows"]]
    units = [r["units"] for r in everything["rows"]]
    ordered = client.get(f"{base}/tables/resources?sort=units&descending=true", headers=planner)
    assert [r["units"] for r in ordered.json()["rows"]] == sorted(units, reverse=True)
    assert client.get(f"{base}/tables/resources?sort=nope", headers=planner).status_code == 422
    before = counts(store_url)
    good = client.post(
        f"{base}/whatif?dry_run=true", json={"events": ["sup-tw:2026-W03:2:0"]}, headers=planner
    )
    bad = client.post(
        f"{base}/whatif?dry_run=true", json={"events": ["nowhere:2026-W03:2:0"]}, headers=planner
    )
    assert good.status_code == 200 and bad.status_code == 422
    assert bad.json()["problems"][0].startswith("events.csv:")
    assert counts(store_url) == before  # a dry run stores nothing
