"""Rows as domain values, and the times and amounts the way the tables keep them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from customer_core.clock import as_utc, stored_time
from customer_core.model import Address, AddressType, Customer, Note, money

__all__ = [
    "ADDRESS_FIELDS",
    "CUSTOMER_FIELDS",
    "NOTE_FIELDS",
    "address_from",
    "customer_from",
    "db_time",
    "db_values",
    "note_from",
    "read_time",
]

CUSTOMER_FIELDS = (
    "id",
    "name",
    "email",
    "phone",
    "avatar",
    "is_blocked",
    "lifetime_value",
    "total_orders",
    "last_order_at",
    "created_at",
    "updated_at",
)
ADDRESS_FIELDS = (
    "id",
    "customer_id",
    "type",
    "is_default",
    "full_name",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
    "country",
    "created_at",
    "updated_at",
)
NOTE_FIELDS = ("id", "customer_id", "user_id", "note", "created_at", "updated_at")

#: What Laravel and other writers leave in SQLite's text columns; fractions are dropped.
_LENIENT_TIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)


def db_time(moment: datetime | None) -> datetime | None:
    """A time as Django binds it: UTC whole seconds, aware only where ``USE_TZ`` is on."""
    if moment is None:
        return None
    utc = stored_time(moment)
    return utc if settings.USE_TZ else utc.replace(tzinfo=None)


def read_time(value: Any) -> datetime | None:
    """A stored time (a datetime, naive meaning UTC, or SQLite text) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    match = _LENIENT_TIME.match(str(value))
    if match is None:
        return None
    y, mo, d, h, mi, s = (int(part) if part else 0 for part in match.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None


def db_values(changes: Mapping[str, object]) -> dict[str, object]:
    """Changes of domain fields as column values (times converted for Django)."""
    return {
        name: db_time(value) if isinstance(value, datetime) else value
        for name, value in changes.items()
    }


def customer_from(row: Mapping[str, Any]) -> Customer:
    """A :class:`Customer` from a ``values()`` row."""
    return Customer(
        id=int(row["id"]),
        name=row["name"],
        email=row["email"],
        phone=row["phone"],
        avatar=row["avatar"],
        is_blocked=bool(row["is_blocked"]),
        lifetime_value=money(row["lifetime_value"] or 0),
        total_orders=int(row["total_orders"] or 0),
        last_order_at=read_time(row["last_order_at"]),
        created_at=read_time(row["created_at"]),
        updated_at=read_time(row["updated_at"]),
    )


def address_from(row: Mapping[str, Any]) -> Address:
    """An :class:`Address` from a ``values()`` row."""
    values = dict(row)
    values["type"] = AddressType(values["type"])
    values["is_default"] = bool(values["is_default"])
    values["created_at"] = read_time(values["created_at"])
    values["updated_at"] = read_time(values["updated_at"])
    return Address(**values)


def note_from(row: Mapping[str, Any]) -> Note:
    """A :class:`Note` from a ``values()`` row."""
    return Note(
        id=int(row["id"]),
        customer_id=int(row["customer_id"]),
        author_id=int(row["user_id"]),
        text=row["note"],
        created_at=read_time(row["created_at"]),
        updated_at=read_time(row["updated_at"]),
    )
