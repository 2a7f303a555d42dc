"""The Celery example converges: a real worker on a real Redis keeps every LTV right.

A ``celery worker`` subprocess (four threads) consumes from a throwaway ``redis-server``
while this test plays the host: it places orders and changes their statuses, publishing
each event after its commit, and mixes in duplicates, stale out-of-order events, a batch,
a deleted customer and an unknown one. Once the queue drains, every customer's lifetime
value, delivered count and last order time equal the truth computed from the orders.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest

if TYPE_CHECKING:
    from celery import Celery
    from example_shop import Shop

pytestmark = [pytest.mark.sql]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DRAIN_TIMEOUT = 45.0


@attrs.frozen
class Worker:
    """A running ``celery worker`` and a Celery app that publishes to its broker."""

    app: Celery
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self) -> str:
        """The end of the worker's log, for failure messages."""
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def drain(self, results: list[Any]) -> list[Any]:
        """Wait (bounded) until every task has run; their return values, or the first error."""
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while not all(result.ready() for result in results):
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.log_tail()}")
            if time.monotonic() > deadline:
                done = sum(result.ready() for result in results)
                pytest.fail(
                    f"{done}/{len(results)} tasks ran in {DRAIN_TIMEOUT} s:\n{self.log_tail()}"
                )
            time.sleep(0.05)
        return [result.get(timeout=5) for result in results]


@pytest.fixture
def worker(shop: Shop, redis_socket: Path, tmp_path: Path) -> Iterator[Worker]:
    """A Celery worker subprocess on the shop's database and a Redis on a Unix socket."""
    pytest.importorskip("celery")
    pytest.importorskip("redis")
    from celery_worker import create_celery

    import customer_core

    broker = f"redis+socket://{redis_socket}"
    source = str(Path(customer_core.__file__).resolve().parents[1])
    path = [str(EXAMPLES), source, os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in path if p),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CUSTOMER_CORE_DATABASE_URL": shop.url,
    }
    command = [sys.executable, "-m", "celery", "-A", "celery_worker", "worker", "--pool=threads"]
    command += ["--concurrency=4", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--loglevel=INFO"], cwd=EXAMPLES, env=env, stdout=output, stderr=output
        )
    app = create_celery(broker, broker)
    try:
        yield Worker(app, process, log)
    finally:
        app.close()
        process.terminate()  # warm shutdown: running tasks finish first
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_a_burst_of_events_converges_on_the_truth(shop: Shop, worker: Worker) -> None:
    """Duplicated, stale and reordered events, handled while orders change, end right."""
    from celery_worker import change_order_status, place_order, publish

    from customer_core.events import OrderCancelled, OrderEvent, OrderPlaced, OrderStatusChanged

    rng = random.Random(20260101)
    customers = [shop.customer(f"Customer {n}") for n in range(6)]
    doomed = customers.pop()
    orders: list[tuple[int, int]] = []  # (order id, customer id)
    published: list[OrderEvent] = []
    results: list[Any] = []
    gone: Any = None  # the event of a customer deleted meanwhile

    # A batch names two known customers (one twice) and an unknown one: two recalculations.
    batch = [OrderPlaced(customer_id=c, order_id=0) for c in (customers[0], customers[0])]
    batch += [OrderPlaced(customer_id=customers[1], order_id=0)]
    batch += [OrderCancelled(customer_id=999_999, order_id=0)]
    first = publish(worker.app, batch)

    def place(customer_id: int) -> None:
        amount = Decimal(rng.randint(100, 99_999)) / 100
        status = rng.choice(["pending", "delivered"])
        order_id, result = place_order(
            shop.engine, shop.host.orders, worker.app,
            customer_id=customer_id, total_amount=amount, status=status,
        )  # fmt: skip
        orders.append((order_id, customer_id))
        results.append(result)
        published.append(OrderPlaced(customer_id=customer_id, order_id=order_id))

    for customer_id in [*customers, doomed]:
        place(customer_id)
    for step in range(120):
        roll = rng.random()
        if step == 60:
            shop.core.customers.delete(doomed)  # its orders stay; its events are skipped
            gone = publish(worker.app, OrderCancelled(customer_id=doomed, order_id=0))
        if roll < 0.3 or not orders:
            place(rng.choice([*customers, doomed]) if step < 60 else rng.choice(customers))
        elif roll < 0.7:
            order_id, _ = rng.choice(orders)
            status = rng.choice(["delivered", "delivered", "cancelled", "pending", "shipped"])
            results.append(change_order_status(shop.engine, shop.host.orders, worker.app,
                                               order_id, status))  # fmt: skip
        elif roll < 0.85:
            results.append(publish(worker.app, rng.choice(published)))  # a duplicate, late
        else:
            stale = rng.sample(published, k=min(len(published), rng.randint(2, 8)))
            results.append(publish(worker.app, stale))  # an out-of-order batch

    answers = worker.drain([first, gone, *results])
    assert answers[:2] == [2, None], "a batch counts known customers; a deleted one is skipped"
    _assert_converged(shop, customers)
    assert shop.core.customers.find_by_email("customer.5@example.com") is None

    # Then each customer's last event is a status change alone (sent twice): it must count.
    last: list[Any] = []
    for customer_id in customers:
        order_id = next(o for o, c in reversed(orders) if c == customer_id)
        flipped = "cancelled" if shop.order_status(order_id) == "delivered" else "delivered"
        last.append(
            change_order_status(shop.engine, shop.host.orders, worker.app, order_id, flipped)
        )
        again = OrderStatusChanged(customer_id=customer_id, order_id=order_id, status=flipped)
        last.append(publish(worker.app, again))
    worker.drain(last)
    _assert_converged(shop, customers)
    assert worker.process.poll() is None


def _assert_converged(shop: Shop, customers: list[int]) -> None:
    for customer_id in customers:
        customer = shop.core.customers.get(customer_id)
        got = (customer.lifetime_value, customer.total_orders, customer.last_order_at)
        assert got == shop.truth(customer_id), f"customer {customer_id}"
    assert sum(shop.truth(c)[1] for c in customers) > 0, "some orders were delivered"


@pytest.mark.postgres
@pytest.mark.parametrize("shop", ["postgres"], indirect=True)
def test_an_event_handled_before_the_commit_leaves_a_stale_ltv(shop: Shop, worker: Worker) -> None:
    """Why the host publishes after its commit: handled earlier, the worker reads old orders."""
    from celery_worker import publish
    from sqlalchemy import insert

    from customer_core.events import OrderPlaced

    ada = shop.customer("Ada", orders=(("delivered", "10.00"),))
    orders = shop.host.orders
    event = OrderPlaced(customer_id=ada, order_id=2)
    with shop.engine.begin() as connection:  # the host's transaction, still open...
        row = {"id": 2, "customer_id": ada, "status": "delivered", "total_amount": "5.00"}
        row["created_at"] = shop.core.clock.now()
        connection.execute(insert(orders).values(row))
        worker.drain([publish(worker.app, event)])  # ...while the worker handles the event
    assert shop.core.customers.get(ada).lifetime_value == Decimal("10.00")  # stale
    assert shop.truth(ada)[0] == Decimal("15.00")
    worker.drain([publish(worker.app, event)])  # published after the commit: right
    assert shop.core.customers.get(ada).lifetime_value == Decimal("15.00")
