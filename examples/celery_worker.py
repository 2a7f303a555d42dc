"""Order events through Celery: the host publishes them, a worker keeps lifetime values fresh.

Run a worker (the broker and database come from the environment)::

    CELERY_BROKER_URL=redis://localhost:6379/0 \\
    CUSTOMER_CORE_DATABASE_URL=postgresql+psycopg://shop@/shop \\
    celery -A celery_worker worker

The host's side is :func:`publish` and :func:`change_order_status` below: an event is
published only **after** the order's transaction commits. A handler that ran before the
commit (or inside the transaction) would read the old orders and write a stale lifetime
value, and nothing would come along to fix it. Published after the commit, every change
is followed by at least one recalculation that reads it; and since handling recomputes
the customer from the committed orders instead of trusting the event's figures,
duplicates, redeliveries and out-of-order events all converge on the right totals.

The other direction is the library's outbox: :func:`publish_outbox` (a periodic task,
run by ``celery -A celery_worker beat``) appends every timeline event to a Redis
stream (``CUSTOMER_CORE_EVENTS_REDIS_URL``, default: the broker) and acknowledges it
only after Redis took it: at least once, and in order per customer while one beat
schedules it (each run claims the oldest events first).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from celery import Celery, shared_task
from sqlalchemy import Engine, Table, insert, select, update

from customer_core import CustomerCore, StorageUnavailable
from customer_core.event_handler import OrderEventHandler
from customer_core.events import OrderEvent, OrderPlaced, OrderStatusChanged
from customer_core.serialization import event_to_dict

HANDLE_EVENT = "customer_core.handle_order_event"
HANDLE_BATCH = "customer_core.handle_order_events"
PUBLISH_OUTBOX = "customer_core.publish_outbox"
#: The Redis stream the outbox is published to (one entry per event, field ``event``).
EVENTS_STREAM = "customer_core:events"
#: Seconds between two runs of :func:`publish_outbox`.
OUTBOX_INTERVAL = 5.0


def create_celery(broker_url: str, result_backend: str | None = None) -> Celery:
    """A Celery app on ``broker_url`` with this module's tasks."""
    app = Celery("customer_core_example", broker=broker_url, backend=result_backend)
    app.conf.update(
        task_serializer="json",  # event_to_dict() output is JSON-safe by design
        accept_content=["json"],
        task_acks_late=True,  # redelivered if a worker dies mid-task: handling is idempotent
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule={"publish-outbox": {"task": PUBLISH_OUTBOX, "schedule": OUTBOX_INTERVAL}},
    )
    return app


# The app `celery -A celery_worker worker` runs.
app = create_celery(
    os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0"),
    os.environ.get("CELERY_RESULT_BACKEND"),
)

_core: CustomerCore | None = None
_core_lock = threading.Lock()


def core() -> CustomerCore:
    """This worker process's core, built on first use (never at import, never before a fork)."""
    global _core
    with _core_lock:
        if _core is None:
            from customer_core.adapters.sqlalchemy import OrdersTable

            _core = CustomerCore.from_url(
                os.environ["CUSTOMER_CORE_DATABASE_URL"],
                orders=OrdersTable(os.environ.get("CUSTOMER_CORE_ORDERS_TABLE", "orders")),
            )
        return _core


# Retry when the database is unreachable; any other error is a bug worth seeing.
RETRY: dict[str, Any] = {
    "autoretry_for": (StorageUnavailable,),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name=HANDLE_EVENT, **RETRY)
def handle_order_event(event: dict[str, Any]) -> int | None:
    """Recalculate the event's customer; returns its id, or None if it no longer exists."""
    customer = OrderEventHandler(core())(event)
    return None if customer is None else customer.id


@shared_task(name=HANDLE_BATCH, **RETRY)
def handle_order_events(events: list[dict[str, Any]]) -> int:
    """One recalculation per distinct customer of the batch; returns how many were done."""
    return OrderEventHandler(core()).handle_batch(events)


@shared_task(name=PUBLISH_OUTBOX, **RETRY)
def publish_outbox() -> int:
    """Publish every unpublished timeline event to Redis; returns how many (periodic task)."""
    import redis

    url = os.environ.get("CUSTOMER_CORE_EVENTS_REDIS_URL") or app.conf.broker_url
    with redis.Redis.from_url(url.replace("redis+socket://", "unix://")) as client:
        return drain_outbox(core(), client)


def drain_outbox(shop_core: CustomerCore, client: Any, *, batch: int = 500) -> int:
    """Claim, XADD and acknowledge until nothing is claimable; returns how many were published.

    A batch Redis refuses is not acknowledged: it comes back after its lease (60 s).
    """
    published = 0
    while claimed := shop_core.timeline.claim(batch):
        pipeline = client.pipeline(transaction=False)
        for event in claimed:
            entry = {
                "id": event.id,
                "customer_id": event.customer_id,
                "type": event.type.value,
                "actor_id": event.actor_id,
                "data": event.data,
                "occurred_at": event.occurred_at.isoformat(),
            }
            pipeline.xadd(EVENTS_STREAM, {"event": json.dumps(entry)})
        pipeline.execute()  # raises before the ack if Redis did not take them
        published += shop_core.timeline.ack([event.id for event in claimed])
    return published


# --- the host's side --------------------------------------------------------------------


def publish(celery: Celery, events: OrderEvent | Sequence[OrderEvent]) -> Any:
    """Queue one event, or a batch of them; call it only after the order's commit."""
    if isinstance(events, Sequence):
        return celery.send_task(HANDLE_BATCH, args=[[event_to_dict(e) for e in events]])
    return celery.send_task(HANDLE_EVENT, args=[event_to_dict(events)])


def place_order(
    engine: Engine,
    orders: Table,
    celery: Celery,
    *,
    customer_id: int,
    total_amount: Decimal,
    status: str = "pending",
) -> tuple[int, Any]:
    """The host records an order, commits, *then* publishes ``OrderPlaced``."""
    now = datetime.now(UTC)
    row = {"customer_id": customer_id, "status": status, "total_amount": total_amount}
    with engine.begin() as connection:  # the host's own transaction
        result = connection.execute(insert(orders).values(created_at=now, updated_at=now, **row))
        order_id: int = result.inserted_primary_key[0]
    # Committed: a worker that reads the orders now sees this one.
    event = OrderPlaced(customer_id=customer_id, order_id=order_id, total_amount=total_amount)
    return order_id, publish(celery, event)


def change_order_status(
    engine: Engine, orders: Table, celery: Celery, order_id: int, status: str
) -> Any:
    """The host changes an order's status, commits, *then* publishes ``OrderStatusChanged``.

    With an ORM session the same rule reads: publish from an ``after_commit`` hook
    (SQLAlchemy's ``SessionEvents.after_commit``, Django's ``transaction.on_commit``).
    """
    with engine.begin() as connection:
        found: Mapping[str, Any] = (
            connection.execute(
                select(orders.c.customer_id, orders.c.status).where(orders.c.id == order_id)
            )
            .mappings()
            .one()
        )
        connection.execute(update(orders).where(orders.c.id == order_id).values(status=status))
    event = OrderStatusChanged(
        customer_id=found["customer_id"],
        order_id=order_id,
        status=status,
        previous_status=found["status"],
    )
    return publish(celery, event)
