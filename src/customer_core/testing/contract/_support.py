"""Helpers the contract classes share: sample inputs and a snapshot of all state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs

from customer_core.model import Customer
from customer_core.testing._harness import Harness
from customer_core.timeline import CustomerEvent

__all__ = [
    "ADDRESS",
    "PASSWORD",
    "Snapshot",
    "address",
    "at",
    "customer",
    "snapshot",
    "timeline",
]

PASSWORD = "correct horse battery"

#: Keyword arguments of a valid shipping address (``core.addresses.add``).
ADDRESS: dict[str, Any] = {
    "type": "shipping",
    "full_name": "Ada Lovelace",
    "phone": "+442079460958",
    "address_line1": "12 St James's Square",
    "city": "London",
    "state": "Greater London",
    "zip_code": "SW1Y 4JH",
    "country": "GB",
}


def customer(harness: Harness, tag: str = "ada", **overrides: Any) -> Customer:
    """Register a valid customer whose e-mail is ``<tag>@example.com``."""
    fields: dict[str, Any] = {
        "name": f"{tag.title()} Example",
        "email": f"{tag}@example.com",
        "password": PASSWORD,
    }
    fields.update(overrides)
    return harness.core.customers.register(**fields)


def address(harness: Harness, customer_id: int, **overrides: Any) -> Any:
    """Add a valid address to a customer; keyword arguments override :data:`ADDRESS`."""
    fields = dict(ADDRESS)
    fields.update(overrides)
    return harness.core.addresses.add(customer_id, **fields)


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """An aware UTC time in January 2025, for order times."""
    return datetime(2025, 1, day, hour, minute, second, tzinfo=UTC)


@attrs.frozen
class Snapshot:
    """Everything a service call could change, as comparable plain values."""

    customers: tuple[Any, ...]
    addresses: tuple[Any, ...]
    notes: tuple[Any, ...]
    #: Every listed customer's timeline: a failed call writes no event.
    events: tuple[Any, ...] = ()


def snapshot(harness: Harness) -> Snapshot:
    """Read every customer with its orders count, addresses and notes through the public API."""
    core = harness.core
    listed: list[Any] = []
    page = 1
    while True:
        result = core.customers.search(page=page, per_page=100)
        listed.extend(result.items)
        if page >= result.last_page:
            break
        page += 1
    addresses: list[Any] = []
    notes: list[Any] = []
    events: list[Any] = []
    for item in listed:
        addresses.extend(core.addresses.list(item.customer.id))
        notes.extend(core.notes.list(item.customer.id))
        events.extend(timeline(harness, item.customer.id))
    return Snapshot(tuple(listed), tuple(addresses), tuple(notes), tuple(events))


def timeline(harness: Harness, customer_id: int) -> list[CustomerEvent]:
    """The customer's whole timeline, newest first (every page); empty where the storage
    keeps none (an adapter on ``port_defaults.NoEventLog``, which refuses to be read:
    the other contracts still run on it, the timeline's fail)."""
    found: list[CustomerEvent] = []
    page = 1
    while True:
        try:
            result = harness.core.timeline.list(customer_id, page=page, per_page=100)
        except TypeError:
            return []
        found.extend(result.items)
        if page >= result.last_page:
            return found
        page += 1
