"""The asyncio front on real databases through the async drivers: what only SQL can show.

- The first calls of a new core, run at once, look up the users table (and on
  MySQL/MariaDB the orders' index hint) without holding a thread lock across
  the lookup's I/O, which under the greenlet bridge would stop the loop's thread.
- A task cancelled while its write waits on a lock leaves no half-written change
  and gives its connection back to the pool.
- The loop stays responsive while 100 log-ins run (hashing is off the loop):
  late wake-ups of a ticker, with a generous bound; the figures are the benchmark's.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

pytest.importorskip("greenlet")

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from aio_front import (
    AUTHOR_ID,
    CHEAP_HASHER,
    HASH_POOL,
    AioDatabase,
    LoopRunner,
    aio_database,
)
from customer_core import Argon2Hasher, InvalidCredentials
from customer_core.aio import AsyncCustomerCore
from customer_core.testing.sql import SQLOrderRecorder

ADDRESS = {
    "full_name": "Ada Lovelace", "phone": "+442079460958", "address_line1": "12 Square",
    "city": "London", "state": "London", "zip_code": "SW1", "country": "GB",
}  # fmt: skip


@pytest.fixture(scope="module")
def loop_runner() -> Iterator[LoopRunner]:
    runner = LoopRunner()
    yield runner
    runner.close()


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest) -> AioDatabase:
    db = aio_database(backend, request)
    db.empty()
    return db


def small_engine(database: AioDatabase) -> AsyncEngine:
    """A host's AsyncEngine with one connection: a leaked connection makes the next call wait."""
    return create_async_engine(
        database.async_url, pool_size=1, max_overflow=0, pool_timeout=5, hide_parameters=True
    )


def test_first_calls_at_once_do_not_stop_the_loop(
    database: AioDatabase, loop_runner: LoopRunner
) -> None:
    """Fresh cores' first note (users table) and recalculation (index hint) calls run at once."""

    async def main() -> None:
        setup = AsyncCustomerCore.from_url(database.async_url, password_hasher=CHEAP_HASHER)
        async with setup:
            ada = await setup.customers.register(name="A", email="a@example.com", password="p" * 12)
        SQLOrderRecorder(database.engine, database.host).record(
            order_id=1, customer_id=ada.id, total_amount=Decimal("3"), status="delivered"
        )
        core = AsyncCustomerCore.from_url(
            database.async_url, orders=database.host.orders_spec, password_hasher=CHEAP_HASHER
        )
        async with core:
            notes = [core.notes.add(ada.id, author_id=AUTHOR_ID, text=f"n{i}") for i in range(3)]
            totals = [core.ltv.recalculate(ada.id) for _ in range(3)]
            await asyncio.gather(*notes, *totals)
            assert len(await core.notes.list(ada.id)) == 3
            assert (await core.customers.get(ada.id)).total_orders == 1

    loop_runner.run(main(), timeout=60)


@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.sql])]
)
def test_a_cancelled_write_changes_nothing_and_returns_its_connection(
    database: AioDatabase, loop_runner: LoopRunner
) -> None:
    """``add(is_default=True)`` waits on a host's lock of the old default, half-way through
    its transaction; cancelled there, it leaves the old default and no new address, and the
    one pooled connection serves the next call."""
    engine = small_engine(database)
    core = AsyncCustomerCore.from_engine(engine, password_hasher=CHEAP_HASHER, executor=HASH_POOL)

    async def prepare() -> tuple[int, int]:
        ada = await core.customers.register(name="A", email="a@example.com", password="p" * 12)
        old = await core.addresses.add(ada.id, type="shipping", is_default=True, **ADDRESS)
        return ada.id, old.id

    ada_id, old_id = loop_runner.run(prepare())
    with database.engine.connect() as host, host.begin():
        host.execute(sa.text(f"select id from addresses where id = {old_id} for update"))

        async def cancel_mid_call() -> None:
            task = asyncio.create_task(
                core.addresses.add(ada_id, type="shipping", is_default=True, **ADDRESS)
            )
            await asyncio.sleep(0.5)  # the call has locked the customer and waits on the address
            assert not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        loop_runner.run(cancel_mid_call())
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    async def after() -> list[tuple[int, bool]]:
        addresses = await core.addresses.list(ada_id)
        return [(a.id, a.is_default) for a in addresses]

    assert loop_runner.run(after(), timeout=30) == [(old_id, True)]
    loop_runner.run(engine.dispose())


