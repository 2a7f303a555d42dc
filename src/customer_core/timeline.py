"""The customer timeline: what changed, when and by whom, one event per change.

Pure values only: :class:`EventType`, :class:`CustomerEvent` and the
:class:`NewEvent` a service hands to the storage's
:class:`~customer_core.ports.EventLog`. The events are written in the same
transaction as the change they record, and ``data`` never holds a password,
hash or token (the services put only field names, ids and e-mails in it).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["CustomerEvent", "EventType", "NewEvent"]


class EventType(enum.StrEnum):
    """What happened to a customer (the ``type`` of a :class:`CustomerEvent`)."""

    REGISTERED = "registered"
    IMPORTED = "imported"
    PROFILE_UPDATED = "profile_updated"
    EMAIL_CHANGED = "email_changed"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"
    ADDRESS_ADDED = "address_added"
    ADDRESS_UPDATED = "address_updated"
    ADDRESS_REMOVED = "address_removed"
    DEFAULT_ADDRESS_CHANGED = "default_address_changed"
    NOTE_ADDED = "note_added"
    NOTE_EDITED = "note_edited"
    NOTE_REMOVED = "note_removed"
    LIFETIME_VALUE_CHANGED = "lifetime_value_changed"
    ANONYMIZED = "anonymized"
    ERASED = "erased"


def _frozen_data(value: Mapping[str, Any]) -> dict[str, Any]:
    # A copy, so that a caller's dict changed later does not change the event.
    return dict(value)


@attrs.frozen
class CustomerEvent:
    """One entry of a customer's timeline (and of the outbox).

    ``actor_id`` is the host's admin user who made the change through
    ``core.acting_as(actor_id)``, or None (the customer or the system). ``data``
    is JSON-safe: strings, numbers, lists and None.
    """

    id: int
    customer_id: int
    type: EventType = attrs.field(converter=EventType)
    actor_id: int | None
    data: dict[str, Any] = attrs.field(converter=_frozen_data, hash=False)
    occurred_at: datetime


@attrs.frozen
class NewEvent:
    """An event to append; the storage gives it its id."""

    customer_id: int
    type: EventType
    actor_id: int | None
    data: dict[str, Any] = attrs.field(converter=_frozen_data, hash=False)
    occurred_at: datetime
