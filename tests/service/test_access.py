"""Who may do what: every endpoint x no token, a bad, revoked or expired token, and each role.

The table of minimum roles below must name every route of the API, so an endpoint added
without deciding who may call it fails here."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from service_helpers import auth
from sqlalchemy import select, update

from rackforge.service.auth import digest
from rackforge.service.db import Token, store

MINIMUM = {
    ("POST", "/api/v1/scenarios"): "planner",
    ("GET", "/api/v1/scenarios"): "viewer",
    ("GET", "/api/v1/scenarios/{scenario_id}"): "viewer",
    ("GET", "/api/v1/scenarios/{scenario_id}/tables/{table}"): "viewer",
    ("POST", "/api/v1/scenarios/{scenario_id}/whatif"): "planner",
    ("DELETE", "/api/v1/scenarios/{scenario_id}"): "planner",
    ("POST", "/api/v1/runs"): "planner",
    ("GET", "/api/v1/runs"): "viewer",
    ("GET", "/api/v1/runs/{run_id}"): "viewer",
    ("GET", "/api/v1/runs/{run_id}/events"): "viewer",
    ("POST", "/api/v1/runs/{run_id}/cancel"): "planner",
    ("GET", "/api/v1/runs/{run_id}/result"): "viewer",
    ("GET", "/api/v1/runs/{run_id}/files/{name}"): "viewer",
    ("POST", "/api/v1/compare"): "viewer",
    ("GET", "/api/v1/users"): "admin",
    ("POST", "/api/v1/users"): "admin",
    ("POST", "/api/v1/users/{name}/tokens"): "admin",
    ("DELETE", "/api/v1/users/{name}/tokens"): "admin",
    ("GET", "/api/v1/audit"): "admin",
    ("GET", "/api/v1/me"): "viewer",
    ("GET", "/api/v1/jobs"): "viewer",
}
RANK = {"viewer": 1, "planner": 2, "admin": 3}
VALUES = {"scenario_id": "1", "run_id": "1", "table": "demand", "name": "nobody"}
BODIES = {
    ("POST", "/api/v1/scenarios/{scenario_id}/whatif"): {"set": []},
    ("POST", "/api/v1/runs"): {"scenario_id": 1, "job": "plan"},
    ("POST", "/api/v1/compare"): {"run_ids": [1]},
    ("POST", "/api/v1/users"): {"name": "x", "role": "viewer"},
    ("POST", "/api/v1/users/{name}/tokens"): {},
}


def routes(client: TestClient) -> list[tuple[str, str]]:
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.path.startswith("/api/v1"):
            found += [(m, route.path) for m in sorted(route.methods)]
    return found


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    url = path.format(**VALUES)
    if (method, path) == ("POST", "/api/v1/scenarios"):
        files = {"file": ("x.zip", b"not a zip", "application/zip")}
        return client.post(url, files=files, headers=headers).status_code
    body = BODIES.get((method, path))
    return client.request(method, url, json=body, headers=headers).status_code


def test_every_route_has_a_minimum_role(client: TestClient) -> None:
    assert sorted(routes(client)) == sorted(MINIMUM)


def test_authorisation_matrix(client: TestClient, tokens: dict[str, str]) -> None:
    outsiders = {
        "none": {},
        "not bearer": {"Authorization": f"Basic {tokens['admin']}"},
        "wrong": auth("rf_" + "x" * 43),
        "garbage": auth("\x7f" * 10),
    }
    checked = 0
    for method, path in MINIMUM:
        for who, headers in outsiders.items():
            status = call(client, method, path, headers)
            assert status == 401, (method, path, who, status)
            checked += 1
        for role, token in tokens.items():
            status = call(client, method, path, auth(token))
            if RANK[role] < RANK[MINIMUM[(method, path)]]:
                assert status == 403, (method, path, role, status)
            else:
                assert status not in (401, 403), (method, path, role, status)
            checked += 1
    assert checked == len(MINIMUM) * 7


def test_revoked_and_expired_tokens_are_refused(
    client: TestClient, tokens: dict[str, str], store_url: str
) -> None:
    assert client.get("/api/v1/scenarios", headers=auth(tokens["viewer"])).status_code == 200
    with store(store_url) as factory, factory.begin() as session:
        session.execute(
            update(Token)
            .where(Token.token_hash == digest(tokens["viewer"]))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert client.get("/api/v1/scenarios", headers=auth(tokens["viewer"])).status_code == 401
    admin = auth(tokens["admin"])
    revoked = client.delete("/api/v1/users/planner/tokens", headers=admin).json()
    assert revoked == {"user": "planner", "revoked": 1}
    assert client.get("/api/v1/scenarios", headers=auth(tokens["planner"])).status_code == 401
    made = client.post("/api/v1/users/planner/tokens", json={}, headers=admin).json()
    assert client.get("/api/v1/scenarios", headers=auth(made["token"])).status_code == 200


def test_tokens_are_stored_hashed_and_shown_once(store_url: str) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rackforge.cli", *args, "--db", store_url],
            capture_output=True,
            text=True,
        )

    assert cli("user", "add", "ana", "--role", "planner").returncode == 0
    assert cli("user", "add", "ana", "--role", "planner").returncode == 2  # exists
    assert cli("user", "add", "bo", "--role", "root").returncode == 2
    made = cli("token", "create", "ana", "--expires", "30")
    token = made.stdout.strip()
    assert made.returncode == 0 and token.startswith("rf_") and len(token) > 40
    with store(store_url) as factory, factory() as session:
        stored = session.scalars(select(Token.token_hash)).all()
    assert digest(token) in stored and token not in stored
    assert cli("token", "create", "nobody").returncode == 2
    revoked = cli("token", "revoke", "ana")
    assert revoked.returncode == 0 and "revoked 1" in revoked.stdout


@pytest.mark.parametrize("path", ["/api/v1/openapi.json"])
def test_the_schema_is_public_and_lists_every_route(client: TestClient, path: str) -> None:
    schema = client.get(path).json()
    listed = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    assert listed == set(MINIMUM)
