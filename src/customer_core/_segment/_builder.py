"""``C.<field>``: the Python way to write a segment's conditions."""

from __future__ import annotations

from collections.abc import Iterable

from customer_core._segment import _nodes as nodes
from customer_core._segment._nodes import Flag, Segment

__all__ = ["C", "Field", "Fields"]


class Field:
    """One field of a customer in a segment: compare it to build a condition.

    ``C.lifetime_value >= 500``, ``C.name.contains("ada")``,
    ``C.last_order_at.within(days=90)``. A value of the wrong type (or an
    operator the field does not take) raises ``ValidationError`` (key
    ``"segment"``) right here, not when the segment runs.
    """

    __slots__ = ("name",)
    __hash__ = None  # type: ignore[assignment]  # ``==`` builds a condition

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"C.{self.name}"

    def __eq__(self, value: object) -> Segment:  # type: ignore[override]
        return nodes.compare(self.name, "==", value)

    def __ne__(self, value: object) -> Segment:  # type: ignore[override]
        return nodes.compare(self.name, "!=", value)

    def __lt__(self, value: object) -> Segment:
        return nodes.compare(self.name, "<", value)

    def __le__(self, value: object) -> Segment:
        return nodes.compare(self.name, "<=", value)

    def __gt__(self, value: object) -> Segment:
        return nodes.compare(self.name, ">", value)

    def __ge__(self, value: object) -> Segment:
        return nodes.compare(self.name, ">=", value)

    def between(self, low: object, high: object) -> Segment:
        """``low <= field <= high``, both ends included."""
        return nodes.between(self.name, low, high)

    def in_(self, values: Iterable[object]) -> Segment:
        """The field equals one of ``values`` (at least one)."""
        return nodes.in_(self.name, values)

    def contains(self, text: object) -> Segment:
        """The field contains ``text`` literally, ignoring case (the rules of search text)."""
        return nodes.contains(self.name, text)

    def is_null(self) -> Segment:
        """The field is empty (for ``country``: the customer has no address)."""
        return nodes.is_null(self.name)

    def within(self, *, days: int) -> Segment:
        """The time is at most ``days`` days before the core's clock's now."""
        return nodes.within(self.name, days)

    def older_than(self, *, days: int) -> Segment:
        """The time is more than ``days`` days before the core's clock's now."""
        return nodes.older_than(self.name, days)


class Fields:
    """The namespace :data:`C`: one attribute per field a segment can test."""

    __slots__ = ()

    id = Field("id")
    name = Field("name")
    email = Field("email")
    #: The e-mail's part after its first ``@``.
    email_domain = Field("email_domain")
    lifetime_value = Field("lifetime_value")
    total_orders = Field("total_orders")
    last_order_at = Field("last_order_at")
    created_at = Field("created_at")
    #: Of any of the customer's addresses (``==``: has an address in that country).
    country = Field("country")
    is_blocked = Flag("is_blocked")
    is_repeat = Flag("is_repeat")

    def __repr__(self) -> str:
        return "C"


C = Fields()
"""The fields of a customer, for segments: ``(C.lifetime_value >= 500) & ~C.is_blocked``."""
