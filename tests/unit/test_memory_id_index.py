"""The in-memory adapter's sorted customer ids: batches by id see exactly the live customers.

``recalculate_all`` walks the ids in batches through a sorted index that
deleted ids linger in until it is compacted; rolled-back adds and deletes must
leave it right, whatever the order of events.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from customer_core import CustomerCore
from customer_core.adapters.memory import InMemoryOrderLedger, InMemoryStorage
from customer_core.adapters.memory import _journal as journal
from customer_core.ports import NewCustomer
from customer_core.testing import FrozenClock

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


def _new(n: int) -> NewCustomer:
    return NewCustomer(
        name=f"C{n}",
        email=f"c{n}@example.com",
        password_hash="x",
        phone=None,
        avatar=None,
        is_blocked=False,
        created_at=NOW,
        updated_at=NOW,
    )


def _core() -> tuple[CustomerCore[InMemoryOrderLedger], InMemoryStorage]:
    ledger = InMemoryOrderLedger()
    storage = InMemoryStorage(ledger)
    return CustomerCore(storage, orders=ledger, clock=FrozenClock()), storage


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "add, rolled back", "delete", "delete, rolled back"]),
        st.integers(min_value=0, max_value=10_000),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(operations=OPERATIONS, batch_size=st.integers(min_value=1, max_value=4))
def test_batches_visit_exactly_the_live_customers(
    operations: list[tuple[str, int]], batch_size: int
) -> None:
    """After any adds, deletes and rollbacks, recalculate_all reaches every live customer once."""
    core, storage = _core()
    live: list[int] = []
    with mock.patch.object(journal, "COMPACTION_SLACK", 0):  # compact as often as possible
        for n, (operation, pick) in enumerate(operations):
            rolled_back = operation.endswith("rolled back")
            with contextlib.suppress(Rollback), storage.transaction() as tx:
                if operation.startswith("add"):
                    added = tx.customers.add(_new(n)).id
                    if not rolled_back:
                        live.append(added)
                elif live:
                    gone = live[pick % len(live)]
                    tx.customers.delete(gone)
                    if not rolled_back:
                        live.remove(gone)
                if rolled_back:
                    raise Rollback
        for customer_id in live:
            core.orders.record(
                order_id=customer_id, customer_id=customer_id, total_amount=1, status="delivered"
            )
        assert core.ltv.recalculate_all(batch_size=batch_size) == len(live)
    assert all(core.customers.get(i).total_orders == 1 for i in live)


def test_recalculate_all_grows_linearly() -> None:
    """Eight times the customers take about eight times as long, not 64 (no sort per batch)."""

    def seconds(count: int) -> float:
        core, storage = _core()
        with storage.transaction() as tx:
            tx.imports.add_many([_new(n) for n in range(count)])
        start = time.process_time()
        core.ltv.recalculate_all(batch_size=10)
        return time.process_time() - start

    small = min(seconds(4_000) for _ in range(3))
    large = min(seconds(32_000) for _ in range(3))
    # Linear is 8x; a sort per batch (O(n²/batch)) was about 40x at these sizes.
    assert large / small < 20, (small, large)


def test_rolled_back_adds_do_not_grow_the_index_for_ever() -> None:
    """Ids of adds that rolled back are compacted away like those of deleted customers."""
    core, storage = _core()
    for n in range(5000):
        with contextlib.suppress(Rollback), storage.transaction() as tx:
            tx.customers.add(_new(n))
            raise Rollback
    with storage.transaction() as tx:
        tx.customers.add(_new(-1))
    ids = storage._tables.customer_ids  # the private index is what this test is about
    assert len(ids) <= 2 * 1 + journal.COMPACTION_SLACK + 1
    assert core.customers.search().total == 1
