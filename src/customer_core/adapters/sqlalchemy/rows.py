"""Rows as domain values, read leniently: Laravel rows may hold NULLs and odd values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from customer_core.adapters.sqlalchemy.types import read_money, read_time
from customer_core.model import Address, AddressType, Customer, Note
from sqlalchemy import Row

__all__ = ["address_from", "customer_from", "note_from"]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def customer_from(row: Row[Any]) -> Customer:
    """A customer from a ``customers`` row."""
    m = row._mapping
    return Customer(
        id=int(m["id"]),
        name=_text(m["name"]),
        email=_text(m["email"]),
        phone=_optional_text(m["phone"]),
        avatar=_optional_text(m["avatar"]),
        is_blocked=bool(m["is_blocked"]),
        lifetime_value=read_money(m["lifetime_value"]) or Decimal("0.00"),
        total_orders=int(m["total_orders"] or 0),
        last_order_at=read_time(m["last_order_at"]),
        created_at=read_time(m["created_at"]),
        updated_at=read_time(m["updated_at"]),
    )


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
