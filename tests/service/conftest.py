"""Fixtures of the service tests: a store on SQLite and on a real PostgreSQL, users with each
role and their tokens, and a zipped scenario.

PostgreSQL is Debian's server binaries (``initdb``, ``pg_ctl``), started once per session in a
scratch folder on a free port; as root it runs as the ``postgres`` user, since the server
refuses to run as root. ``RACKFORGE_TEST_POSTGRES`` (a URL) uses a running server instead; without binaries the
PostgreSQL cases are skipped, unless ``RACKFORGE_REQUIRE_POSTGRES`` is set (as in CI).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import free_port, zipped

from rackforge.scenario.io import resolve
from rackforge.service.api import Settings, create_app
from rackforge.service.auth import Role, add_user, create_token
from rackforge.service.db import store, upgrade

ROLES = ("viewer", "planner", "admin")


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the session: its base URL (without a database)."""
    given = os.environ.get("RACKFORGE_TEST_POSTGRES")
    if given:
        yield given.rstrip("/")
        return
    bin_dir = _pg_bin()
    if bin_dir is None:
        why = "PostgreSQL server binaries not installed (apt-get install postgresql)"
        if os.environ.get("RACKFORGE_REQUIRE_POSTGRES"):  # CI (.ci/run): a failure, not a skip
            pytest.fail(why)
        pytest.skip(why)
    as_user: list[str] = []
    user = pwd.getpwuid(os.getuid()).pw_name
    root = Path(tempfile.mkdtemp(prefix="rackforge-pg-"))
    if os.getuid() == 0:
        user = "postgres"
        as_user = ["runuser", "-u", user, "--"]
        os.chmod(root, 0o755)
        shutil.chown(root, user)
    data = root / "data"
    port = free_port()
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            user,
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(root / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://{user}@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, migrated store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        import psycopg

        base = request.getfixturevalue("postgres_server")
        name = f"rf_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{base}/{name}"
    upgrade(url)
    return url


@pytest.fixture
def tokens(store_url: str) -> dict[str, str]:
    """A user of each role (named after it) and a token for each."""
    with store(store_url) as factory, factory.begin() as session:
        for role in ROLES:
            add_user(session, role, Role[role])
        return {role: create_token(session, role) for role in ROLES}


@pytest.fixture
def client(store_url: str, tokens: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(store_url, Settings(event_poll_s=0.05))) as c:
        yield c


@pytest.fixture(scope="session")
def tiny_zip() -> bytes:
    return zipped(resolve("tiny"), "tiny/")
