"""Helpers of the service tests: auth headers, zipped folders, a bad scenario, and a
``rackforge serve`` process on a free port."""

from __future__ import annotations

import io
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx

from rackforge.scenario.io import resolve
from test_fuzz import corrupt


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def zipped(folder: Path, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


def bad_tiny(tmp_path: Path) -> bytes:
    """The tiny scenario, zipped, with ``lots`` as the quantity of its first demand row."""
    folder = tmp_path / "bad"
    shutil.copytree(resolve("tiny"), folder)
    corrupt(folder, "demand", 1, "qty", "lots")
    return zipped(folder)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    port: int, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``rackforge serve --port PORT ARGS``, once its API answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "rackforge.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json").status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("rackforge serve did not answer in 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
