"""JSON-safe dicts for every public type and event, and back (cattrs).

Decimals become strings (``"10.50"``), datetimes ISO 8601 in UTC
(``"2026-01-01T12:00:00+00:00"``), address types their value. Derived values
(``Customer.is_repeat``, ``Page.last_page``) are written out for readers and
ignored when read back. No public type holds a password or hash, so none can
be serialized.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs

from customer_core.clock import as_utc
from customer_core.errors import ValidationError
from customer_core.events import EVENT_TYPES, OrderEvent
from customer_core.model import Customer, Page

__all__ = [
    "converter",
    "event_from_dict",
    "event_to_dict",
    "from_dict",
    "to_dict",
]

T = TypeVar("T")

converter = cattrs.Converter()
"""The configured converter, for hosts that want to register more hooks on top."""

converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, lambda value, _: Decimal(str(value)))
converter.register_unstructure_hook(datetime, lambda value: as_utc(value).isoformat())
converter.register_structure_hook(
    datetime,
    lambda value, _: as_utc(
        value if isinstance(value, datetime) else datetime.fromisoformat(value)
    ),
)


def _customer_to_dict(customer: Customer) -> dict[str, Any]:
    data = converter.unstructure_attrs_asdict(customer)
    data["is_repeat"] = customer.is_repeat
    return data


def _customer_from_dict(data: Mapping[str, Any], _: type) -> Customer:
    fields = {key: value for key, value in data.items() if key != "is_repeat"}
    return converter.structure_attrs_fromdict(fields, Customer)


converter.register_unstructure_hook(Customer, _customer_to_dict)
converter.register_structure_hook(Customer, _customer_from_dict)


def _page_to_dict(page: Page[Any]) -> dict[str, Any]:
    return {
        "items": [converter.unstructure(item) for item in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "last_page": page.last_page,
        "has_more": page.has_more,
    }


converter.register_unstructure_hook(Page, _page_to_dict)


def to_dict(value: object) -> dict[str, Any]:
    """A JSON-safe dict of a public value (Customer, Address, Note, Page, event, …)."""
    data = converter.unstructure(value)
    if not isinstance(data, dict):
        raise TypeError(f"{type(value).__name__} does not serialize to a dict")
    return data


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """Rebuild a public value of type ``cls`` from :func:`to_dict`'s output."""
    try:
        return converter.structure(dict(data), cls)
    except cattrs.BaseValidationError as error:
        raise ValidationError(_field_errors(error)) from None
    except (ValueError, TypeError, KeyError) as error:
        raise ValidationError.single(cls.__name__, f"cannot be read ({error})") from None


def _field_errors(error: cattrs.BaseValidationError) -> dict[str, str]:
    """cattrs' error tree as field → message (``"customer_id": "required field missing"``)."""
    errors: dict[str, str] = {}
    for line in cattrs.transform_error(error, path="$"):
        message, _, where = line.partition(" @ ")
        errors[where.removeprefix("$").lstrip(".") or "$"] = message
    return errors


EVENT_NAMES = {cls.__name__: cls for cls in EVENT_TYPES}


def event_to_dict(event: OrderEvent) -> dict[str, Any]:
    """An event as a JSON-safe dict with its kind under ``"type"`` (for queues)."""
    return {"type": type(event).__name__, **to_dict(event)}


EVENT_ID_FIELDS = ("customer_id", "order_id")
# 2**64 - 1 (a BIGINT UNSIGNED, Laravel's ids) has 20 digits; a longer string
# names no row, and int() of a very long one raises.
MAX_ID_DIGITS = 20


def _event_id(value: object) -> int | None:
    """``value`` as an id if it is plainly an integer, else None (never coerced).

    An ``int`` (not a ``bool``), or a string of 1–20 ASCII digits as some
    producers write big integers; ``True``, ``1.0``, ``1.7``, ``"١"``,
    ``" 1"`` and ``"1_0"`` are not ids.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_DIGITS
        and value.isascii()
        and value.isdigit()
    ):
        return int(value)
    return None


# An amount is written as a short decimal; a longer text is refused before it
# is read (Decimal() of a million digits works, slowly, for nothing).
MAX_AMOUNT_CHARS = 64
# Laravel's string column; a status is a short word such as "delivered".
MAX_STATUS_CHARS = 255
STATUS_FIELDS = ("status", "previous_status")


def _event_kind(value: object) -> type[OrderEvent] | None:
    """The event class ``type`` names; only a str is looked up (``str()`` of a huge int raises)."""
    return EVENT_NAMES.get(value) if isinstance(value, str) else None


def _field_problems(kind: type[OrderEvent], fields: Mapping[str, Any]) -> dict[str, str]:
    """Cheap checks of the fields ``kind`` has, before cattrs converts anything."""
    errors = {}
    names = attrs.fields_dict(kind)
    for name in STATUS_FIELDS:
        value = fields.get(name)
        if name in names and value is not None:
            if not isinstance(value, str):
                errors[name] = "must be a string"
            elif len(value) > MAX_STATUS_CHARS:
                errors[name] = f"must be at most {MAX_STATUS_CHARS} characters"
    amount = fields.get("total_amount")
    if "total_amount" in names and isinstance(amount, str) and len(amount) > MAX_AMOUNT_CHARS:
        errors["total_amount"] = (
            f"must be a decimal number of at most {MAX_AMOUNT_CHARS} characters"
        )
    return errors


def event_from_dict(data: Mapping[str, Any]) -> OrderEvent:
    """Rebuild an event from :func:`event_to_dict`'s output.

    ``type`` must be the string name of an event class. ``customer_id`` and
    ``order_id`` must be integers, or strings of at most 20 ASCII digits;
    anything else (``true``, ``1.5``, ``"١"``) is a ``ValidationError`` naming
    the field. ``total_amount`` must be a finite number (no NaN or Infinity)
    or a decimal string of at most 64 characters; ``status`` and
    ``previous_status`` strings of at most 255 characters. Keys the event does
    not have are ignored, so a producer may send more than the library reads.
    """
    kind = _event_kind(data.get("type"))
    if kind is None:
        raise ValidationError.single("type", f"must be one of {', '.join(EVENT_NAMES)}")
    fields = {key: value for key, value in data.items() if key != "type"}
    errors = _field_problems(kind, fields)
    for name in EVENT_ID_FIELDS:
        if name in fields:
            number = _event_id(fields[name])
            if number is None:
                errors[name] = "must be an integer (or a string of at most 20 ASCII digits)"
            fields[name] = number
    if errors:
        raise ValidationError(errors)
    event = from_dict(kind, fields)
    amount = getattr(event, "total_amount", None)
    if amount is not None and not amount.is_finite():
        raise ValidationError.single("total_amount", "must be a finite number")
    return event


_LARAVEL = ("laravel_customer", "laravel_paginator", "laravel_validation_errors")


def __getattr__(name: str) -> object:
    """0.1 re-exported the Laravel shapes here; they live in :mod:`customer_core.laravel`."""
    if name in _LARAVEL:
        import warnings

        from customer_core import laravel

        warnings.warn(
            f"customer_core.serialization.{name} is deprecated since 0.2;"
            f" import it from customer_core.laravel",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(laravel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
