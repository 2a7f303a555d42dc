"""Order events: what the host tells the library after an order's transaction commits.

Each event names the customer whose lifetime value may have changed. The
library never trusts an event's figures: handling one recalculates the
customer from the orders as they are *now*, so duplicates, replays and
out-of-order delivery all end in the same, correct totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeAlias

import attrs

from customer_core.errors import ValidationError
from customer_core.model import Customer

__all__ = [
    "OrderCancelled",
    "OrderEvent",
    "OrderEventHandler",
    "OrderPlaced",
    "OrderStatusChanged",
    "as_event",
]


@attrs.frozen(kw_only=True)
class OrderPlaced:
    """A customer placed an order."""

    customer_id: int
    order_id: int
    total_amount: Decimal | None = None
    occurred_at: datetime | None = None


@attrs.frozen(kw_only=True)
class OrderCancelled:
    """An order was cancelled."""

    customer_id: int
    order_id: int
    occurred_at: datetime | None = None


@attrs.frozen(kw_only=True)
class OrderStatusChanged:
    """An order's status changed (for example to ``delivered``)."""

    customer_id: int
    order_id: int
    status: str | None = None
    previous_status: str | None = None
    occurred_at: datetime | None = None


OrderEvent: TypeAlias = OrderPlaced | OrderCancelled | OrderStatusChanged
"""Any of the order events."""

EVENT_TYPES: tuple[type[OrderEvent], ...] = (OrderPlaced, OrderCancelled, OrderStatusChanged)


class _Core(Protocol):
    """What the handler needs of a CustomerCore."""

    def handle(self, event: OrderEvent) -> Customer | None: ...

    def handle_many(self, events: Iterable[OrderEvent]) -> int: ...


class OrderEventHandler:
    """Plugs LTV updates into any event system or queue in a line or two.

    Call it with an event, or with the JSON dict of one as it comes off a
    queue (:func:`customer_core.serialization.event_to_dict`); give
    :meth:`handle_batch` many at once to recalculate each customer once.
    Handling is idempotent: each call recomputes the customer from the
    orders as they are now, so duplicates, replays and out-of-order
    delivery end in the same totals.

    >>> from customer_core import CustomerCore
    >>> core = CustomerCore.in_memory()
    >>> on_order_event = OrderEventHandler(core)
    >>> on_order_event({"type": "OrderPlaced", "customer_id": 404, "order_id": 1}) is None
    True
    """

    def __init__(self, core: _Core) -> None:
        self._core = core

    def __call__(self, event: OrderEvent | Mapping[str, Any]) -> Customer | None:
        """Recalculate the event's customer; None when that customer no longer exists."""
        return self._core.handle(as_event(event))

    def handle_batch(self, events: Iterable[OrderEvent | Mapping[str, Any]]) -> int:
        """One recalculation per distinct customer; returns how many known customers were done."""
        return self._core.handle_many([as_event(event) for event in events])

    def __repr__(self) -> str:
        return f"OrderEventHandler({self._core!r})"


def as_event(value: OrderEvent | Mapping[str, Any]) -> OrderEvent:
    """An event, rebuilt from its JSON dict when it is one."""
    if isinstance(value, EVENT_TYPES):
        return value
    if isinstance(value, Mapping):
        from customer_core.serialization import event_from_dict

        return event_from_dict(value)
    raise ValidationError.single("event", "must be an order event or its dict")
