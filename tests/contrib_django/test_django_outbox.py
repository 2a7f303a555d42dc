"""The Django storage's outbox with concurrent claimers (threads, each on its own connection).

Every event is delivered, none to two claimers while its lease holds: PostgreSQL
locks the claimed rows ``FOR UPDATE SKIP LOCKED``; SQLite's single writer
(``transaction_mode: IMMEDIATE``) serializes the claims.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction
from django_support import empty_tables

from customer_core import Argon2Hasher, CustomerCore
from customer_core.contrib.django import get_core
from customer_core.timeline import EventType

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
CLAIMERS = 4
EVENTS = 200
BATCH = 7


@pytest.fixture
def core(django_alias: str) -> CustomerCore:
    """A Django core on an emptied database holding :data:`EVENTS` unpublished events."""
    empty_tables(django_alias)
    core = get_core(using=django_alias, password_hasher=CHEAP_HASHER)
    hash_ = CHEAP_HASHER.hash("a password")
    core.customers.import_many(
        [
            {"name": f"C{i}", "email": f"c{i}@example.com", "password_hash": hash_}
            for i in range(EVENTS)
        ]
    )
    return core


def drain_together(core: CustomerCore, alias: str) -> list[list[int]]:
    """:data:`CLAIMERS` threads claim and ack until nothing is claimable; their deliveries."""
    deliveries: list[list[int]] = [[] for _ in range(CLAIMERS)]
    barrier = threading.Barrier(CLAIMERS)

    def drain(index: int) -> None:
        barrier.wait()
        try:
            while claimed := core.timeline.claim(BATCH, lease_seconds=600):
                deliveries[index].extend(event.id for event in claimed)
                assert core.timeline.ack([event.id for event in claimed]) == len(claimed)
        finally:
            connections[alias].close()  # the thread's own connection

    with ThreadPoolExecutor(CLAIMERS) as pool:
        for done in [pool.submit(drain, index) for index in range(CLAIMERS)]:
            done.result(timeout=120)
    return deliveries


def test_concurrent_claimers_deliver_every_event_once(
    core: CustomerCore, django_alias: str
) -> None:
    """Four claimers draining together: every event delivered once, each oldest first."""
    deliveries = drain_together(core, django_alias)
    counts = Counter(event_id for delivered in deliveries for event_id in delivered)
    assert len(counts) == EVENTS
    assert set(counts.values()) == {1}, "an event was delivered to two claimers"
    for delivered in deliveries:
        assert delivered == sorted(delivered)


@pytest.mark.parametrize(
    "django_alias",
    [pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.sql])],
    indirect=True,
)
def test_claim_skips_rows_another_claimer_holds(core: CustomerCore, django_alias: str) -> None:
    """While another transaction holds the oldest rows, a claim takes the next ones at once."""
    claimed: list[int] = []
    finished = threading.Event()

    def claim() -> None:
        try:
            claimed.extend(event.id for event in core.timeline.claim(5))
        finally:
            connections[django_alias].close()
            finished.set()

    with transaction.atomic(using=django_alias), connections[django_alias].cursor() as cursor:
        cursor.execute("select id from customer_events order by id limit 5 for update")
        held = [row[0] for row in cursor.fetchall()]
        worker = threading.Thread(target=claim)
        worker.start()
        # Well below the connection's lock timeout (10 s): a claim that waited is not done.
        assert finished.wait(5), "the claim waited for the locked rows"
        worker.join()
    assert claimed == [event_id + 5 for event_id in held]
    assert all(event.type is EventType.IMPORTED for event in core.timeline.claim(1000))
