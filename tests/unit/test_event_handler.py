"""OrderEventHandler: events or their dicts in, one recalculation per customer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from customer_core import Argon2Hasher, CustomerCore, StorageConflict, ValidationError
from customer_core.adapters.memory import InMemoryOrderLedger
from customer_core.event_handler import OrderEventHandler
from customer_core.events import OrderPlaced, OrderStatusChanged
from customer_core.port_defaults import LedgerTotals
from customer_core.serialization import event_to_dict
from customer_core.testing import FrozenClock


@pytest.fixture
def core() -> CustomerCore:
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    return CustomerCore.in_memory(clock=FrozenClock(), password_hasher=hasher)


def ledger(core: CustomerCore) -> InMemoryOrderLedger:
    assert isinstance(core.orders, InMemoryOrderLedger)
    return core.orders


def test_a_dict_from_a_queue_recalculates_its_customer(core: CustomerCore) -> None:
    """The handler takes an event's JSON dict and updates that customer's LTV."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password="x" * 8)
    ledger(core).record(order_id=1, customer_id=ada.id, total_amount="9.99", status="delivered")
    handler = OrderEventHandler(core)
    updated = handler(event_to_dict(OrderPlaced(customer_id=ada.id, order_id=1)))
    assert updated is not None
    assert updated.lifetime_value == Decimal("9.99")


def test_replays_and_out_of_order_delivery_end_in_the_same_totals(core: CustomerCore) -> None:
    """Handling stale, duplicate and reordered events leaves the totals of the current orders."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password="x" * 8)
    orders = ledger(core)
    handler = OrderEventHandler(core)
    orders.record(order_id=1, customer_id=ada.id, total_amount="10.00")
    placed = OrderPlaced(customer_id=ada.id, order_id=1)
    orders.set_status(1, "delivered")
    delivered = OrderStatusChanged(customer_id=ada.id, order_id=1, status="delivered")
    for event in [delivered, placed, placed, delivered, placed]:
        handler(event)
    assert core.customers.get(ada.id).lifetime_value == Decimal("10.00")


def test_a_batch_recalculates_each_known_customer_once(core: CustomerCore) -> None:
    """handle_batch counts distinct known customers and skips deleted ones."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password="x" * 8)
    bob = core.customers.register(name="Bob", email="bob@example.com", password="x" * 8)
    core.customers.delete(bob.id)
    events = [OrderPlaced(customer_id=ada.id, order_id=n) for n in range(5)]
    events.append(OrderPlaced(customer_id=bob.id, order_id=9))
    assert OrderEventHandler(core).handle_batch([*events, event_to_dict(events[0])]) == 1


def test_something_that_is_no_event_is_refused(core: CustomerCore) -> None:
    """Passing anything but an event or its dict is a ValidationError on event."""
    with pytest.raises(ValidationError) as caught:
        OrderEventHandler(core)(42)  # type: ignore[arg-type]
    assert "event" in caught.value.errors


def _conflicting(monkeypatch: pytest.MonkeyPatch, conflicts: int) -> list[int]:
    """Make the first ``conflicts`` chunks lose a deadlock; returns the attempts' sizes."""
    attempts: list[int] = []
    real = LedgerTotals.recalculate_ids

    def recalculate_ids(self: LedgerTotals, ids: list[int], at: datetime) -> object:
        attempts.append(len(ids))
        result = real(self, ids, at)
        if len(attempts) <= conflicts:
            raise StorageConflict("storage conflict: deadlock")  # after writing: rolled back
        return result

    monkeypatch.setattr(LedgerTotals, "recalculate_ids", recalculate_ids)
    return attempts


def test_a_chunk_that_loses_a_deadlock_runs_again(
    core: CustomerCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """recalculate_many (so handle_many) retries a chunk on StorageConflict: it is safe."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password="x" * 8)
    ledger(core).record(order_id=1, customer_id=ada.id, total_amount="9.99", status="delivered")
    attempts = _conflicting(monkeypatch, conflicts=3)
    assert core.handle_many([OrderPlaced(customer_id=ada.id, order_id=1)]) == 1
    assert attempts == [1, 1, 1, 1]
    assert core.customers.get(ada.id).lifetime_value == Decimal("9.99")


def test_a_chunk_that_keeps_losing_raises_storage_conflict(
    core: CustomerCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After 4 attempts the conflict reaches the caller, and the chunk wrote nothing."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password="x" * 8)
    ledger(core).record(order_id=1, customer_id=ada.id, total_amount="9.99", status="delivered")
    attempts = _conflicting(monkeypatch, conflicts=4)
    with pytest.raises(StorageConflict):
        core.ltv.recalculate_many([ada.id])
    assert len(attempts) == 4
    assert core.customers.get(ada.id).lifetime_value == Decimal("0.00")
