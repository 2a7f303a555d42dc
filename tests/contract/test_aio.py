"""The contract suite against the asyncio front, on every storage, through the async drivers.

The very same contract classes as test_memory.py and test_sql.py: the harness's
core is a sync façade (tests/aio_front.py) whose calls run as coroutines on one
event loop in a background thread. SQL runs on its own database per backend
through ``sqlite+aiosqlite``, ``postgresql+asyncpg`` and ``mariadb+asyncmy``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import attrs
import pytest
import sqlalchemy as sa
from test_sql import CHEAP_HASHER, empty_tables

from aio_front import LoopRunner, SyncFront
from customer_core import CustomerCore
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage, engine_from_url
from customer_core.aio import AsyncCustomerCore
from customer_core.testing import FrozenClock, Harness, contract
from customer_core.testing.sql import HostTables, SQLOrderRecorder
from servers import Server

pytest.importorskip("greenlet")

AUTHOR_ID = 1
UNKNOWN_AUTHOR_ID = 424_242

#: The async driver each backend's tests use.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "mariadb": "mariadb+asyncmy",
}


def async_url(url: str, backend: str) -> str:
    """The same database's URL with the backend's async driver."""
    return sa.make_url(url).set(drivername=ASYNC_DRIVERS[backend]).render_as_string(False)


@attrs.frozen
class AioDatabase:
    """One backend's database for the asyncio tests: both URLs, a sync engine, the host tables."""

    url: str
    async_url: str
    engine: sa.Engine
    host: HostTables


@pytest.fixture(scope="session")
def loop_runner() -> Iterator[LoopRunner]:
    """The one event loop (in a background thread) every asyncio-front call runs on."""
    runner = LoopRunner()
    yield runner
    runner.close()


def _database_url(backend: str, request: pytest.FixtureRequest, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'aio.db'}"
    server: Server = request.getfixturevalue(f"{backend}_server")
    return server.create_database("aio")


_DATABASES: dict[str, AioDatabase] = {}


def aio_database(backend: str, request: pytest.FixtureRequest) -> AioDatabase:
    """The session's asyncio database on ``backend`` (made with its host tables on first use)."""
    if backend not in _DATABASES:
        tmp = request.getfixturevalue("tmp_path_factory").mktemp("aio")
        url = _database_url(backend, request, tmp)
        engine = engine_from_url(url)
        host = HostTables.define()
        host.create(engine, user_ids=[AUTHOR_ID])
        SQLAlchemyStorage(engine).create_schema()
        _DATABASES[backend] = AioDatabase(url, async_url(url, backend), engine, host)
        request.session.config.add_cleanup(engine.dispose)
    return _DATABASES[backend]


def memory_front(runner: LoopRunner) -> Harness:
    """A fresh in-memory asyncio core behind the sync façade."""
    clock = FrozenClock()
    core = AsyncCustomerCore.in_memory(clock=clock, password_hasher=CHEAP_HASHER)
    return Harness(
        core=cast(CustomerCore, SyncFront(core, runner)), orders=core.orders, clock=clock
    )


def sql_front(database: AioDatabase, runner: LoopRunner) -> Iterator[Harness]:
    """A fresh asyncio core on an emptied SQL database (its own engine, disposed after)."""
    empty_tables(database.engine, database.host)
    clock = FrozenClock()
    core = AsyncCustomerCore.from_url(
        database.async_url,
        orders=database.host.orders_spec,
        clock=clock,
        password_hasher=CHEAP_HASHER,
    )
    sync_storage = SQLAlchemyStorage(database.engine, orders=database.host.orders_spec)
    front = SyncFront(core, runner, storage=sync_storage)
    recorder = SQLOrderRecorder(database.engine, database.host, clock=clock)
    yield Harness(
        core=cast(CustomerCore, front),
        orders=recorder,
        clock=clock,
        author_id=AUTHOR_ID,
        unknown_author_id=UNKNOWN_AUTHOR_ID,
    )
    runner.run(core.aclose())


AIO_BACKENDS = [
    pytest.param("memory", marks=[pytest.mark.memory], id="aio-memory"),
    *(
        pytest.param(name, marks=[getattr(pytest.mark, name), pytest.mark.sql], id=f"aio-{name}")
        for name in ASYNC_DRIVERS
    ),
]


@pytest.fixture(params=AIO_BACKENDS)
def harness(request: pytest.FixtureRequest, loop_runner: LoopRunner) -> Iterator[Any]:
    """A fresh asyncio-front harness for each contract test, on each storage."""
    if request.param == "memory":
        yield memory_front(loop_runner)
        return
    yield from sql_front(aio_database(request.param, request), loop_runner)


class TestRegistry(contract.RegistryContract):
    pass


class TestRegistryValidation(contract.RegistryValidationContract):
    pass


class TestAuthentication(contract.AuthenticationContract):
    pass


class TestSearch(contract.SearchContract):
    pass


class TestAddressBook(contract.AddressBookContract):
    pass


class TestNotes(contract.NotesContract):
    pass


class TestLifetimeValue(contract.LifetimeValueContract):
    pass


class TestEvents(contract.EventsContract):
    pass


class TestImport(contract.ImportContract):
    pass


class TestFailureAtomicity(contract.FailureAtomicityContract):
    pass
