"""Segments: named sets of customers, written once and run the same on every storage.

::

    from customer_core.segments import C, parse

    vip = (C.lifetime_value >= 500) & C.last_order_at.within(days=90) & ~C.is_blocked
    assert parse("lifetime_value >= 500 and last_order_at within 90d and not is_blocked") == vip

A :class:`Segment` is an immutable value; ``str(segment)`` is its text form and
``parse(str(segment)) == segment``. ``core.customers.search(segment=…)``,
``count(segment)`` and ``stream(segment)`` run it: as one SQL query on a SQL
storage, as a Python predicate in memory, with the same result (the rules:
docs/reference/segments.md).
"""

from __future__ import annotations

from customer_core._segment import C, Field, Fields, Segment, parse

__all__ = ["C", "Field", "Fields", "Segment", "parse"]
