"""Uploads of the scenario fuzz cases (one cell of tiny corrupted, tests/test_fuzz.py): the
service refuses exactly what the command line refuses, with the same located problems, and
stores nothing for a refused upload."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from service_helpers import auth, zipped
from sqlalchemy import func, select

from rackforge.roadmap.parse import scenario_roadmap
from rackforge.scenario import ScenarioError, load_scenario
from rackforge.service.api import create_app
from rackforge.service.auth import Role, add_user, create_token
from rackforge.service.db import Version, store, upgrade
from test_fuzz import TINY, corrupt, corruption

_folder = Path(tempfile.mkdtemp(prefix="rackforge-upload-fuzz-"))
URL = f"sqlite:///{_folder / 'store.db'}"
upgrade(URL)
with store(URL) as _factory, _factory.begin() as _session:
    add_user(_session, "planner", Role.planner)
    TOKEN = create_token(_session, "planner")
CLIENT = TestClient(create_app(URL))


def _versions() -> int:
    with store(URL) as factory, factory() as session:
        return int(session.scalar(select(func.count()).select_from(Version)) or 0)


def _cli_problems(folder: Path) -> list[str] | None:
    try:
        scenario_roadmap(load_scenario(folder))
    except ScenarioError as exc:
        return [str(p).replace(f"{folder}/", "") for p in exc.problems]
    return None


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=corruption())
def test_the_service_refuses_what_the_command_line_refuses(
    case: tuple[str, int, str, str],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "tiny"
        shutil.copytree(TINY, folder)
        corrupt(folder, *case)
        expected = _cli_problems(folder)
        before = _versions()
        response = CLIENT.post(
            "/api/v1/scenarios",
            files={"file": ("tiny.zip", zipped(folder, "tiny/"), "application/zip")},
            headers=auth(TOKEN),
        )
    if expected is None:
        assert response.status_code == 201, (case, response.text)
        assert _versions() == before + 1
    else:
        assert response.status_code == 422, (case, response.text)
        assert response.json()["problems"] == expected
        assert _versions() == before
