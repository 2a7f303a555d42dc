"""The in-memory meaning of a segment: the oracle every storage must agree with.

NULL rules (two-valued, so SQL can match them exactly; see the SQL compiler):

- every condition is either true or false for every customer, never unknown;
- a comparison, ``between`` or ``in`` on an empty (NULL) time is false;
  ``is null`` is the only condition true for it;
- ``~s`` holds exactly when ``s`` does not: ``~(C.last_order_at < x)`` holds
  for a customer who never ordered, while ``C.last_order_at >= x`` does not;
- ``country`` conditions ask about the customer's addresses: ``== / in`` "has
  an address in one of them", ``!=`` "has no address in it", ``is null`` "has
  no address";
- text conditions compare the ``str.lower()`` of the field with the lower-cased
  value (``==``, ``!=``, ``in``: equal; ``contains``: a literal substring);
  ``email_domain`` is the lower-cased e-mail after its first ``@`` (the whole
  e-mail if it has none).

Relative conditions (``within``/``older_than``) are first resolved against a
clock (:func:`resolve`) into absolute comparisons; :func:`matches` accepts only
resolved segments, so a segment means one thing for a whole call.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterator
from datetime import datetime, timedelta
from typing import Any

from customer_core._segment._nodes import (
    And,
    Between,
    Compare,
    Contains,
    Flag,
    In,
    IsNull,
    Not,
    OlderThan,
    Or,
    Segment,
    Within,
)
from customer_core.clock import stored_time
from customer_core.model import Customer

__all__ = ["conditions", "field_value", "matches", "needs_countries", "resolve"]

COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def conditions(segment: Segment) -> Iterator[Segment]:
    """Every condition (leaf) of ``segment``, left to right."""
    stack = [segment]
    while stack:
        node = stack.pop()
        children = node.children()
        if children:
            stack.extend(reversed(children))
        else:
            yield node


def needs_countries(segment: Segment) -> bool:
    """True when evaluating ``segment`` needs the customer's address countries."""
    return any(getattr(leaf, "field", None) == "country" for leaf in conditions(segment))


def resolve(segment: Segment, now: datetime) -> Segment:
    """``segment`` with ``within``/``older_than`` turned into comparisons with a cut-off.

    The cut-off is ``now`` (in whole UTC seconds, as times are stored) minus the
    days: ``within(days=n)`` becomes ``>= cut-off``, ``older_than(days=n)``
    ``< cut-off``. A segment without relative conditions comes back as it is.
    """
    if isinstance(segment, Within | OlderThan):
        cutoff = stored_time(now) - timedelta(days=segment.days)
        return Compare(segment.field, ">=" if isinstance(segment, Within) else "<", cutoff)
    if isinstance(segment, Not):
        return Not(resolve(segment.inner, now))
    if isinstance(segment, And | Or):
        return type(segment)(resolve(segment.left, now), resolve(segment.right, now))
    return segment


def field_value(customer: Customer, field: str) -> Any:
    """The value of ``field`` that conditions compare (texts lower-cased)."""
    if field == "email_domain":
        email = customer.email.lower()
        return email[email.find("@") + 1 :]
    value = getattr(customer, field)
    return value.lower() if isinstance(value, str) else value


def matches(segment: Segment, customer: Customer, countries: Collection[str] = ()) -> bool:
    """Whether ``customer`` (with the countries of its addresses) is in a resolved segment."""
    if isinstance(segment, And):
        return matches(segment.left, customer, countries) and matches(
            segment.right, customer, countries
        )
    if isinstance(segment, Or):
        return matches(segment.left, customer, countries) or matches(
            segment.right, customer, countries
        )
    if isinstance(segment, Not):
        return not matches(segment.inner, customer, countries)
    if isinstance(segment, Flag):
        return bool(getattr(customer, segment.field))
    if isinstance(segment, Within | OlderThan):
        raise TypeError("resolve() the segment against a clock before evaluating it")
    if getattr(segment, "field", None) == "country":
        return _country(segment, countries)
    return _condition(segment, field_value(customer, segment.field))  # type: ignore[attr-defined]


def _condition(segment: Segment, value: Any) -> bool:
    if isinstance(segment, IsNull):
        return value is None
    if value is None:
        return False
    if isinstance(segment, Compare):
        return COMPARE[segment.op](value, segment.value)
    if isinstance(segment, Between):
        return bool(segment.low <= value <= segment.high)
    if isinstance(segment, In):
        return value in segment.values
    if isinstance(segment, Contains):
        return segment.text in value
    raise TypeError(f"not a condition: {segment!r}")


def _country(segment: Segment, countries: Collection[str]) -> bool:
    if isinstance(segment, IsNull):
        return not countries
    if isinstance(segment, Compare):
        found = segment.value in countries
        return not found if segment.op == "!=" else found
    if isinstance(segment, In):
        return any(code in countries for code in segment.values)
    raise TypeError(f"not a country condition: {segment!r}")
