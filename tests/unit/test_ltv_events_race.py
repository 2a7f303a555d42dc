"""The ``lifetime_value_changed`` of a customer that a batch's first read did not see."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from customer_core import CustomerCore
from customer_core.model import OrderTotals


def test_a_customer_committed_between_the_batch_reads_gets_its_event() -> None:
    """A customer registered by another writer after a batch read the totals before, and
    recomputed by the batch, changed from a new customer's empty totals: one event."""
    core = CustomerCore.in_memory()
    ada = core.customers.register(name="Ada", email="ada@example.com", password="pw" * 6)
    after = {ada.id: OrderTotals(Decimal("12.50"), 1, datetime(2026, 1, 2, tzinfo=UTC))}
    with core.storage.transaction() as tx:
        core.ltv._record_changes(tx, {}, after)  # the batch's "before" missed Ada
    (event,) = core.timeline.list(ada.id, types=["lifetime_value_changed"]).items
    assert event.data["lifetime_value"] == ["0.00", "12.50"]
    assert event.data["total_orders"] == [0, 1]
    with core.storage.transaction() as tx:  # unchanged from empty: no event
        core.ltv._record_changes(tx, {}, {ada.id: OrderTotals(Decimal("0.00"), 0, None)})
    assert len(core.timeline.list(ada.id, types=["lifetime_value_changed"]).items) == 1
