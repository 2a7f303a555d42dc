"""The segment value: a small immutable tree of conditions joined by ``&``, ``|`` and ``~``.

Every node is a frozen attrs class, compared and hashed by value. ``str()`` of a
node is its text form in the grammar of :mod:`._parse`; the parser builds the very
same nodes, so ``parse(str(s)) == s``. Binary ``&``/``|`` nest to the left, as the
parser reads ``a and b and c``; the text form puts parentheses exactly where that
reading needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

import attrs

from customer_core._segment._fields import (
    FIELDS,
    Kind,
    Value,
    checked_days,
    checked_value,
    kind_of,
    refuse,
)

__all__ = [
    "And",
    "Between",
    "Compare",
    "Contains",
    "Flag",
    "In",
    "IsNull",
    "Not",
    "OlderThan",
    "Or",
    "Segment",
    "Within",
    "value_text",
]

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


class Segment:
    """A set of customers described by conditions on their fields: an immutable value.

    Build one with :data:`customer_core.segments.C` or
    :func:`customer_core.segments.parse`; combine with ``&`` (and), ``|`` (or)
    and ``~`` (not). ``str(segment)`` is its text form.
    """

    __slots__ = ()
    #: Binding strength in the text form: or < and < not < a condition.
    precedence: ClassVar[int] = 3

    def __and__(self, other: Segment) -> Segment:
        return And(self, _segment(other))

    def __or__(self, other: Segment) -> Segment:
        return Or(self, _segment(other))

    def __invert__(self) -> Segment:
        return Not(self)

    def __bool__(self) -> bool:
        # ``a and b`` / ``a or b`` / ``not a`` would silently drop a condition.
        raise TypeError("a Segment has no truth value: combine segments with &, | and ~")

    def __repr__(self) -> str:
        return f"<Segment {self}>"

    def __str__(self) -> str:
        raise NotImplementedError

    def children(self) -> tuple[Segment, ...]:
        """The segments this one combines (none for a condition)."""
        return ()


def _segment(value: object) -> Segment:
    if not isinstance(value, Segment):
        raise refuse(f"cannot combine a segment with {type(value).__name__}")
    return value


def value_text(value: Value) -> str:
    """A value in the text form: numbers bare, texts and times in double quotes."""
    if isinstance(value, bool):  # pragma: no cover - values are checked before
        raise TypeError(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        value = value.isoformat()
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@attrs.frozen(repr=False)
class Compare(Segment):
    """``field <op> value``; false when the field is empty (NULL)."""

    field: str
    op: str
    value: Value

    def __str__(self) -> str:
        return f"{self.field} {self.op} {value_text(self.value)}"


@attrs.frozen(repr=False)
class Between(Segment):
    """``low <= field <= high`` (both ends included); false when the field is empty."""

    field: str
    low: Value
    high: Value

    def __str__(self) -> str:
        return f"{self.field} between {value_text(self.low)} and {value_text(self.high)}"


@attrs.frozen(repr=False)
class In(Segment):
    """The field equals one of ``values``; false when the field is empty."""

    field: str
    values: tuple[Value, ...]

    def __str__(self) -> str:
        return f"{self.field} in ({', '.join(value_text(v) for v in self.values)})"


@attrs.frozen(repr=False)
class Contains(Segment):
    """The field, lower-cased, contains ``text`` (lower-cased) literally: search's rules."""

    field: str
    text: str

    def __str__(self) -> str:
        return f"{self.field} contains {value_text(self.text)}"


@attrs.frozen(repr=False)
class IsNull(Segment):
    """The field is empty (a time never set; for ``country``: no address at all)."""

    field: str

    def __str__(self) -> str:
        return f"{self.field} is null"


@attrs.frozen(repr=False)
class Within(Segment):
    """The time is at most ``days`` days before now (relative: resolved against a clock)."""

    field: str
    days: int

    def __str__(self) -> str:
        return f"{self.field} within {self.days}d"


