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


def test_one_statement_reads_send_no_transaction_block_and_rfm_keeps_its_own(
    database: AioDatabase, loop_runner: LoopRunner
) -> None:
    """``get``, ``find_by_email``, ``search`` and ``scroll`` run their one statement outside a
    transaction block (no BEGIN/COMMIT round trips); a write and the RFM stream (a
    server-side cursor) still run inside one; a held table lock still ends such a read
    with StorageConflict (the session's lock_timeout bounds it)."""

    async def main() -> list[tuple[str, bool]]:
        core = AsyncCustomerCore.from_url(
            database.async_url, password_hasher=CHEAP_HASHER, lock_timeout=0.5, pool_size=2
        )
        async with core:
            ada = await core.customers.register(name="A", email="a@example.com", password="p" * 12)
            seen: list[tuple[str, bool]] = []

            def record(connection: sa.Connection, _c: object, statement: str, *_: object) -> None:
                driver = connection.connection.dbapi_connection._connection  # type: ignore[union-attr]
                seen.append((statement.split()[0].upper(), driver.is_in_transaction()))

            engine = core.storage.engine  # type: ignore[attr-defined]
            event.listen(engine, "after_cursor_execute", record)
            await core.customers.get(ada.id)
            await core.customers.find_by_email("a@example.com")
            await core.customers.search("A")
            await core.customers.search("A", total="estimate")
            await core.customers.scroll()
            reads = list(seen)
            seen.clear()
            await core.customers.update(ada.id, name="Ada")
            _ = [score async for score in core.analytics.rfm()]
            writes_and_stream = list(seen)
            event.remove(engine, "after_cursor_execute", record)
            with database.engine.connect() as holder, holder.begin():
                holder.exec_driver_sql("lock table customers in access exclusive mode")
                with pytest.raises(StorageConflict):
                    await core.customers.get(ada.id)
            return [*reads, ("--", False), *writes_and_stream]

    seen = loop_runner.run(main(), timeout=60)
    reads, others = seen[: seen.index(("--", False))], seen[seen.index(("--", False)) + 1 :]
    assert len(reads) >= 5
    assert all(kind in ("SELECT", "EXPLAIN", "WITH") for kind, _ in reads), reads
    assert not any(in_transaction for _, in_transaction in reads), reads
    assert others
    assert all(in_transaction for _, in_transaction in others), others
