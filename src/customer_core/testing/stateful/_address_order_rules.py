"""The invariant machine's rules for addresses, host orders and order events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import consumes, multiple, rule

from customer_core.errors import AddressNotFound, CustomerNotFound, ValidationError
from customer_core.events import OrderCancelled, OrderEvent, OrderPlaced, OrderStatusChanged
from customer_core.testing import strategies
from customer_core.testing.contract._support import ADDRESS
from customer_core.testing.stateful._common import STATUSES, ModelAddress, ModelOrder
from customer_core.testing.stateful._invariant_base import (
    ADDRESSES,
    CUSTOMERS,
    ORDERS,
    InvariantState,
)

__all__ = ["AddressAndOrderRules"]


class AddressAndOrderRules(InvariantState):
    """Addresses added, changed, made default and removed; orders recorded and handled."""

    # -- addresses -----------------------------------------------------

    @rule(
        target=ADDRESSES,
        customer_id=CUSTOMERS,
        kind=st.sampled_from(["shipping", "billing"]),
        is_default=st.booleans(),
    )
    def add_address(self, customer_id: int, kind: str, is_default: bool) -> Any:
        self.tick()
        book = self.harness.core.addresses
        fields = {**ADDRESS, "type": kind, "is_default": is_default}
        if customer_id not in self.emails:
            self.expect_failure(CustomerNotFound, lambda: book.add(customer_id, **fields))
            return multiple()
        siblings = book.list(customer_id, kind)
        added = book.add(customer_id, **fields)
        assert added.is_default is (is_default or not siblings)
        self.address_model[added.id] = ModelAddress(customer_id, kind)
        return added.id

    @rule(address_id=consumes(ADDRESSES))
    def remove_address(self, address_id: int) -> None:
        self.tick()
        book = self.harness.core.addresses
        if not self.address_alive(address_id):
            self.expect_failure(AddressNotFound, lambda: book.remove(address_id))
            return
        row = self.address_model[address_id]
        was_default = book.get(address_id).is_default
        book.remove(address_id)
        del self.address_model[address_id]
        remaining = [
            a
            for a, r in self.address_model.items()
            if r.customer_id == row.customer_id and r.type == row.type
        ]
        default = book.default(row.customer_id, row.type)
        if was_default and remaining:
            assert default is not None
            assert default.id == max(remaining)

    @rule(address_id=ADDRESSES)
    def set_default(self, address_id: int) -> None:
        self.tick()
        book = self.harness.core.addresses
        if not self.address_alive(address_id):
            self.expect_failure(AddressNotFound, lambda: book.set_default(address_id))
            return
        assert book.set_default(address_id).is_default is True

    @rule(address_id=ADDRESSES, city=strategies.hostile_text() | st.just("Leeds"))
    def update_address(self, address_id: int, city: str) -> None:
        self.tick()
        book = self.harness.core.addresses
        if not self.address_alive(address_id):
            # Whether a bad city or the missing address is reported first is unspecified.
            self.expect_failure(
                (AddressNotFound, ValidationError), lambda: book.update(address_id, city=city)
            )
            return
        updated = self.valid_or_rejected("city", lambda: book.update(address_id, city=city))
        if isinstance(updated, dict):
            assert updated["city"] == book.get(address_id).city

    @rule(address_id=ADDRESSES)
    def change_address_type(self, address_id: int) -> None:
        self.tick()
        book = self.harness.core.addresses
        if not self.address_alive(address_id):
            return
        other = "billing" if self.address_model[address_id].type == "shipping" else "shipping"
        self.expect_failure(ValidationError, lambda: book.update(address_id, type=other))

    # -- orders and events ---------------------------------------------

    @rule(
        target=ORDERS,
        customer_id=CUSTOMERS,
        amount=strategies.order_amounts(),
        status=st.sampled_from(STATUSES),
        placed=strategies.placed_at(),
    )
    def record_order(self, customer_id: int, amount: Decimal, status: str, placed: datetime) -> Any:
        self.tick()
        if customer_id not in self.emails:
            return multiple()
        order_id = self.next_order_id
        self.next_order_id += 1
        self.harness.orders.record(
            order_id=order_id,
            customer_id=customer_id,
            total_amount=amount,
            status=status,
            placed_at=placed,
        )
        self.order_model[order_id] = ModelOrder(customer_id, amount, status, placed)
        handled = self.harness.core.handle(OrderPlaced(customer_id=customer_id, order_id=order_id))
        assert handled is not None
        return order_id

    @rule(order_id=ORDERS, status=st.sampled_from(STATUSES))
    def set_status(self, order_id: int, status: str) -> None:
        self.tick()
        order = self.order_model[order_id]
        self.harness.orders.set_status(order_id, status)
        order.status = status
        event: OrderEvent
        if status == "cancelled":
            event = OrderCancelled(customer_id=order.customer_id, order_id=order_id)
        else:
            event = OrderStatusChanged(customer_id=order.customer_id, order_id=order_id)
        handled = self.harness.core.handle(event)
        assert (handled is None) is (order.customer_id not in self.emails)

    @rule(
        order_ids=st.lists(ORDERS, max_size=5),
        status=st.sampled_from(STATUSES),
        others=st.lists(CUSTOMERS, max_size=3),
        stranger=st.booleans(),
    )
    def handle_many(
        self, order_ids: list[int], status: str, others: list[int], stranger: bool
    ) -> None:
        """Change several orders' status, then hand all their events over in one batch."""
        self.tick()
        for order_id in order_ids:
            self.harness.orders.set_status(order_id, status)
            self.order_model[order_id].status = status
        owners = [self.order_model[o].customer_id for o in order_ids]
        events: list[OrderEvent] = [
            OrderStatusChanged(customer_id=owner, order_id=order_id)
            for owner, order_id in zip(owners, order_ids, strict=True)
        ]
        # Customers whose orders did not change (deleted ones too), and one never known.
        events += [OrderPlaced(customer_id=other, order_id=0) for other in others]
        if stranger:
            events.append(OrderPlaced(customer_id=2**40, order_id=0))
        known = {*owners, *others} & self.emails.keys()
        assert self.harness.core.handle_many(events) == len(known)
