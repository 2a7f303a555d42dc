"""What the asyncio front's own asyncpg engines leave out of every call, on PostgreSQL.

- No ``SET LOCAL lock_timeout`` per transaction: every session already runs with the
  core's ``lock_timeout`` (asyncpg's ``server_settings``), and a lock held too long
  still ends the waiting call with ``StorageConflict``.
- No pre-ping (three round trips on asyncpg): a connection the server closed while it
  sat in the pool is replaced on checkout all the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

pytest.importorskip("greenlet")

import sqlalchemy as sa
from sqlalchemy import event

from aio_front import CHEAP_HASHER, AioDatabase, LoopRunner, aio_database
from customer_core import StorageConflict
from customer_core.aio import AsyncCustomerCore

pytestmark = [pytest.mark.postgres, pytest.mark.sql]


@pytest.fixture(scope="module")
def loop_runner() -> Iterator[LoopRunner]:
    runner = LoopRunner()
    yield runner
    runner.close()


@pytest.fixture
def database(request: pytest.FixtureRequest) -> AioDatabase:
    db = aio_database("postgres", request)
    db.empty()
    return db


def test_sessions_carry_the_lock_timeout_and_transactions_set_none(
    database: AioDatabase, loop_runner: LoopRunner
) -> None:
    async def main() -> tuple[list[str], str]:
        core = AsyncCustomerCore.from_url(
            database.async_url, password_hasher=CHEAP_HASHER, lock_timeout=0.5, pool_size=2
        )
        async with core:
            ada = await core.customers.register(name="A", email="a@example.com", password="p" * 12)
            statements: list[str] = []
            engine = core.storage.engine  # type: ignore[attr-defined]
            event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            await core.customers.get(ada.id)
            await core.customers.update(ada.id, name="Ada")
            async with core._engines[0].connect() as connection:
                timeout = (await connection.exec_driver_sql("SHOW lock_timeout")).scalar_one()
            # A row lock held longer than lock_timeout: the waiting write gives up.
            with database.engine.begin() as holder:
                holder.execute(sa.text(f"select 1 from customers where id = {ada.id} for update"))
                with pytest.raises(StorageConflict):
                    await core.customers.update(ada.id, name="Late")
            return statements, timeout

    statements, timeout = loop_runner.run(main(), timeout=60)
    assert not [s for s in statements if s.startswith("SET")]
    assert len(statements) >= 3  # the get's SELECT; the update's lock, UPDATE, event
    assert timeout == "500ms"


def test_a_connection_the_server_closed_in_the_pool_is_replaced_on_checkout(
    database: AioDatabase, loop_runner: LoopRunner
) -> None:
    async def main() -> str:
        core = AsyncCustomerCore.from_url(
            database.async_url, password_hasher=CHEAP_HASHER, pool_size=1, max_overflow=0
        )
        async with core:
            ada = await core.customers.register(name="A", email="a@example.com", password="p" * 12)
            with database.engine.connect() as admin:
                killed = admin.execute(
                    sa.text(
                        "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                        "where datname = current_database() and pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            assert killed >= 1
            await asyncio.sleep(0.2)  # the loop reads the server's goodbye on the idle socket
            return (await core.customers.get(ada.id)).name

    assert loop_runner.run(main(), timeout=60) == "A"
