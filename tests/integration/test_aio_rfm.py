"""RFM on the asyncio front: an async iterator that reads in batches and gives its
connection back when the caller stops early."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import aclosing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.util.concurrency import in_greenlet

pytest.importorskip("aiosqlite")

from customer_core import Argon2Hasher
from customer_core.aio import AsyncCustomerCore, _bridge
from customer_core.testing.sql import HostTables

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


async def _shop(path: Path, customers: int) -> AsyncCustomerCore[object]:
    host = HostTables.define()
    core = AsyncCustomerCore.from_url(
        f"sqlite+aiosqlite:///{path}", orders=host.orders_spec, password_hasher=CHEAP
    )
    await core.create_schema()
    records = [
        {"name": f"C{n}", "email": f"c{n}@example.com", "password_hash": CHEAP.hash("x" * 12)}
        for n in range(customers)
    ]
    await core.customers.import_many(records)
    engine = sa.create_engine(f"sqlite:///{path}")  # the host writes its orders on its own
    host.orders.create(engine)
    with engine.begin() as connection:
        connection.execute(
            host.orders.insert(),
            [
                {
                    "id": n + 1,
                    "customer_id": n + 1,
                    "status": "delivered",
                    "total_amount": Decimal("10.00"),
                    "created_at": datetime(2025, 1, 1, tzinfo=UTC),
                }
                for n in range(customers)
            ],
        )
    engine.dispose()
    await core.ltv.recalculate_all()
    return core


@pytest.mark.filterwarnings("error")  # a transaction ended outside the bridge warns
def test_rfm_streams_in_batches_and_closes_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All scores arrive over several batches; leaving early ends the read transaction in the
    bridge (not in a garbage collector outside it) and gives the connection back."""
    monkeypatch.setattr(_bridge, "BATCH", 3)

    async def main() -> tuple[list[int], int, int]:
        core = await _shop(tmp_path / "shop.db", 10)
        try:
            ids = [score.customer_id async for score in core.analytics.rfm()]
            async with aclosing(core.analytics.rfm()) as scores:
                async for _ in scores:
                    break
            pool = core._engines[0].sync_engine.pool
            return ids, pool.checkedout(), len(await core.analytics.rfm_summary())
        finally:
            await core.aclose()

    ids, checked_out, labels = asyncio.run(main())
    assert ids == list(range(1, 11))
    assert checked_out == 0
    assert labels > 0


@pytest.mark.filterwarnings("error")
def test_stream_reads_in_batches_and_closes_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stream`` goes through the same bridge as ``rfm``: every customer, one of the
    stream's own batches per trip (not one trip per item), and leaving early closes the
    sync stream and gives the connection back."""
    trips = 0
    take = _bridge._take

    def counted(iterator: Iterator[object], size: int) -> list[object]:
        nonlocal trips
        trips += 1
        return take(iterator, size)

    monkeypatch.setattr(_bridge, "_take", counted)

    async def main() -> tuple[list[int], int]:
        core = await _shop(tmp_path / "shop.db", 10)
        try:
            ids = [customer.id async for customer in core.customers.stream(batch_size=3)]
            async with aclosing(core.customers.stream(batch_size=3)) as customers:
                async for _ in customers:
                    break
            return ids, core._engines[0].sync_engine.pool.checkedout()
        finally:
            await core.aclose()

    ids, checked_out = asyncio.run(main())
    assert ids == list(range(1, 11))
    assert trips == 5 + 1  # 3 + 3 + 3 + 1 + the empty end, then the early-left stream's first
    assert checked_out == 0


def test_leaving_early_closes_the_sync_iterator_inside_the_bridge() -> None:
    """The sync iterator's ``finally`` (where a read transaction ends) runs in a greenlet,
    where its I/O can be awaited on the loop."""
    closed_in_greenlet: list[bool] = []

    def numbers() -> Iterator[int]:
        try:
            yield from range(10)
        finally:
            closed_in_greenlet.append(in_greenlet())

    async def main() -> list[int]:
        seen = []
        async with aclosing(_bridge.iterate_sync(numbers())) as items:
            async for item in items:
                seen.append(item)
                if item == 2:
                    break
        return seen

    assert asyncio.run(main()) == [0, 1, 2]
    assert closed_in_greenlet == [True]
