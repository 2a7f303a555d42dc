"""Rows as domain values, read leniently: Laravel rows may hold NULLs and odd values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, get_type_hints

import attrs

from customer_core.adapters.sqlalchemy._types import read_money, read_time
from customer_core.model import Address, AddressType, Customer, Note
from sqlalchemy import Column, Row, Table

__all__ = ["address_from", "customer_columns", "customer_from", "note_from"]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _flag(value: Any) -> bool:
    return bool(value)


def _count(value: Any) -> int:
    return int(value or 0)


def _money(value: Any) -> Decimal:
    return read_money(value) or Decimal("0.00")


#: How a column is read, by the type of the model's field it fills.
_READERS: dict[object, Callable[[Any], Any]] = {
    int: _count,
    str: _text,
    str | None: _optional_text,
    bool: _flag,
    Decimal: _money,
    datetime | None: read_time,
}

#: (field name, reader) of every :class:`Customer` field, derived from the model. The
#: annotations are resolved here (``get_type_hints``): a field's ``type`` is a string
#: until something calls ``attrs.resolve_types``, and a class after.
_CUSTOMER_READERS = [
    (field.name, _READERS[get_type_hints(Customer)[field.name]]) for field in attrs.fields(Customer)
]


def customer_columns(table: Table) -> list[Column[Any]]:
    """The columns of a :class:`Customer` (named like its fields), without the password."""
    return [table.c[name] for name, _ in _CUSTOMER_READERS]


class MappedRow(Protocol):
    """A result row read by column name (SQLAlchemy's ``Row``, typed alike on 2.0 and 2.1)."""

    @property
    def _mapping(self) -> Mapping[Any, Any]: ...


def customer_from(row: MappedRow) -> Customer:
    """A customer from a ``customers`` row (columns named like the fields)."""
    m = row._mapping
    return Customer(**{name: read(m[name]) for name, read in _CUSTOMER_READERS})


def _address_type(value: Any) -> AddressType:
    # The check constraint / enum allows only these two; lower() forgives hand-edited rows.
    return AddressType(_text(value).lower())


def address_from(row: Row[Any]) -> Address:
    """An address from an ``addresses`` row (countries are returned as stored)."""
    m = row._mapping
    return Address(
        id=int(m["id"]),
        customer_id=int(m["customer_id"]),
        type=_address_type(m["type"]),
        is_default=bool(m["is_default"]),
        full_name=_text(m["full_name"]),
        phone=_text(m["phone"]),
        address_line1=_text(m["address_line1"]),
        address_line2=_optional_text(m["address_line2"]),
        city=_text(m["city"]),
        state=_text(m["state"]),
        zip_code=_text(m["zip_code"]),
        country=_text(m["country"]),
        created_at=read_time(m["created_at"]),
        updated_at=read_time(m["updated_at"]),
    )


def note_from(row: Row[Any]) -> Note:
    """A note from a ``customer_notes`` row (the ``note`` column is the note's text)."""
    m = row._mapping
    return Note(
        id=int(m["id"]),
        customer_id=int(m["customer_id"]),
        author_id=int(m["user_id"]),
        text=_text(m["note"]),
        created_at=read_time(m["created_at"]),
        updated_at=read_time(m["updated_at"]),
    )
