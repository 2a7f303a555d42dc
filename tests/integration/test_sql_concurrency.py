"""Concurrent calls from threads on real databases keep the invariants.

- Racing ``set_default`` / ``add(is_default=True)`` / ``remove`` on one
  customer never leave two defaults (or none) of a type: the service locks the
  customer's row (``SELECT ... FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite).
- Racing lifetime-value recalculations (event handlers and ``recalculate_all``)
  while order statuses change end with every customer's totals equal to the
  truth, with no final recalculation: no handler ever writes stale totals.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from customer_core import AddressNotFound, Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import engine_from_url
from customer_core.events import OrderStatusChanged
from customer_core.model import money
from customer_core.testing import FrozenClock
from customer_core.testing.sql import HostTables, SQLOrderRecorder

THREADS = 6
CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
ADDRESS = {
    "full_name": "Ada Lovelace", "phone": "+442079460958", "address_line1": "12 Square",
    "city": "London", "state": "London", "zip_code": "SW1", "country": "GB",
}  # fmt: skip


@pytest.fixture
def setup(fresh_database_url: str) -> Iterator[tuple[CustomerCore, SQLOrderRecorder, sa.Engine]]:
    """A core with the host's tables on a fresh database, with a pool big enough for the threads."""
    engine = engine_from_url(fresh_database_url, pool_size=THREADS + 2)
    host = HostTables.define()
    host.create(engine)
    clock = FrozenClock()
    core = CustomerCore.from_engine(
        engine, orders=host.orders_spec, clock=clock, password_hasher=CHEAP
    )
    core.create_schema()
    yield core, SQLOrderRecorder(engine, host, clock=clock), engine
    engine.dispose()


def run_threads(work: Callable[[int], None], count: int = THREADS) -> None:
    """Run ``work(i)`` in ``count`` threads started together; re-raise the first failure."""
    barrier = threading.Barrier(count)
    failures: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # collected and re-raised in the main thread
            failures.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if failures:
        raise failures[0]


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

    run_threads(work)
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

    run_threads(work)
    for customer_id in customers:
        customer = core.customers.get(customer_id)
        assert (customer.lifetime_value, customer.total_orders) == _truth(engine, customer_id)
