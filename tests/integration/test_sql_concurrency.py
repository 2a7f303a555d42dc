"""Concurrent calls from threads on real databases keep the invariants.

- Racing ``set_default`` / ``add(is_default=True)`` / ``remove`` on one
  customer never leave two defaults (or none) of a type: the service locks the
  customer's row (``SELECT ... FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite).
- Racing lifetime-value recalculations (event handlers and ``recalculate_all``)
  while order statuses change end with every customer's totals equal to the
  truth, with no final recalculation: no handler ever writes stale totals.
- ``handle_many`` and a host transaction inserting orders (whose foreign key
  locks the customer rows) neither deadlock nor fail: on PostgreSQL the
  library's ``FOR NO KEY UPDATE`` does not conflict with the key-share lock; on
  MariaDB the deadlock InnoDB detects is a ``StorageConflict`` and the chunk runs again.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import cast

import pytest
import sqlalchemy as sa
from host_shop import CHEAP, open_shop
from laravel_ddl import build_laravel_database
from threads import run_threads

from customer_core import AddressNotFound, CustomerCore
from customer_core.adapters.sqlalchemy import OrdersTable, engine_from_url
from customer_core.events import OrderPlaced, OrderStatusChanged
from customer_core.model import money
from customer_core.testing import FrozenClock
from customer_core.testing.sql import SQLOrderRecorder

THREADS = 6
ADDRESS = {
    "full_name": "Ada Lovelace", "phone": "+442079460958", "address_line1": "12 Square",
    "city": "London", "state": "London", "zip_code": "SW1", "country": "GB",
}  # fmt: skip


@pytest.fixture(params=["sync", "aio"])
def setup(
    request: pytest.FixtureRequest, fresh_database_url: str, backend: str
) -> Iterator[tuple[CustomerCore, SQLOrderRecorder, sa.Engine]]:
    """A core with the host's tables on a fresh database, with a pool big enough for the threads.

    ``aio``: the asyncio front through the backend's async driver, behind the sync façade
    of tests/aio_front.py; the threads' calls become concurrent tasks on its one loop.
    """
    with open_shop(fresh_database_url, pool_size=THREADS + 2) as (core, orders, engine, host):
        if request.param == "sync":
            yield core, orders, engine
            return
        pytest.importorskip("greenlet")
        from aio_front import HASH_POOL, LoopRunner, SyncFront, async_url
        from customer_core.aio import AsyncCustomerCore

        runner = LoopRunner()
        aio = AsyncCustomerCore.from_url(
            async_url(fresh_database_url, backend),
            orders=host.orders_spec,
            clock=core.clock,
            password_hasher=CHEAP,
            executor=HASH_POOL,
            pool_size=THREADS + 2,
        )
        try:
            yield cast(CustomerCore, SyncFront(aio, runner, storage=core.storage)), orders, engine
        finally:
            runner.run(aio.aclose())
            runner.close()


def test_racing_default_changes_keep_one_default(
    setup: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """However set_default, add(is_default=True) and remove interleave, one default remains."""
    core, _, _ = setup
    ada = core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
    for kind in ("shipping", "billing"):
        for _ in range(3):
            core.addresses.add(ada.id, type=kind, **ADDRESS)

    def work(index: int) -> None:
        rnd = random.Random(index)
        for _ in range(15):
            kind = rnd.choice(["shipping", "billing"])
            ids = [a.id for a in core.addresses.list(ada.id, kind)]
            action = rnd.choice(["default", "add", "remove"])
            try:
                if action == "add" or not ids:
                    core.addresses.add(ada.id, type=kind, is_default=True, **ADDRESS)
                elif action == "default":
                    core.addresses.set_default(rnd.choice(ids))
                else:
                    core.addresses.remove(rnd.choice(ids))
            except AddressNotFound:
                pass  # another thread removed it first: fine

    run_threads(work, THREADS)
    for kind in ("shipping", "billing"):
        addresses = core.addresses.list(ada.id, kind)
        defaults = [a for a in addresses if a.is_default]
        assert len(defaults) == (1 if addresses else 0), addresses


def _truth(engine: sa.Engine, customer_id: int) -> tuple[Decimal, int]:
    with engine.connect() as c:
        rows = c.execute(
            sa.text("select status, total_amount from orders where customer_id = :c"),
            {"c": customer_id},
        ).all()
    delivered = [money(amount) for status, amount in rows if status == "delivered"]
    return money(sum(delivered, Decimal(0))), len(delivered)


def test_racing_recalculations_never_leave_stale_totals(
    setup: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """Status changes, their event handlers and recalculate_all racing end with true totals."""
    core, orders, engine = setup
    customers = [
        core.customers.register(name=f"C{i}", email=f"c{i}@example.com", password="p" * 12).id
        for i in range(3)
    ]
    order_ids: dict[int, int] = {}
    for n in range(12):
        order_ids[n + 1] = customers[n % 3]
        orders.record(order_id=n + 1, customer_id=customers[n % 3], total_amount=f"{n + 1}.25")

    def work(index: int) -> None:
        rnd = random.Random(index)
        for _ in range(20):
            if index == 0:
                core.ltv.recalculate_all(batch_size=2)
                continue
            order_id = rnd.choice(list(order_ids))
            orders.set_status(order_id, rnd.choice(["delivered", "cancelled", "pending"]))
            core.handle(OrderStatusChanged(customer_id=order_ids[order_id], order_id=order_id))

    run_threads(work, THREADS)
    for customer_id in customers:
        customer = core.customers.get(customer_id)
        assert (customer.lifetime_value, customer.total_orders) == _truth(engine, customer_id)


def _lock_waits(engine: sa.Engine) -> int:
    """How many InnoDB transactions are waiting for a row lock."""
    with engine.connect() as c:
        query = "select count(*) from information_schema.innodb_trx where trx_state = 'LOCK WAIT'"
        return int(c.exec_driver_sql(query).scalar_one())


def _totals(core: CustomerCore, customer_id: int) -> tuple[Decimal, int]:
    customer = core.customers.get(customer_id)
    return customer.lifetime_value, customer.total_orders


@pytest.mark.parametrize("front", ["sync", "aio"])
@pytest.mark.parametrize("backend", ["postgres", "mariadb"], indirect=True)
def test_handle_many_survives_a_host_inserting_orders(
    fresh_database_url: str, backend: str, front: str
) -> None:
    """The host inserts orders for customers 2 then 1 in one transaction while handle_many([1, 2])
    runs: with ``orders.customer_id`` a foreign key (Laravel's), that deadlocked.

    PostgreSQL: handle_many never waits for the host. MariaDB: it locks 1, waits for 2
    (the host's shared FK lock), and the host's insert for 1 closes a cycle; InnoDB
    rolls back the library's chunk, which runs again after the host commits.
    """
    engine = engine_from_url(fresh_database_url, pool_size=4)
    host_engine = sa.create_engine(fresh_database_url)  # the host's own engine and settings
    stack = contextlib.ExitStack()
    try:
        build_laravel_database(engine, backend)
        core = CustomerCore.from_engine(
            engine, orders=OrdersTable("orders"), clock=FrozenClock(), password_hasher=CHEAP
        )
        core.create_schema()  # the library's customer_events next to Laravel's tables
        if front == "aio":  # MariaDB: the chunk's retry pauses on the loop (asyncio.sleep)
            core = aio_front_core(fresh_database_url, backend, stack)
        first, second = (
            core.customers.register(name=n, email=f"{n}@example.com", password="p" * 12).id
            for n in ("one", "two")
        )
        insert_order = sa.text(
            "insert into orders (customer_id, status, total_amount) values (:c, 'delivered', :a)"
        )
        events = [OrderPlaced(customer_id=i, order_id=1) for i in (first, second)]
        handled: list[int] = []
        failures: list[BaseException] = []

        def handle_many() -> None:
            try:
                handled.append(core.handle_many(events))
            except BaseException as error:  # re-raised in the test's thread
                failures.append(error)

        worker = threading.Thread(target=handle_many)
        with host_engine.connect() as host, host.begin():
            host.execute(insert_order, {"c": second, "a": "10.00"})
            worker.start()
            if backend == "postgres":
                worker.join(timeout=10)
                assert handled == [2], "handle_many waited for the host's order transaction"
            else:
                deadline = time.monotonic() + 10
                while _lock_waits(host_engine) == 0 and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert _lock_waits(host_engine) == 1, "handle_many did not wait for customer 2"
            host.execute(insert_order, {"c": first, "a": "5.00"})  # must not deadlock
        worker.join(timeout=60)
        assert not failures, failures
        assert handled == [2]
        if backend == "postgres":  # ran before the host committed: saw none of its orders
            expected = {first: (Decimal("0.00"), 0), second: (Decimal("0.00"), 0)}
        else:  # the retried chunk ran after the host committed
            expected = {first: (Decimal("5.00"), 1), second: (Decimal("10.00"), 1)}
        assert {i: _totals(core, i) for i in (first, second)} == expected
        # The host's events after its commit bring every total up to date.
        assert core.handle_many(events) == 2
        assert _totals(core, first) == (Decimal("5.00"), 1)
        assert _totals(core, second) == (Decimal("10.00"), 1)
    finally:
        stack.close()
        host_engine.dispose()
        engine.dispose()


def aio_front_core(url: str, backend: str, stack: contextlib.ExitStack) -> CustomerCore:
    """An asyncio core on ``url`` behind the sync façade, closed (with its loop) by ``stack``."""
    pytest.importorskip("greenlet")
    from aio_front import HASH_POOL, LoopRunner, SyncFront, async_url
    from customer_core.aio import AsyncCustomerCore

    runner = LoopRunner()
    stack.callback(runner.close)
    aio = AsyncCustomerCore.from_url(
        async_url(url, backend),
        orders=OrdersTable("orders"),
        clock=FrozenClock(),
        password_hasher=CHEAP,
        executor=HASH_POOL,
        pool_size=4,
    )
    stack.callback(lambda: runner.run(aio.aclose()))
    return cast(CustomerCore, SyncFront(aio, runner))
