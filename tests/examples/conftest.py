"""Fixtures for the host integration examples in ``examples/``: a shop database, a Redis broker.

Stdlib only at import time: ``pytest -m "not sql"`` collects this directory without
SQLAlchemy or any web framework installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from example_shop import Shop

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

#: The backends the examples run on, each with its pytest marks.
EXAMPLE_BACKENDS = [
    pytest.param(name, marks=[getattr(pytest.mark, name), pytest.mark.sql], id=name)
    for name in ("sqlite", "postgres")
]


def unavailable(reason: str) -> None:
    """Skip, or fail under ``CI=true`` (CI must never pass by skipping a real server)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_shop(request: pytest.FixtureRequest) -> Iterator[Shop]:
    """A shop on its own PostgreSQL database for the session (tests reset it)."""
    from example_shop import Shop

    opened = Shop.open(request.getfixturevalue("postgres_server").create_database("examples"))
    yield opened
    opened.close()


@pytest.fixture(params=EXAMPLE_BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    """An empty host shop (orders and users tables) around a core: SQLite file or PostgreSQL."""
    from example_shop import Shop

    if request.param == "postgres":
        shared: Shop = request.getfixturevalue("postgres_shop")
        shared.reset()
        yield shared
        return
    opened = Shop.open(f"sqlite:///{tmp_path / 'shop.db'}")
    yield opened
    opened.close()


@pytest.fixture
def redis_socket() -> Iterator[Path]:
    """A throwaway ``redis-server`` listening only on a Unix socket (no TCP port)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        unavailable("redis-server is not installed (Debian package redis-server)")
    workdir = Path(tempfile.mkdtemp(prefix="cc-redis-"))  # short: socket paths max ~100 bytes
    path = workdir / "redis.sock"
    command = [binary, "--port", "0", "--unixsocket", str(path), "--unixsocketperm", "700"]
    command += ["--dir", str(workdir), "--save", "", "--appendonly", "no", "--daemonize", "no"]
    log = (workdir / "redis.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_pong(path, process, workdir / "redis.log")
        yield path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_pong(path: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            unavailable(f"redis-server exited: {log.read_text(errors='replace')[-1000:]}")
        try:
            with socket.socket(socket.AF_UNIX) as client:
                client.settimeout(1)
                client.connect(str(path))
                client.sendall(b"PING\r\n")
                if client.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.02)
    unavailable("redis-server did not answer PING within 10 s")
