"""InMemoryOrderLedger: the host's orders, for notebooks and tests."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal, InvalidOperation

import attrs

from customer_core.clock import SystemClock, as_utc
from customer_core.errors import ValidationError
from customer_core.model import OrderTotals, money
from customer_core.ports import Clock

__all__ = ["InMemoryOrderLedger"]


@attrs.define
class _Order:
    customer_id: int
    total_amount: Decimal
    status: str
    placed_at: datetime


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class InMemoryOrderLedger:
    """The host's orders kept in memory: :meth:`record` them and :meth:`set_status`.

    An order counts for the lifetime value when its status is ``delivered``
    and is left out of ``last_order_at`` when it is ``cancelled``; both
    status values are configurable, as for the SQL ``OrdersTable``.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        delivered: str = "delivered",
        cancelled: str = "cancelled",
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.delivered = delivered
        self.cancelled = cancelled
        self._orders: dict[int, _Order] = {}
        self._by_customer: dict[int, dict[int, None]] = {}
        self._lock = threading.Lock()

    def record(
        self,
        *,
        order_id: int,
        customer_id: int,
        total_amount: Decimal | int | str,
        status: str = "pending",
        placed_at: datetime | None = None,
    ) -> None:
        """Record one of the host's orders; ``placed_at`` defaults to the clock's time."""
        errors: dict[str, str] = {}
        if not _is_int(order_id):
            errors["order_id"] = "must be an integer"
        elif order_id in self._orders:
            errors["order_id"] = "is already recorded"
        if not _is_int(customer_id):
            errors["customer_id"] = "must be an integer"
        amount = Decimal(0)
        try:
            amount = money(total_amount)
        except (InvalidOperation, ValueError, TypeError):
            errors["total_amount"] = "must be a decimal amount"
        if not isinstance(status, str):
            errors["status"] = "must be a string"
        if placed_at is not None and not isinstance(placed_at, datetime):
            errors["placed_at"] = "must be a datetime"
        if errors:
            raise ValidationError(errors)
        when = as_utc(placed_at if placed_at is not None else self.clock.now())
        with self._lock:
            self._orders[order_id] = _Order(customer_id, amount, status, when)
            self._by_customer.setdefault(customer_id, {})[order_id] = None

    def set_status(self, order_id: int, status: str) -> None:
        """Change an order's status; ``ValidationError`` for an order never recorded."""
        if not isinstance(status, str):
            raise ValidationError.single("status", "must be a string")
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                raise ValidationError.single("order_id", "is not a recorded order")
            order.status = status

    def totals(self, customer_id: int) -> OrderTotals:
        """The customer's lifetime-value inputs (see :class:`customer_core.ports.OrderLedger`)."""
        value, delivered, last = Decimal(0), 0, None
        with self._lock:
            orders = [self._orders[i] for i in self._by_customer.get(customer_id, ())]
        for order in orders:
            if order.status == self.delivered:
                value += order.total_amount
                delivered += 1
            if order.status != self.cancelled and (last is None or order.placed_at > last):
                last = order.placed_at
        return OrderTotals(value, delivered, last)

    def count(self, customer_id: int) -> int:
        """How many orders the customer has, whatever their status."""
        return len(self._by_customer.get(customer_id, ()))

    def __len__(self) -> int:
        return len(self._orders)

    def __repr__(self) -> str:
        return f"InMemoryOrderLedger({len(self._orders)} orders)"
