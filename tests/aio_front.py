"""A sync façade over ``AsyncCustomerCore``: sync test classes run against the asyncio front.

Every call becomes a coroutine run on ONE event loop owned by a background
thread (:class:`LoopRunner`): the async front is exercised exactly as an
asyncio host would, while the contract suite (and threads of the concurrency
tests, which then become concurrent tasks on that loop) stay unchanged.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

import attrs
import pytest
import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage, engine_from_url
from customer_core.adapters.sqlalchemy._schema import DEFAULT_RESET_TABLE
from customer_core.aio import AsyncCustomerCore
from customer_core.events import OrderEvent
from customer_core.model import Customer
from customer_core.passwords import PasswordHasher
from customer_core.ports import Clock, Storage
from customer_core.testing import FrozenClock, Harness
from customer_core.testing.sql import HostTables, SQLOrderRecorder, database_text
from servers import Server

T = TypeVar("T")

# Cheap parameters keep the suite fast; the contract never depends on them.
CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
AUTHOR_ID = 1
UNKNOWN_AUTHOR_ID = 424_242

#: One hashing pool for every test core (a pool per core would pile up threads).
HASH_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="test-hash")

#: The async driver each backend's tests use.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "mariadb": "mariadb+asyncmy",
}

#: The asyncio front's storages, each with its pytest marks.
AIO_BACKENDS = [
    pytest.param("memory", marks=[pytest.mark.memory], id="aio-memory"),
    *(
        pytest.param(name, marks=[getattr(pytest.mark, name), pytest.mark.sql], id=f"aio-{name}")
        for name in ASYNC_DRIVERS
    ),
]


class LoopRunner:
    """An event loop running in a daemon thread; :meth:`run` waits for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        """The coroutine's result (or its exception), run on the loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class _SyncService:
    """Each coroutine method of an async service as a plain call run on the runner's loop."""

    def __init__(self, service: object, runner: LoopRunner) -> None:
        self._service = service
        self._runner = runner

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._service, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if hasattr(result, "__anext__"):  # ``stream``: an async iterator
                return self._iterate(result)
            return self._runner.run(result)

        return call

    def _iterate(self, iterator: Any) -> Iterator[Any]:
        """The async iterator's items, each ``__anext__`` run on the runner's loop; closing
        this iterator closes the async one there (its read transaction ends)."""
        try:
            while True:
                try:
                    yield self._runner.run(iterator.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            self._runner.run(iterator.aclose())


class SyncFront:
    """Stands in for ``CustomerCore`` in a Harness; every service call goes through ``core``.

    ``storage`` is what tests use to set up rows directly and to build cores of
    their own: the async core's storage for in-memory, a sync storage on the same
    database for SQL (the async one may only be used inside the bridge).
    """

    def __init__(
        self, core: AsyncCustomerCore[Any], runner: LoopRunner, storage: Storage | None = None
    ) -> None:
        self.aio = core
        self._runner = runner
        self._storage = storage or core.storage
        self.customers = _SyncService(core.customers, runner)
        self.addresses = _SyncService(core.addresses, runner)
        self.notes = _SyncService(core.notes, runner)
        self.ltv = _SyncService(core.ltv, runner)
        self.timeline = _SyncService(core.timeline, runner)
        self.privacy = _SyncService(core.privacy, runner)
        self.analytics = _SyncService(core.analytics, runner)

    @property
    def storage(self) -> Storage:
        return self._storage

    def acting_as(self, actor_id: int) -> SyncFront:
        return SyncFront(self.aio.acting_as(actor_id), self._runner, self._storage)

    @property
    def actor_id(self) -> int | None:
        return self.aio.actor_id

    @property
    def reset_token_ttl(self) -> timedelta:
        return self.aio.reset_token_ttl

    @property
    def orders(self) -> Any:
        return self.aio.orders

    @property
    def clock(self) -> Clock:
        return self.aio.clock

    @property
    def password_hasher(self) -> PasswordHasher:
        return self.aio.password_hasher

    @property
    def default_region(self) -> str | None:
        return self.aio.default_region

    def create_schema(self) -> None:
        self._runner.run(self.aio.create_schema())

    def handle(self, event: OrderEvent) -> Customer | None:
        return self._runner.run(self.aio.handle(event))

    def handle_many(self, events: Iterable[OrderEvent]) -> int:
        return self._runner.run(self.aio.handle_many(events))


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

    def empty(self) -> None:
        """Delete every row a previous test left (children first), keeping the users."""
        tables = (
            "customer_notes",
            "addresses",
            "customers",
            self.host.orders.name,
            "customer_events",
            DEFAULT_RESET_TABLE,
        )
        with self.engine.begin() as connection:
            for name in tables:
                connection.execute(sa.text(f"delete from {name}"))


_DATABASES: dict[str, AioDatabase] = {}


def aio_database(backend: str, request: pytest.FixtureRequest) -> AioDatabase:
    """The session's asyncio database on ``backend`` (made with its host tables on first use).

    Its own database, apart from the sync suite's, so the two never share rows.
    """
    if backend not in _DATABASES:
        if backend == "sqlite":
            tmp: Path = request.getfixturevalue("tmp_path_factory").mktemp("aio")
            url = f"sqlite:///{tmp / 'aio.db'}"
        else:
            server: Server = request.getfixturevalue(f"{backend}_server")
            url = server.create_database("aio")
        engine = engine_from_url(url)
        host = HostTables.define()
        host.create(engine, user_ids=[AUTHOR_ID])
        SQLAlchemyStorage(engine).create_schema()
        _DATABASES[backend] = AioDatabase(url, async_url(url, backend), engine, host)
        request.session.config.add_cleanup(engine.dispose)
        request.session.config.add_cleanup(lambda: _DATABASES.pop(backend, None))
    return _DATABASES[backend]


def memory_harness(runner: LoopRunner, **options: Any) -> Harness:
    """A fresh in-memory asyncio core behind the sync façade."""
    clock = FrozenClock()
    options.setdefault("password_hasher", CHEAP_HASHER)
    core = AsyncCustomerCore.in_memory(clock=clock, executor=HASH_POOL, **options)
    front = cast(CustomerCore, SyncFront(core, runner))
    # Every table of the in-memory storage, for the privacy contract's search.
    tables = core.storage._tables  # type: ignore[attr-defined]
    return Harness(
        core=front, orders=core.orders, clock=clock, stored_text=lambda: repr(tables).lower()
    )


def sql_harness(database: AioDatabase, runner: LoopRunner, engine: Any, **options: Any) -> Harness:
    """A fresh asyncio core on the emptied database, on ``engine`` (an ``AsyncEngine``)."""
    database.empty()
    clock = FrozenClock()
    options.setdefault("password_hasher", CHEAP_HASHER)
    core = AsyncCustomerCore.from_engine(
        engine, orders=database.host.orders_spec, clock=clock, executor=HASH_POOL, **options
    )
    sync_storage = SQLAlchemyStorage(database.engine, orders=database.host.orders_spec)
    return Harness(
        core=cast(CustomerCore, SyncFront(core, runner, storage=sync_storage)),
        orders=SQLOrderRecorder(database.engine, database.host, clock=clock),
        clock=clock,
        author_id=AUTHOR_ID,
        unknown_author_id=UNKNOWN_AUTHOR_ID,
        stored_text=partial(database_text, database.engine),
    )
