"""Handling order events: the helper a host plugs into its queue, and what handling means.

Handling an event recalculates its customer from the orders as they are
*now* (:class:`~customer_core.services.LifetimeValue`); the event's own figures
are never trusted, so duplicates, replays and out-of-order delivery all end in
the same totals. ``CustomerCore.handle`` and ``handle_many`` call
:func:`handle_event` and :func:`handle_events`; :class:`OrderEventHandler` adds
what a queue consumer needs: events or their JSON dicts, and batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from customer_core.errors import CustomerNotFound, ValidationError
from customer_core.events import EVENT_TYPES, OrderEvent
from customer_core.model import Customer
from customer_core.rules import record_id
from customer_core.services import LifetimeValue

__all__ = ["OrderEventHandler", "as_event", "handle_event", "handle_events"]


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


def handle_event(ltv: LifetimeValue, event: OrderEvent) -> Customer | None:
    """Recalculate the event's customer; None (never an error) if it no longer exists."""
    customer_id = _customer_of(event)
    if customer_id is None:
        return None
    try:
        return ltv.recalculate(customer_id)
    except CustomerNotFound:
        return None


def handle_events(ltv: LifetimeValue, events: Iterable[OrderEvent]) -> int:
    """One recalculation per distinct known customer, set-based; returns how many.

    Every event is checked before anything is written; unknown customers are skipped.
    """
    ids = [_customer_of(event) for event in events]
    return ltv.recalculate_many([i for i in ids if i is not None])


def _customer_of(event: object) -> int | None:
    """The event's customer id; None for an id no customer can have."""
    if not isinstance(event, EVENT_TYPES):
        raise ValidationError.single(
            "event", "must be an OrderPlaced, OrderCancelled or OrderStatusChanged"
        )
    try:
        return record_id(event.customer_id)
    except ValueError:
        raise ValidationError.single("customer_id", "must be an integer") from None
