"""The set-based LTV statements on every SQL backend: their count, both forms, and their locks.

``recalculate_all`` and ``handle_many`` lock a group of customers and write
their totals in one UPDATE: joined to the orders aggregated by ``GROUP BY``
where the database allows it without locking the host's orders, with
correlated subqueries elsewhere (:mod:`customer_core.adapters.sqlalchemy._ltv`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from host_shop import Shop, open_shop
from sqlalchemy.dialects import mysql, postgresql, sqlite
from threads import run_threads

from customer_core import CustomerCore
from customer_core.adapters.sqlalchemy import _ltv as ltv
from customer_core.events import OrderEvent, OrderPlaced, OrderStatusChanged
from customer_core.model import Customer, money
from customer_core.testing.sql import SQLOrderRecorder
from sql_fixtures import BACKEND_PARAMS


@pytest.fixture
def shop(fresh_database_url: str) -> Iterator[Shop]:
    """A core with the host's tables on a fresh database."""
    with open_shop(fresh_database_url, pool_size=4) as opened:
        yield opened


class StatementCounter:
    """Records the statements an engine executes (not BEGIN/COMMIT, nor the
    per-transaction SET LOCAL lock_timeout: test_sql_locks counts that one)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements: list[str] = []
        self._engine = engine

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self._engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc_info: object) -> None:
        sa.event.remove(self._engine, "before_cursor_execute", self._record)

    def _record(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "SET ")):
            self.statements.append(statement)


def _customers_with_orders(core: CustomerCore, orders: SQLOrderRecorder, count: int) -> list[int]:
    """``count`` customers; customer n has n orders of mixed statuses (the first has none)."""
    statuses = ("delivered", "cancelled", "pending", "delivered", "shipped")
    ids, order_id = [], 0
    for n in range(count):
        customer = core.customers.register(name=f"C{n}", email=f"c{n}@x.io", password="p" * 12)
        for k in range(n):
            order_id += 1
            status = statuses[(n + k) % len(statuses)]
            orders.record(
                order_id=order_id, customer_id=customer.id, total_amount=f"{k}.5{n}", status=status
            )
        ids.append(customer.id)
    return ids


def _one_by_one(core: CustomerCore, ids: list[int]) -> list[Customer]:
    return [core.ltv.recalculate(i) for i in ids]


def test_handle_many_is_two_statements_per_transaction(shop: Shop) -> None:
    """A batch of events over 12 customers: one locking SELECT and one UPDATE, not per customer,
    and for the timeline one read of the totals before and after and one INSERT of the events."""
    core, orders, engine, _ = shop
    ids = _customers_with_orders(core, orders, 12)
    events: list[OrderEvent] = [OrderPlaced(customer_id=i, order_id=1) for i in ids * 3]
    events.append(OrderStatusChanged(customer_id=ids[-1] + 500, order_id=1))
    with StatementCounter(engine) as counter:
        assert core.handle_many(events) == 12
    assert len(counter.statements) == 5, counter.statements
    before, locking, updating, after, events = counter.statements
    assert before.lstrip().upper().startswith("SELECT")
    assert "FOR " not in before.upper()
    # FOR NO KEY UPDATE on PostgreSQL: no conflict with a host's order insert (its FK key-share).
    lock = {"postgresql": "FOR NO KEY UPDATE", "sqlite": ""}.get(engine.dialect.name, "FOR UPDATE")
    assert lock in locking
    assert updating.lstrip().upper().startswith("UPDATE")
    assert after.split("WHERE")[0] == before.split("WHERE")[0]  # the customers found, only
    assert events.lstrip().upper().startswith("INSERT INTO CUSTOMER_EVENTS")
    assert [core.customers.get(i) for i in ids] == _one_by_one(core, ids)


@pytest.mark.parametrize("joined", [True, False], ids=["joined", "correlated"])
def test_both_update_forms_store_what_recalculate_stores(
    shop: Shop, joined: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UPDATE ... FROM (or MySQL's multi-table UPDATE) and the fallback write the same totals."""
    core, orders, engine, _ = shop
    monkeypatch.setattr(ltv, "uses_joined_update", lambda dialect: joined)
    ids = _customers_with_orders(core, orders, 7)
    with StatementCounter(engine) as counter:
        assert core.ltv.recalculate_all(batch_size=3) == 7
    updates = [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 3
    assert all(("GROUP BY" in s) is joined for s in updates), updates
    after_all = [core.customers.get(i) for i in ids]
    core.handle_many([OrderPlaced(customer_id=i, order_id=1) for i in reversed(ids)])
    after_many = [core.customers.get(i) for i in ids]
    expected = _one_by_one(core, ids)
    assert after_all == expected
    assert after_many == expected
    assert expected[0].lifetime_value == Decimal("0.00")
    assert expected[0].last_order_at is None


@pytest.mark.parametrize(
    "backend", [param for param in BACKEND_PARAMS if param.id != "sqlite"], indirect=True
)  # SQLite has one writer at a time: there an open write transaction blocks everyone
def test_an_open_order_transaction_blocks_no_recalculation(shop: Shop, backend: str) -> None:
    """A host transaction holding an uncommitted order write delays no recalculation.

    The orders are read from a snapshot, never with shared locks (which MySQL's
    multi-table UPDATE would take even in READ COMMITTED).
    """
    core, orders, engine, host = shop
    ids = _customers_with_orders(core, orders, 4)
    finished = threading.Event()
    failures: list[BaseException] = []

    def recalculate() -> None:
        try:
            core.ltv.recalculate_all(batch_size=2)
            core.handle_many([OrderPlaced(customer_id=i, order_id=1) for i in ids])
            core.ltv.recalculate(ids[-1])
            finished.set()
        except BaseException as error:  # re-raised in the test's thread
            failures.append(error)

    with engine.connect() as host_connection:
        with host_connection.begin():
            table = host.orders
            host_connection.execute(sa.update(table).where(table.c.id == 1).values(status="x"))
            worker = threading.Thread(target=recalculate)
            worker.start()
            done_while_open = finished.wait(timeout=10)
            host_connection.rollback()
        worker.join(timeout=60)
    assert not failures, failures
    assert done_while_open, "the recalculation waited for the host's order transaction"


def test_racing_batches_neither_deadlock_nor_leave_stale_totals(shop: Shop) -> None:
    """Overlapping handle_many batches, handle, recalculate_all and order changes end true.

    Every group locks its customers in id order, so the batches never deadlock
    each other, and each reads the orders after its locks: no final recalculation.
    """
    core, orders, engine, _ = shop
    ids = _customers_with_orders(core, orders, 6)
    with engine.connect() as connection:
        owners = dict(connection.execute(sa.text("select id, customer_id from orders")).all())

    def work(index: int) -> None:
        rnd = random.Random(index)
        for _ in range(15):
            if index == 0:
                core.ltv.recalculate_all(batch_size=4)
                continue
            changed = rnd.sample(sorted(owners), 3)
            for order_id in changed:
                orders.set_status(order_id, rnd.choice(["delivered", "cancelled", "pending"]))
            events = [OrderStatusChanged(customer_id=owners[o], order_id=o) for o in changed]
            others = [OrderPlaced(customer_id=i, order_id=0) for i in rnd.sample(ids, 3)]
            if index % 2:
                core.handle_many(events + others)
            else:
                for event in events:
                    core.handle(event)

    run_threads(work, 5)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("select customer_id, status, total_amount from orders"))
        truth: dict[int, tuple[Decimal, int]] = {i: (Decimal("0.00"), 0) for i in ids}
        for customer_id, status, amount in rows:
            if status == "delivered":
                value, count = truth[customer_id]
                truth[customer_id] = (money(value + money(amount)), count + 1)
    stored = {i: core.customers.get(i) for i in ids}
    assert {i: (c.lifetime_value, c.total_orders) for i, c in stored.items()} == truth


@pytest.mark.parametrize(
    ("dialect", "version", "joined"),
    [
        (postgresql.dialect(), (15, 0), True),
        (sqlite.dialect(), (3, 33, 0), True),
        (sqlite.dialect(), (3, 45, 1), True),
        (sqlite.dialect(), (3, 32, 3), False),
        (mysql.dialect(), (10, 11, 9), False),
    ],
)
def test_which_databases_get_the_joined_update(
    dialect: sa.Dialect, version: tuple[int, ...], joined: bool
) -> None:
    """PostgreSQL and SQLite from 3.33 join; older SQLite and MySQL/MariaDB correlate."""
    dialect.server_version_info = version
    assert ltv.uses_joined_update(dialect) is joined
