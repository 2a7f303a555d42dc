"""The outbox with concurrent claimers on real databases.

- Claimers in threads drain the outbox together: every event is delivered,
  none to two claimers while its lease holds (PostgreSQL and MariaDB lock the
  claimed rows ``FOR UPDATE SKIP LOCKED``; SQLite's single writer serializes).
- A worker that dies before ``ack`` loses nothing: its events come back after the lease.
- A claim skips rows another transaction holds instead of waiting for them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from host_shop import CHEAP, open_shop
from threads import run_threads

from customer_core import CustomerCore, EventType
from customer_core.testing import FrozenClock
from customer_core.testing.sql import SQLOrderRecorder
from sql_fixtures import BACKEND_PARAMS

CLAIMERS = 4
EVENTS = 400
BATCH = 9


@pytest.fixture
def setup(fresh_database_url: str) -> Iterator[tuple[CustomerCore, SQLOrderRecorder, sa.Engine]]:
    """A core on a fresh database holding :data:`EVENTS` unpublished ``imported`` events."""
    with open_shop(fresh_database_url, pool_size=CLAIMERS + 2) as (core, orders, engine, _):
        hash_ = CHEAP.hash("a password")
        records = [
            {"name": f"C{i}", "email": f"c{i}@example.com", "password_hash": hash_}
            for i in range(EVENTS)
        ]
        core.customers.import_many(records)
        yield core, orders, engine


def _drain(core: CustomerCore, deliveries: list[list[int]], index: int, *, ack: bool) -> None:
    """Claim and (if ``ack``) acknowledge until the outbox has nothing claimable."""
    while True:
        claimed = core.timeline.claim(BATCH, lease_seconds=600)
        if not claimed:
            return
        deliveries[index].extend(event.id for event in claimed)
        if ack:
            assert core.timeline.ack([event.id for event in claimed]) == len(claimed)


def test_concurrent_claimers_deliver_every_event_once(
    setup: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """Four claimers draining together: every event delivered, none to two claimers."""
    core, _, _ = setup
    deliveries: list[list[int]] = [[] for _ in range(CLAIMERS)]
    run_threads(lambda index: _drain(core, deliveries, index, ack=True), CLAIMERS)
    counts = Counter(event_id for delivered in deliveries for event_id in delivered)
    assert len(counts) == EVENTS
    assert set(counts.values()) == {1}, "an event was delivered to two claimers"
    for delivered in deliveries:  # each claimer got its events oldest first
        assert delivered == sorted(delivered)


def test_a_worker_dying_before_ack_loses_nothing(
    setup: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """The dead worker's events are claimed by nobody while leased, and again after the lease."""
    core, _, _ = setup
    dead = core.timeline.claim(50, lease_seconds=60)  # claimed, never acked: the worker died
    assert len(dead) == 50
    deliveries: list[list[int]] = [[] for _ in range(CLAIMERS)]
    run_threads(lambda index: _drain(core, deliveries, index, ack=True), CLAIMERS)
    first_round = Counter(event_id for delivered in deliveries for event_id in delivered)
    assert not first_round.keys() & {event.id for event in dead}
    assert len(first_round) == EVENTS - len(dead)
    assert isinstance(core.clock, FrozenClock)
    core.clock.advance(61)
    again: list[list[int]] = [[] for _ in range(CLAIMERS)]
    run_threads(lambda index: _drain(core, again, index, ack=True), CLAIMERS)
    redelivered = Counter(event_id for delivered in again for event_id in delivered)
    assert set(redelivered) == {event.id for event in dead}
    assert set(redelivered.values()) == {1}
    assert core.timeline.claim() == []


@pytest.mark.parametrize(
    "backend", [p for p in BACKEND_PARAMS if p.id in ("postgres", "mariadb")], indirect=True
)
def test_claim_skips_rows_another_claimer_holds(
    setup: tuple[CustomerCore, SQLOrderRecorder, sa.Engine], backend: str
) -> None:
    """While another transaction holds the oldest rows, a claim takes the next ones at once."""
    core, _, engine = setup
    with engine.connect() as other, other.begin():
        held = other.execute(
            sa.text("select id from customer_events order by id limit 5 for update")
        ).all()
        done = threading.Event()
        claimed: list[int] = []

        def claim() -> None:
            claimed.extend(event.id for event in core.timeline.claim(5))
            done.set()

        worker = threading.Thread(target=claim)
        worker.start()
        # Well below the storage's lock timeout (10 s): a claim that waited would not be done.
        assert done.wait(5), "the claim waited for the locked rows"
        worker.join()
    assert claimed == [row.id + 5 for row in held]
    assert all(event.type is EventType.IMPORTED for event in core.timeline.claim(1000))
