"""``AsyncCustomerCore.using``: the asyncio front inside the host's AsyncConnection or
AsyncSession transaction, on SQLite (aiosqlite), PostgreSQL (asyncpg) and MariaDB (asyncmy)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

pytest.importorskip("greenlet")

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from aio_front import CHEAP_HASHER, AioDatabase, aio_database
from customer_core import DuplicateEmail
from customer_core.aio import AsyncCustomerCore

PASSWORD = "correct horse"


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest) -> AioDatabase:
    db = aio_database(backend, request)
    db.empty()
    return db


def _run(
    database: AioDatabase, story: Callable[[AsyncEngine, AsyncCustomerCore], Awaitable[None]]
) -> None:
    async def main() -> None:
        engine = create_async_engine(database.async_url, hide_parameters=True)
        try:
            async with AsyncCustomerCore.from_engine(engine, password_hasher=CHEAP_HASHER) as core:
                await story(engine, core)
        finally:
            await engine.dispose()

    asyncio.run(main())


def _emails(database: AioDatabase) -> list[str]:
    with database.engine.connect() as connection:
        return list(connection.scalars(sa.text("select email from customers order by id")))


def test_host_rollback_undoes_the_library_writes(database: AioDatabase) -> None:
    """The library's writes inside the host's AsyncConnection transaction go with its rollback."""

    async def story(engine: AsyncEngine, core: AsyncCustomerCore) -> None:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            joined = core.using(connection)
            ada = await joined.customers.register(name="Ada", email="ada@x.io", password=PASSWORD)
            await joined.notes.add(ada.id, author_id=1, text="VIP")
            await transaction.rollback()

    _run(database, story)
    assert _emails(database) == []


def test_a_failed_call_keeps_the_hosts_earlier_writes(database: AioDatabase) -> None:
    """A DuplicateEmail inside the host's transaction rolls back its savepoint only; the host
    commits what it wrote before and after."""

    async def story(engine: AsyncEngine, core: AsyncCustomerCore) -> None:
        async with engine.connect() as connection, connection.begin():
            joined = core.using(connection)
            await joined.customers.register(name="Ada", email="ada@x.io", password=PASSWORD)
            with pytest.raises(DuplicateEmail):
                await joined.customers.register(name="Eve", email="ADA@x.io", password=PASSWORD)
            await joined.customers.register(name="Bob", email="bob@x.io", password=PASSWORD)

    _run(database, story)
    assert _emails(database) == ["ada@x.io", "bob@x.io"]


def test_an_async_session_joins_too(database: AioDatabase) -> None:
    """An AsyncSession's transaction: the library's writes commit with the session's."""

    async def story(engine: AsyncEngine, core: AsyncCustomerCore) -> None:
        async with AsyncSession(engine) as session, session.begin():
            joined = core.using(session)
            assert joined.on_primary() is joined
            await joined.customers.register(name="Ada", email="ada@x.io", password=PASSWORD)

    _run(database, story)
    assert _emails(database) == ["ada@x.io"]


def test_using_needs_an_async_connection_or_session() -> None:
    """Anything else is a TypeError naming what was passed."""
    core = AsyncCustomerCore.in_memory()
    with pytest.raises(TypeError, match="AsyncConnection or AsyncSession"):
        core.using(object())
