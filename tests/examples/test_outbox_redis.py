"""The outbox published to a real Redis: the Celery example's periodic task and the CLI.

Both append each timeline event to a Redis stream and acknowledge it only after Redis
took it: every event arrives, in order per customer, and a batch Redis refused is
published again after its lease (at least once).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from example_shop import Shop

pytestmark = [pytest.mark.sql]

SRC = Path(__file__).resolve().parents[2] / "src"


def _stream(client: Any, key: str) -> list[dict[str, Any]]:
    return [json.loads(fields[b"event"]) for _, fields in client.xrange(key)]


def test_periodic_task_publishes_every_event_in_order(shop: Shop, redis_socket: Path) -> None:
    """``drain_outbox`` (the beat task's body) publishes each event once, oldest first."""
    redis = pytest.importorskip("redis")
    pytest.importorskip("celery")
    from celery_worker import EVENTS_STREAM, PUBLISH_OUTBOX, create_celery, drain_outbox

    ada = shop.customer("Ada", orders=(("delivered", "12.50"),))
    bob = shop.customer("Bob")
    shop.core.acting_as(3).customers.block(bob)
    client = redis.Redis(unix_socket_path=str(redis_socket))
    assert drain_outbox(shop.core, client, batch=2) == 4
    events = _stream(client, EVENTS_STREAM)
    assert [(e["customer_id"], e["type"]) for e in events] == [
        (ada, "registered"),
        (ada, "lifetime_value_changed"),
        (bob, "registered"),
        (bob, "blocked"),
    ]
    assert events[3]["actor_id"] == 3
    assert drain_outbox(shop.core, client) == 0  # acknowledged: never published twice
    schedule = create_celery("memory://").conf.beat_schedule
    assert schedule["publish-outbox"]["task"] == PUBLISH_OUTBOX
    client.close()


def test_a_batch_redis_refused_is_published_again(shop: Shop, redis_socket: Path) -> None:
    """Redis down: nothing is acknowledged; after the lease the events are published."""
    redis = pytest.importorskip("redis")
    pytest.importorskip("celery")
    from celery_worker import EVENTS_STREAM, drain_outbox

    shop.customer("Ada")
    down = redis.Redis(unix_socket_path=str(redis_socket.parent / "nowhere.sock"))
    with pytest.raises(redis.ConnectionError):
        drain_outbox(shop.core, down)
    client = redis.Redis(unix_socket_path=str(redis_socket))
    assert drain_outbox(shop.core, client) == 0  # still leased to the failed run
    assert shop.core.timeline.claim() == []
    # The shop's core runs on the system clock: end the lease by hand rather than
    # wait a minute, as a run after the lease would find it.
    with shop.engine.begin() as connection:
        connection.exec_driver_sql("update customer_events set leased_until = null")
    assert drain_outbox(shop.core, client) == 1
    assert [e["type"] for e in _stream(client, EVENTS_STREAM)] == ["registered"]
    client.close()


def test_cli_publishes_to_redis(shop: Shop, redis_socket: Path) -> None:
    """``customer-core outbox URL --publish-to unix://…`` XADDs every event and acks it."""
    redis = pytest.importorskip("redis")
    shop.customer("Ada")
    shop.customer("Bob")
    command = [sys.executable, "-m", "customer_core", "outbox", shop.url]
    command += ["--publish-to", f"unix://{redis_socket}", "--stream", "shop:events"]
    done = subprocess.run(
        command, capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "published 2 events" in done.stderr
    client = redis.Redis(unix_socket_path=str(redis_socket))
    assert [e["type"] for e in _stream(client, "shop:events")] == ["registered", "registered"]
    assert shop.core.timeline.claim() == []
    client.close()
