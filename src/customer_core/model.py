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
    "CursorPage",
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
    """One page of results; ``last_page`` is at least 1 even when there are no results.

    ``total`` is None when the search was asked not to count (``total=None``);
    ``has_more`` then says whether another page exists (the storage read one row
    more than the page). With a count it is ``page < last_page``.
    """

    items: Sequence[T] = attrs.field(converter=tuple)
    total: int | None
    page: int
    per_page: int
    has_more: bool = attrs.field(
        default=attrs.Factory(
            lambda self: self.total is not None and self.page * self.per_page < self.total,
            takes_self=True,
        )
    )

    @property
    def last_page(self) -> int:
        """The number of the last page (1 when empty).

        Without a count (``total`` None) the last page known to exist, a lower
        bound: the next page while ``has_more``, else this one when it has items,
        else 1 (an empty page past the end tells nothing of where the end is).
        """
        if self.total is None:
            if self.has_more:
                return self.page + 1
            return self.page if self.items else 1
        return max(1, -(-self.total // self.per_page))


@attrs.frozen
class CursorPage(Generic[T]):
    """One page of a scroll (``core.customers.scroll``): the items and the cursor after them.

    ``next`` is an opaque string to pass as ``after=`` for the following page,
    None on the last page.
    """

    items: Sequence[T] = attrs.field(converter=tuple)
    next: str | None

    @property
    def has_more(self) -> bool:
        """True when another page follows (``next`` is not None)."""
        return self.next is not None


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