@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.sql])]
)
def test_the_loop_stays_responsive_while_100_log_ins_run(
    database: AioDatabase, loop_runner: LoopRunner
) -> None:
    """A ticker asking to wake every 5 ms is never late by much while 100 log-ins run."""
    hasher = Argon2Hasher(time_cost=2, memory_cost=8192, parallelism=1)

    async def main() -> list[float]:
        core = AsyncCustomerCore.from_url(
            database.async_url, password_hasher=hasher, max_hash_workers=2, pool_size=10
        )
        async with core:
            await core.customers.register(name="A", email="a@example.com", password="p" * 12)
            late: list[float] = []
            done = asyncio.Event()

            async def ticker() -> None:
                while not done.is_set():
                    start = time.perf_counter()
                    await asyncio.sleep(0.005)
                    late.append(time.perf_counter() - start - 0.005)

            ticking = asyncio.create_task(ticker())
            logins = [
                core.customers.authenticate("a@example.com", "p" * 12 if i % 2 else "wrong one!")
                for i in range(100)
            ]
            results = await asyncio.gather(*logins, return_exceptions=True)
            done.set()
            await ticking
            assert sum(isinstance(r, InvalidCredentials) for r in results) == 50
            assert not [r for r in results if isinstance(r, BaseException)][50:]
            return late

    late = loop_runner.run(main(), timeout=120)
    assert len(late) > 10
    # Generous: a shared CI machine; hashing on the loop would be late by seconds.
    assert statistics.quantiles(late, n=100)[98] < 0.25, max(late)


def test_aclose_leaves_a_hosts_engine_open_and_disposes_its_own(
    database: AioDatabase, loop_runner: LoopRunner
) -> None:
    async def main() -> None:
        host_engine = small_engine(database)
        async with AsyncCustomerCore.from_engine(host_engine, password_hasher=CHEAP_HASHER) as core:
            await core.customers.register(name="A", email="a@example.com", password="p" * 12)
        async with host_engine.connect() as connection:  # still the host's, still usable
            assert await connection.scalar(sa.text("select count(*) from customers")) == 1
        await host_engine.dispose()

        own = AsyncCustomerCore.from_url(database.async_url, password_hasher=CHEAP_HASHER)
        await own.customers.find_by_email("a@example.com")
        pool = own.storage.engine.pool  # type: ignore[attr-defined]
        assert pool.checkedin() == 1
        await own.aclose()
        assert pool.checkedin() == 0  # disposed: its connections are closed

    loop_runner.run(main(), timeout=60)


def test_the_async_factories_name_the_reset_tokens_table_as_the_sync_ones_do(
    database: AioDatabase, loop_runner: LoopRunner
) -> None:
    """``reset_table`` (Laravel's password-reset layout) reaches the storage from both async
    factories, as from ``CustomerCore``'s: a reset's token is stored in that table."""

    async def main() -> list[int]:
        host_engine = small_engine(database)
        counts = []
        for core in (
            AsyncCustomerCore.from_url(
                database.async_url, password_hasher=CHEAP_HASHER, reset_table="aio_resets"
            ),
            AsyncCustomerCore.from_engine(
                host_engine, password_hasher=CHEAP_HASHER, reset_table="aio_resets"
            ),
        ):
            async with core:
                await core.create_schema()
                email = f"r{len(counts)}@example.com"
                await core.customers.register(name="R", email=email, password="p" * 12)
                assert await core.customers.request_password_reset(email) is not None
            with database.engine.connect() as connection:
                count = connection.execute(sa.text("select count(*) from aio_resets"))
                counts.append(count.scalar_one())
        await host_engine.dispose()
        return counts

    assert loop_runner.run(main(), timeout=60) == [1, 2]
