"""Order events: what the host tells the library after an order's transaction commits.

Each event names the customer whose lifetime value may have changed. The
library never trusts an event's figures: handling one recalculates the
customer from the orders as they are *now*, so duplicates, replays and
out-of-order delivery all end in the same, correct totals.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypeAlias

import attrs

__all__ = [
    "EVENT_TYPES",
    "OrderCancelled",
    "OrderEvent",
    "OrderPlaced",
    "OrderStatusChanged",
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


def __getattr__(name: str) -> object:
    """0.1 kept the handler here; it lives in :mod:`customer_core.event_handler` now."""
    if name in ("OrderEventHandler", "as_event"):
        import warnings

        from customer_core import event_handler

        warnings.warn(
            f"customer_core.events.{name} moved to customer_core.event_handler in 0.2",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(event_handler, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
