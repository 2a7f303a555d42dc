"""The domain's values: frozen attrs types with no behaviour beyond what they are.

None of them carries a password or its hash; the hash travels only inside the
storage ports (:class:`customer_core.ports.Credentials`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

import attrs

__all__ = [
    "Address",
    "AddressType",
    "Customer",
    "ListedCustomer",
    "Note",
    "OrderTotals",
    "Page",
    "money",
]

T = TypeVar("T")

CENT = Decimal("0.01")


def money(value: Decimal | int | str | float) -> Decimal:
    """Return ``value`` as an exact Decimal quantized to two places.

    Floats go through ``str`` first so that ``10.1`` (as SQLite returns
    ``'10.10'``) becomes ``Decimal("10.10")`` and not its binary expansion.
    """
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT)


class AddressType(enum.StrEnum):
    """The two kinds of address; the plain strings ``"shipping"``/``"billing"`` work as input."""

    SHIPPING = "shipping"
    BILLING = "billing"


@attrs.frozen
class Customer:
    """A registered customer as the registry shows it (never with the password)."""

    id: int
    name: str
    email: str
    phone: str | None
    avatar: str | None
    is_blocked: bool
    lifetime_value: Decimal
    total_orders: int
    last_order_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None

    @property
    def is_repeat(self) -> bool:
        """True when the customer has more than one delivered order."""
        return self.total_orders > 1


@attrs.frozen
class Address:
    """A shipping or billing address of one customer."""

    id: int
    customer_id: int
    type: AddressType
    is_default: bool
    full_name: str
    phone: str
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    zip_code: str
    country: str
    created_at: datetime | None
    updated_at: datetime | None


@attrs.frozen
class Note:
    """An internal note about a customer, written by one of the host's admin users."""

    id: int
    customer_id: int
    author_id: int
    text: str
    created_at: datetime | None
    updated_at: datetime | None


@attrs.frozen
class ListedCustomer:
    """A search hit: the customer and the number of all its orders, whatever their status."""

    customer: Customer
    orders_count: int


@attrs.frozen
class Page(Generic[T]):
    """One page of results; ``last_page`` is at least 1 even when there are no results."""

    items: Sequence[T] = attrs.field(converter=tuple)
    total: int
    page: int
    per_page: int

    @property
    def last_page(self) -> int:
        """The number of the last page (1 when empty)."""
        return max(1, -(-self.total // self.per_page))


@attrs.frozen
class OrderTotals:
    """What a customer's orders add up to: the inputs of its lifetime value."""

    lifetime_value: Decimal = attrs.field(converter=money)
    total_orders: int
    last_order_at: datetime | None

    @classmethod
    def empty(cls) -> OrderTotals:
        """The totals of a customer with no orders."""
        return cls(Decimal(0), 0, None)
