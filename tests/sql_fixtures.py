"""Session fixtures for the SQL backends: SQLite files and real PostgreSQL / MariaDB servers.

conftest.py loads them when SQLAlchemy is installed.

The servers start once per test session, only when a selected test needs them,
and are stopped and deleted at its end. Where a server cannot start the tests
that need it are skipped with the reason, except under ``CI=true``, where a
missing server is a failure: CI must never pass by skipping the real databases.

``-m sqlite`` / ``-m postgres`` / ``-m mariadb`` select one backend; ``-m sql``
all three.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from customer_core.adapters.sqlalchemy import engine_from_url
from servers import Server, ServerUnavailable, start_mariadb, start_postgres, start_postgres_pair

BACKENDS = ("sqlite", "postgres", "mariadb")

#: Parameters of fixtures that run once per SQL backend, each with its pytest mark.
BACKEND_PARAMS = [
    pytest.param(name, marks=[getattr(pytest.mark, name), pytest.mark.sql], id=name)
    for name in BACKENDS
]


def _unavailable(reason: str) -> None:
    """Skip, or fail under CI (a CI run must exercise every real database)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and a database server is unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def _server(request: pytest.FixtureRequest, kind: str) -> Iterator[Server]:
    starter = start_postgres if kind == "postgres" else start_mariadb
    try:
        server = starter()
    except ServerUnavailable as error:
        _unavailable(f"{kind} server unavailable: {error}")
        raise  # unreachable: skip/fail raise
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A PostgreSQL server for the whole session (stopped and deleted at the end)."""
    yield from _server(request, "postgres")


@pytest.fixture(scope="session")
def mariadb_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A MariaDB server for the whole session (stopped and deleted at the end)."""
    yield from _server(request, "mariadb")


def replicated_pair() -> Iterator[tuple[Server, Server]]:
    """A PostgreSQL primary and its hot standby, stopped and deleted afterwards."""
    try:
        primary, standby = start_postgres_pair()
    except ServerUnavailable as error:
        _unavailable(f"postgres primary and standby unavailable: {error}")
        raise  # unreachable: skip/fail raise
    try:
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()


@pytest.fixture(scope="session")
def postgres_pair() -> Iterator[tuple[Server, Server]]:
    """A PostgreSQL primary and its hot standby for the session (the read-replica tests)."""
    yield from replicated_pair()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: Server) -> str:
    """The URL of a fresh database on the session's PostgreSQL server."""
    return postgres_server.create_database("cc")


@pytest.fixture(scope="session")
def mariadb_url(mariadb_server: Server) -> str:
    """The URL of a fresh database on the session's MariaDB server."""
    return mariadb_server.create_database("cc")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a SQLite file database for the session."""
    path: Path = tmp_path_factory.mktemp("sqlite") / "customers.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", params=BACKEND_PARAMS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the SQL backend a test runs on: sqlite, postgres or mariadb."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A session database on ``backend`` (the server starts on first use)."""
    url: str = request.getfixturevalue(f"{backend}_url")
    return url


@pytest.fixture(scope="session")
def sql_engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine made by the library's ``engine_from_url`` on the session database."""
    engine = engine_from_url(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database for one test (for tests that build their own schema)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    server: Server = request.getfixturevalue(f"{backend}_server")
    return server.create_database("fresh")