@attrs.frozen(repr=False)
class OlderThan(Segment):
    """The time is more than ``days`` days before now (relative: resolved against a clock)."""

    field: str
    days: int

    def __str__(self) -> str:
        return f"{self.field} older_than {self.days}d"


@attrs.frozen(repr=False, eq=False)
class Flag(Segment):
    """A true/false field used as a condition: ``C.is_blocked``, ``~C.is_repeat``."""

    field: str

    def __eq__(self, other: object) -> bool:
        if isinstance(other, bool):
            # ``C.is_blocked == False`` would be a plain False, not a condition.
            raise refuse(f"{self.field} is a condition by itself: use it as is or with ~")
        if isinstance(other, Flag):
            return self.field == other.field
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((Flag, self.field))

    def __str__(self) -> str:
        return self.field


@attrs.frozen(repr=False)
class Not(Segment):
    """Every customer the inner segment does not hold (plain two-valued negation)."""

    precedence: ClassVar[int] = 2
    inner: Segment

    def __str__(self) -> str:
        return f"not {_wrapped(self.inner, self.precedence)}"

    def children(self) -> tuple[Segment, ...]:
        """The negated segment."""
        return (self.inner,)


@attrs.frozen(repr=False)
class And(Segment):
    """Both segments hold."""

    precedence: ClassVar[int] = 1
    left: Segment
    right: Segment

    def __str__(self) -> str:
        left = _wrapped(self.left, self.precedence)
        return f"{left} and {_wrapped(self.right, self.precedence + 1)}"

    def children(self) -> tuple[Segment, ...]:
        """The two joined segments."""
        return (self.left, self.right)


@attrs.frozen(repr=False)
class Or(Segment):
    """Either segment holds."""

    precedence: ClassVar[int] = 0
    left: Segment
    right: Segment

    def __str__(self) -> str:
        left = _wrapped(self.left, self.precedence)
        return f"{left} or {_wrapped(self.right, self.precedence + 1)}"

    def children(self) -> tuple[Segment, ...]:
        """The two joined segments."""
        return (self.left, self.right)


def _wrapped(segment: Segment, weakest: int) -> str:
    """``segment``'s text, in parentheses when it binds more weakly than ``weakest``."""
    text = str(segment)
    return f"({text})" if segment.precedence < weakest else text


def compare(field: str, op: str, value: object) -> Compare:
    """A checked ``field <op> value`` condition."""
    kind_of(field, op)
    return Compare(field, op, checked_value(field, value))


def between(field: str, low: object, high: object) -> Between:
    """A checked ``between`` condition."""
    kind_of(field, "between")
    return Between(field, checked_value(field, low), checked_value(field, high))


def in_(field: str, values: Iterable[object]) -> In:
    """A checked ``in`` condition of at least one value."""
    kind_of(field, "in")
    if isinstance(values, str | bytes):
        raise refuse(f"{field}: in_ takes a list of values, not one text")
    checked = tuple(checked_value(field, value) for value in values)
    if not checked:
        raise refuse(f"{field}: in_ needs at least one value")
    return In(field, checked)


def contains(field: str, text: object) -> Contains:
    """A checked ``contains`` condition (the text lower-cased)."""
    kind_of(field, "contains")
    value = checked_value(field, text)
    assert isinstance(value, str)
    return Contains(field, value)


def is_null(field: str) -> IsNull:
    """A checked ``is null`` condition."""
    kind_of(field, "is null")
    return IsNull(field)


def within(field: str, days: object) -> Within:
    """A checked ``within`` condition."""
    kind_of(field, "within")
    return Within(field, checked_days(field, days))


def older_than(field: str, days: object) -> OlderThan:
    """A checked ``older_than`` condition."""
    kind_of(field, "older_than")
    return OlderThan(field, checked_days(field, days))


def flag(field: str) -> Flag:
    """A true/false field as a condition."""
    if FIELDS.get(field) is not Kind.FLAG:
        raise refuse(f"{field} is not a condition by itself: compare it with a value")
    return Flag(field)
