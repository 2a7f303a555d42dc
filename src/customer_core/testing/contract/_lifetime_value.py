"""The contract of lifetime value, repeat detection and order events."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import count

import attrs
import pytest

from customer_core.errors import CustomerNotFound, ValidationError
from customer_core.events import OrderCancelled, OrderEvent, OrderPlaced, OrderStatusChanged
from customer_core.model import Customer
from customer_core.testing._harness import Harness
from customer_core.testing.contract._authentication import bcrypt_hash
from customer_core.testing.contract._support import at, customer, snapshot

__all__ = ["EventsContract", "LifetimeValueContract"]

_order_ids = count(10_001)


def _order(
    harness: Harness,
    customer_id: int,
    amount: str,
    status: str = "delivered",
    day: int = 1,
) -> int:
    order_id = next(_order_ids)
    harness.orders.record(
        order_id=order_id,
        customer_id=customer_id,
        total_amount=Decimal(amount),
        status=status,
        placed_at=at(day),
    )
    return order_id


def _mixed_customers(harness: Harness) -> list[Customer]:
    """Five customers: no orders; delivered and pending; only cancelled; mixed; delivered twice.

    Every customer's stored totals start stale (nothing was recalculated).
    """
    people = [customer(harness, f"mixed{n}") for n in range(5)]
    _order(harness, people[1].id, "12.34", "delivered", day=2)
    _order(harness, people[1].id, "99.00", "pending", day=6)
    _order(harness, people[2].id, "50.00", "cancelled", day=4)
    _order(harness, people[3].id, "7.10", "delivered", day=1)
    _order(harness, people[3].id, "3.00", "cancelled", day=9)
    _order(harness, people[3].id, "8.00", "shipped", day=5)
    _order(harness, people[4].id, "0.05", "delivered", day=3)
    _order(harness, people[4].id, "0.10", "delivered", day=8)
    return people


def _one_by_one(harness: Harness, people: list[Customer]) -> list[Customer]:
    """What ``recalculate`` stores for each (the clock stands still, so times agree too)."""
    return [harness.core.ltv.recalculate(person.id) for person in people]


class LifetimeValueContract:
    """``core.ltv.recalculate`` and ``recalculate_all``."""

    def test_new_customer_has_no_value(self, harness: Harness) -> None:
        """Recalculating a customer without orders gives zero value, no orders, no last order."""
        ada = customer(harness)
        result = harness.core.ltv.recalculate(ada.id)
        assert (result.lifetime_value, result.total_orders, result.last_order_at) == (
            Decimal("0.00"),
            0,
            None,
        )

    def test_value_sums_only_delivered_orders(self, harness: Harness) -> None:
        """Lifetime value and total_orders count delivered orders only."""
        ada = customer(harness)
        _order(harness, ada.id, "10.50", "delivered")
        _order(harness, ada.id, "20.25", "delivered")
        _order(harness, ada.id, "99.00", "pending")
        _order(harness, ada.id, "50.00", "cancelled")
        _order(harness, ada.id, "7.00", "shipped")
        result = harness.core.ltv.recalculate(ada.id)
        assert result.lifetime_value == Decimal("30.75")
        assert result.total_orders == 2
        assert harness.core.customers.get(ada.id) == result

    def test_value_has_two_decimal_places(self, harness: Harness) -> None:
        """The lifetime value is a Decimal quantized to two places."""
        ada = customer(harness)
        _order(harness, ada.id, "10.1")
        _order(harness, ada.id, "5")
        value = harness.core.ltv.recalculate(ada.id).lifetime_value
        assert isinstance(value, Decimal)
        assert value == Decimal("15.10")
        assert value.as_tuple().exponent == -2

    def test_last_order_at_ignores_cancelled_orders(self, harness: Harness) -> None:
        """``last_order_at`` is the latest placed_at of orders that are not cancelled."""
        ada = customer(harness)
        _order(harness, ada.id, "1", "delivered", day=3)
        _order(harness, ada.id, "1", "pending", day=5)
        _order(harness, ada.id, "1", "cancelled", day=9)
        assert harness.core.ltv.recalculate(ada.id).last_order_at == at(5)

    def test_last_order_at_is_none_when_all_are_cancelled(self, harness: Harness) -> None:
        """A customer whose only orders are cancelled has no last order."""
        ada = customer(harness)
        _order(harness, ada.id, "1", "cancelled", day=3)
        assert harness.core.ltv.recalculate(ada.id).last_order_at is None

    def test_repeat_needs_more_than_one_delivered_order(self, harness: Harness) -> None:
        """``is_repeat`` is False with one delivered order and True with two."""
        ada = customer(harness)
        _order(harness, ada.id, "1")
        _order(harness, ada.id, "1", "pending")
        assert harness.core.ltv.recalculate(ada.id).is_repeat is False
        _order(harness, ada.id, "1")
        assert harness.core.ltv.recalculate(ada.id).is_repeat is True

    def test_status_changes_are_picked_up(self, harness: Harness) -> None:
        """A delivered order later cancelled stops counting after the next recalculation."""
        ada = customer(harness)
        order_id = _order(harness, ada.id, "40.00", "delivered", day=4)
        assert harness.core.ltv.recalculate(ada.id).lifetime_value == Decimal("40.00")
        harness.orders.set_status(order_id, "cancelled")
        result = harness.core.ltv.recalculate(ada.id)
        assert (result.lifetime_value, result.total_orders, result.last_order_at) == (
            Decimal("0.00"),
            0,
            None,
        )

    def test_other_customers_orders_do_not_count(self, harness: Harness) -> None:
        """Only the customer's own orders make up its lifetime value."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        _order(harness, bob.id, "500.00")
        assert harness.core.ltv.recalculate(ada.id).lifetime_value == Decimal("0.00")

    def test_recalculate_changes_only_that_customer(self, harness: Harness) -> None:
        """Recalculating one customer leaves another's stored totals as they were."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        _order(harness, bob.id, "500.00")
        harness.core.ltv.recalculate(ada.id)
        assert harness.core.customers.get(bob.id) == bob

    def test_deleted_customers_orders_never_count_for_a_new_customer(
        self, harness: Harness
    ) -> None:
        """Orders left by a deleted customer do not count for a customer registered later."""
        ada = customer(harness, "ada")
        _order(harness, ada.id, "70.00", day=2)
        harness.core.customers.delete(ada.id)
        bob = customer(harness, "bob")
        result = harness.core.ltv.recalculate(bob.id)
        assert (result.lifetime_value, result.total_orders, result.last_order_at) == (
            Decimal("0.00"),
            0,
            None,
        )

    def test_recalculate_unknown_customer_raises(self, harness: Harness) -> None:
        """Recalculating a missing customer raises CustomerNotFound."""
        with pytest.raises(CustomerNotFound):
            harness.core.ltv.recalculate(424242)

    def test_recalculate_all_updates_everyone(self, harness: Harness) -> None:
        """``recalculate_all`` stores every customer's totals and returns how many it did."""
        people = [customer(harness, f"user{n}") for n in range(5)]
        for n, person in enumerate(people):
            for _ in range(n):
                _order(harness, person.id, "2.50", day=n + 1)
        assert harness.core.ltv.recalculate_all(batch_size=2) == 5
        for n, person in enumerate(people):
            stored = harness.core.customers.get(person.id)
            assert stored.total_orders == n
            assert stored.lifetime_value == Decimal("2.50") * n
            assert stored.last_order_at == (at(n + 1) if n else None)

    def test_recalculate_all_matches_recalculate(self, harness: Harness) -> None:
        """``recalculate_all`` stores the same totals one ``recalculate`` per customer would."""
        people = _mixed_customers(harness)
        harness.core.ltv.recalculate_all(batch_size=3)
        bulk = [harness.core.customers.get(p.id) for p in people]
        assert bulk == _one_by_one(harness, people)

    def test_recalculate_all_reports_progress(self, harness: Harness) -> None:
        """``progress(done, total)`` is called with growing counts ending at (total, total)."""
        for n in range(5):
            customer(harness, f"user{n}")
        calls: list[tuple[int, int]] = []
        harness.core.ltv.recalculate_all(
            batch_size=2, progress=lambda done, total: calls.append((done, total))
        )
        assert calls, "progress was never called"
        assert calls[-1] == (5, 5)
        assert all(total == 5 for _, total in calls)
        dones = [done for done, _ in calls]
        assert dones == sorted(dones)

    def test_recalculate_all_on_empty_storage_returns_zero(self, harness: Harness) -> None:
        """With no customers ``recalculate_all`` returns 0."""
        assert harness.core.ltv.recalculate_all() == 0

    def test_recalculate_many_matches_recalculate(self, harness: Harness) -> None:
        """``recalculate_many`` stores exactly what one ``recalculate`` per customer stores."""
        people = _mixed_customers(harness)
        harness.clock.advance(60)
        assert harness.core.ltv.recalculate_many([p.id for p in people]) == len(people)
        bulk = [harness.core.customers.get(p.id) for p in people]
        assert bulk == _one_by_one(harness, people)
        assert [(c.lifetime_value, c.total_orders, c.last_order_at) for c in bulk] == [
            (Decimal("0.00"), 0, None),
            (Decimal("12.34"), 1, at(6)),
            (Decimal("0.00"), 0, None),
            (Decimal("7.10"), 1, at(5)),
            (Decimal("0.15"), 2, at(8)),
        ]
        assert all(c.updated_at == harness.clock.now() for c in bulk)

    def test_recalculate_many_counts_each_known_customer_once(self, harness: Harness) -> None:
        """Repeated ids count once; deleted ids and ids no customer can have are skipped."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        gone = customer(harness, "gone")
        _order(harness, ada.id, "5.00")
        harness.core.customers.delete(gone.id)
        ids = [bob.id, ada.id, ada.id, gone.id, gone.id + 10_000, 0, -3, 2**70, bob.id]
        assert harness.core.ltv.recalculate_many(ids) == 2
        assert harness.core.customers.get(ada.id).lifetime_value == Decimal("5.00")

    def test_recalculate_many_changes_only_those_customers(self, harness: Harness) -> None:
        """A customer not in the list keeps its stored totals and ``updated_at``."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        _order(harness, ada.id, "5.00")
        _order(harness, bob.id, "6.00")
        harness.clock.advance(60)
        assert harness.core.ltv.recalculate_many(iter([ada.id])) == 1
        assert harness.core.customers.get(bob.id) == bob
        assert harness.core.customers.get(ada.id).lifetime_value == Decimal("5.00")

    def test_recalculate_many_of_nothing_is_zero(self, harness: Harness) -> None:
        """No ids, or only unknown ones, recalculate nothing and return 0."""
        customer(harness)
        before = snapshot(harness)
        assert harness.core.ltv.recalculate_many([]) == 0
        assert harness.core.ltv.recalculate_many([424_242, 424_243]) == 0
        assert snapshot(harness) == before

    @pytest.mark.parametrize("bad", ["1", 1.5, None, True])
    def test_recalculate_many_refuses_a_non_integer_before_writing(
        self, harness: Harness, bad: object
    ) -> None:
        """An id that is not an integer is a ValidationError naming its index; nothing changes."""
        ada = customer(harness)
        _order(harness, ada.id, "5.00")
        before = snapshot(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.ltv.recalculate_many([ada.id, bad])  # type: ignore[list-item]
        assert "customer_ids.1" in caught.value.errors
        assert snapshot(harness) == before

    @pytest.mark.parametrize("bad", [7, "17", b"17"])
    def test_recalculate_many_refuses_what_is_no_collection_of_ids(
        self, harness: Harness, bad: object
    ) -> None:
        """An int, a string or bytes in place of the ids is a ValidationError on customer_ids."""
        with pytest.raises(ValidationError) as caught:
            harness.core.ltv.recalculate_many(bad)  # type: ignore[arg-type]
        assert "customer_ids" in caught.value.errors

    def test_recalculate_many_handles_more_ids_than_one_transaction_takes(
        self, harness: Harness
    ) -> None:
        """Over a thousand customers (several chunks) are all recalculated and counted."""
        count = 1_205
        password_hash = bcrypt_hash("imported secret")
        records = [
            {"name": f"Bulk {n}", "email": f"bulk{n}@example.com", "password_hash": password_hash}
            for n in range(count)
        ]
        harness.core.customers.import_many(records)
        page = harness.core.customers.search(per_page=100, sort="id")
        first = page.items[0].customer
        last = harness.core.customers.search(per_page=1, sort="-id").items[0].customer
        _order(harness, first.id, "1.00", day=2)
        _order(harness, last.id, "2.00", day=3)
        ids = list(range(first.id, last.id + 1))
        assert harness.core.ltv.recalculate_many(reversed(ids)) == count
        assert harness.core.customers.get(first.id).lifetime_value == Decimal("1.00")
        assert harness.core.customers.get(last.id).last_order_at == at(3)

    def test_recalculate_ids_rolls_back_with_its_transaction(self, harness: Harness) -> None:
        """The port's ``recalculate_ids`` reports the ids found; a failed transaction undoes it."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        _order(harness, ada.id, "5.00")
        _order(harness, bob.id, "6.00")
        before = snapshot(harness)
        found: list[int] = []

        def recalculate_then_fail() -> None:
            with harness.core.storage.transaction() as tx:
                found.extend(tx.totals.recalculate_ids([bob.id, 424_242, ada.id, bob.id], at(20)))
                assert tx.customers.find(bob.id) == attrs.evolve(
                    bob, lifetime_value=Decimal("6.00"), total_orders=1, last_order_at=at(1),
                    updated_at=at(20),
                )  # fmt: skip
                raise RuntimeError("the caller fails after the recalculation")

        with pytest.raises(RuntimeError):
            recalculate_then_fail()
        assert found == [ada.id, bob.id]
        assert snapshot(harness) == before


class EventsContract:
    """``core.handle`` and ``core.handle_many`` with the order events."""

    def test_order_placed_recalculates_the_customer(self, harness: Harness) -> None:
        """Handling OrderPlaced stores and returns the customer's new totals."""
        ada = customer(harness)
        order_id = _order(harness, ada.id, "25.00")
        result = harness.core.handle(OrderPlaced(customer_id=ada.id, order_id=order_id))
        assert result is not None
        assert (result.lifetime_value, result.total_orders) == (Decimal("25.00"), 1)
        assert harness.core.customers.get(ada.id) == result

    def test_order_cancelled_recalculates_the_customer(self, harness: Harness) -> None:
        """Handling OrderCancelled after a cancellation removes the order from the totals."""
        ada = customer(harness)
        order_id = _order(harness, ada.id, "25.00")
        harness.core.handle(OrderPlaced(customer_id=ada.id, order_id=order_id))
        harness.orders.set_status(order_id, "cancelled")
        result = harness.core.handle(OrderCancelled(customer_id=ada.id, order_id=order_id))
        assert result is not None
        assert (result.lifetime_value, result.total_orders, result.last_order_at) == (
            Decimal("0.00"),
            0,
            None,
        )

    def test_status_changed_recalculates_the_customer(self, harness: Harness) -> None:
        """Handling OrderStatusChanged picks up a pending order becoming delivered."""
        ada = customer(harness)
        order_id = _order(harness, ada.id, "8.00", "pending")
        assert harness.core.handle(OrderPlaced(customer_id=ada.id, order_id=order_id)) is not None
        assert harness.core.customers.get(ada.id).total_orders == 0
        harness.orders.set_status(order_id, "delivered")
        result = harness.core.handle(OrderStatusChanged(customer_id=ada.id, order_id=order_id))
        assert result is not None
        assert result.total_orders == 1

    def test_event_for_unknown_customer_is_skipped(self, harness: Harness) -> None:
        """An event of a deleted customer returns None and raises nothing."""
        ada = customer(harness)
        order_id = _order(harness, ada.id, "5.00")
        harness.core.customers.delete(ada.id)
        assert harness.core.handle(OrderPlaced(customer_id=ada.id, order_id=order_id)) is None

    def test_handle_many_counts_distinct_known_customers(self, harness: Harness) -> None:
        """``handle_many`` recalculates each known customer once and returns how many."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        a1 = _order(harness, ada.id, "1.00")
        a2 = _order(harness, ada.id, "2.00")
        b1 = _order(harness, bob.id, "4.00")
        events: list[OrderEvent] = [
            OrderPlaced(customer_id=ada.id, order_id=a1),
            OrderPlaced(customer_id=ada.id, order_id=a2),
            OrderStatusChanged(customer_id=bob.id, order_id=b1),
            OrderPlaced(customer_id=bob.id + 1000, order_id=99),
        ]
        assert harness.core.handle_many(events) == 2
        assert harness.core.customers.get(ada.id).lifetime_value == Decimal("3.00")
        assert harness.core.customers.get(bob.id).lifetime_value == Decimal("4.00")

    def test_handle_many_of_nothing_is_zero(self, harness: Harness) -> None:
        """``handle_many`` of no events returns 0."""
        assert harness.core.handle_many([]) == 0

    def test_handle_many_matches_handle(self, harness: Harness) -> None:
        """``handle_many`` stores what ``handle`` of each event stores, for every kind of orders."""
        people = _mixed_customers(harness)
        gone = customer(harness, "gone")
        harness.core.customers.delete(gone.id)
        harness.clock.advance(60)
        events: list[OrderEvent] = [
            OrderPlaced(customer_id=people[3].id, order_id=1),
            OrderCancelled(customer_id=people[2].id, order_id=2),
            OrderPlaced(customer_id=gone.id, order_id=3),
            OrderStatusChanged(customer_id=people[1].id, order_id=4),
            OrderPlaced(customer_id=people[3].id, order_id=5),
            OrderPlaced(customer_id=people[0].id, order_id=6),
            OrderPlaced(customer_id=people[4].id, order_id=7),
        ]
        assert harness.core.handle_many(events) == 5
        bulk = [harness.core.customers.get(p.id) for p in people]
        single = [harness.core.handle(OrderPlaced(customer_id=p.id, order_id=1)) for p in people]
        assert bulk == single
        assert harness.core.handle(OrderPlaced(customer_id=gone.id, order_id=3)) is None

    def test_handle_many_skips_ids_no_customer_can_have(self, harness: Harness) -> None:
        """Events naming 0, a negative or a too large id are skipped like deleted customers."""
        ada = customer(harness)
        before = snapshot(harness)
        events = [OrderPlaced(customer_id=bad, order_id=1) for bad in (0, -1, 2**70)]
        assert harness.core.handle_many(events) == 0
        assert snapshot(harness) == before
        assert harness.core.handle_many([*events, OrderPlaced(customer_id=ada.id, order_id=1)]) == 1

    def test_handle_many_checks_every_event_before_writing(self, harness: Harness) -> None:
        """Something that is no event, or an event with a non-integer id, changes nothing."""
        ada = customer(harness)
        _order(harness, ada.id, "5.00")
        before = snapshot(harness)
        good = OrderPlaced(customer_id=ada.id, order_id=1)
        with pytest.raises(ValidationError) as caught:
            harness.core.handle_many([good, 42])  # type: ignore[list-item]
        assert "event" in caught.value.errors
        with pytest.raises(ValidationError) as caught:
            harness.core.handle_many([good, OrderPlaced(customer_id="7", order_id=1)])  # type: ignore[arg-type]
        assert "customer_id" in caught.value.errors
        assert snapshot(harness) == before

    @pytest.mark.parametrize("kind", [OrderPlaced, OrderCancelled, OrderStatusChanged])
    def test_events_are_frozen(self, kind: type[OrderPlaced]) -> None:
        """An event built from customer_id and order_id cannot be changed."""
        event = kind(customer_id=1, order_id=2)
        assert (event.customer_id, event.order_id) == (1, 2)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            event.customer_id = 3  # type: ignore[misc]

    @pytest.mark.parametrize("kind", [OrderPlaced, OrderCancelled, OrderStatusChanged])
    def test_events_round_trip_through_json(self, kind: type[OrderPlaced]) -> None:
        """An event turned into a JSON-safe dict and back equals the original."""
        from customer_core import serialization

        event = kind(customer_id=7, order_id=11)
        data = serialization.to_dict(event)
        wire = json.loads(json.dumps(data))
        assert serialization.from_dict(kind, wire) == event
