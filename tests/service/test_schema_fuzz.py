"""Schemathesis over the OpenAPI schema: requests generated from it, as a planner and as an
admin, never get a server error (5xx) and every response matches the schema's status codes.

The store holds the tiny scenario and a cancelled run, so generated ids sometimes exist. The
event stream is left out: on a queued run it streams until the run ends (test_api tests it).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from service_helpers import auth

from rackforge.scenario.io import resolve
from rackforge.service import queue
from rackforge.service.api import create_app
from rackforge.service.auth import Role, add_user, create_token
from rackforge.service.db import store, upgrade
from rackforge.service.jobs import check
from rackforge.service.store import add_version

_folder = Path(tempfile.mkdtemp(prefix="rackforge-schema-"))
URL = f"sqlite:///{_folder / 'store.db'}"
upgrade(URL)
with store(URL) as _factory, _factory.begin() as _session:
    TOKENS = {}
    for _role in ("planner", "admin"):
        add_user(_session, _role, Role[_role])
        TOKENS[_role] = create_token(_session, _role)
    _stored = add_version(_session, resolve("tiny"), "planner")
    from rackforge.service.db import Version

    _version = _session.get(Version, _stored.version_id)
    assert _version is not None
    queue.cancel(_session, queue.submit(_session, _version, check("plan", {}), "planner"))

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(URL)).exclude(
    path="/api/v1/runs/{run_id}/events"
)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    for token in TOKENS.values():
        response = case.call(headers=auth(token))
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
