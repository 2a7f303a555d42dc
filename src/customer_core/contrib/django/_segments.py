"""Segments on the Django ORM: a resolved segment as one ``Q``, run as one query.

The same rules as the SQL adapter's compiler (:mod:`customer_core.adapters.sqlalchemy._segment_sql`)
and the in-memory oracle: every condition is true or false, never NULL (a
comparison on an empty time carries its own ``IS NOT NULL``), so ``~`` is exact;
texts are compared folded (:class:`.Folded`) with escaped ``LIKE`` patterns;
``country`` is an ``EXISTS`` over the addresses. Values are bound parameters.
"""

from __future__ import annotations

import builtins
from typing import Any

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Substr
from django.db.models.lookups import Contains

from customer_core._segment import (
    FIELDS,
    And,
    Between,
    Compare,
    Flag,
    In,
    IsNull,
    Not,
    OlderThan,
    Or,
    Segment,
    Within,
    refuse,
)
from customer_core._segment import (
    Contains as SegmentContains,
)
from customer_core.contrib.django._repositories import Folded
from customer_core.contrib.django._values import CUSTOMER_FIELDS, customer_from, db_time
from customer_core.contrib.django.models import Address as AddressRow
from customer_core.contrib.django.models import Customer as CustomerRow
from customer_core.model import Customer, ListedCustomer
from customer_core.ports import CustomerQuery, CustomerRepository

__all__ = ["DjangoSegments", "segment_q"]

_LOOKUPS = {"==": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_NULLABLE = frozenset({"last_order_at", "created_at"})
_TIMES = _NULLABLE


class _LikeExactly(Contains):
    """``contains`` without the ``%`` around: the escaped value, matched whole with LIKE."""

    param_pattern = "%s"


def segment_q(segment: Segment) -> Q:
    """``segment`` (resolved: no ``within``/``older_than`` left) as a ``Q`` on customers."""
    if isinstance(segment, And):
        return segment_q(segment.left) & segment_q(segment.right)
    if isinstance(segment, Or):
        return segment_q(segment.left) | segment_q(segment.right)
    if isinstance(segment, Not):
        return ~segment_q(segment.inner)
    if isinstance(segment, Flag):
        return Q(total_orders__gt=1) if segment.field == "is_repeat" else Q(is_blocked=True)
    if isinstance(segment, Within | OlderThan):
        raise TypeError("resolve() the segment against a clock before compiling it")
    field: str = getattr(segment, "field")  # noqa: B009 - every condition has one
    if field not in FIELDS:
        # A forged node (as_segment refuses it before): never another column's name.
        raise refuse("a condition on an unknown field")
    if field == "country":
        return _country(segment)
    if field in ("name", "email", "email_domain"):
        return _text(field, segment)
    return _value(field, segment)


def _value(field: str, segment: Segment) -> Q:
    if isinstance(segment, IsNull):
        return Q(**{f"{field}__isnull": True})

    def bound(value: Any) -> Any:
        return db_time(value) if field in _TIMES else value

    if isinstance(segment, Compare):
        if segment.op == "!=":
            condition = ~Q(**{field: bound(segment.value)})
        else:
            condition = Q(**{f"{field}__{_LOOKUPS[segment.op]}": bound(segment.value)})
    elif isinstance(segment, Between):
        condition = Q(**{f"{field}__range": (bound(segment.low), bound(segment.high))})
    elif isinstance(segment, In):
        condition = Q(**{f"{field}__in": [bound(value) for value in segment.values]})
    else:
        raise TypeError(f"not a condition: {segment!r}")
    # A comparison with NULL is unknown in SQL, false in the oracle: say false.
    return Q(**{f"{field}__isnull": False}) & condition if field in _NULLABLE else condition


def _text(field: str, segment: Segment) -> Q:
    column: Any = F(field)
    if field == "email_domain":
        column = Substr("email", StrIndex("email", Value("@")) + 1)
    folded = Folded(column, output_field=CharField())
    if isinstance(segment, SegmentContains):
        return Q(Contains(folded, segment.text))
    if isinstance(segment, In):
        found = Q()
        for value in segment.values:
            found |= Q(_LikeExactly(folded, value))
        return found
    if isinstance(segment, Compare):
        equal = Q(_LikeExactly(folded, segment.value))
        return ~equal if segment.op == "!=" else equal
    raise TypeError(f"not a text condition: {segment!r}")


def _country(segment: Segment) -> Q:
    owned = AddressRow.objects.filter(customer_id=OuterRef("pk"))
    if isinstance(segment, IsNull):
        return ~Q(Exists(owned))
    if isinstance(segment, In):
        return Q(Exists(owned.filter(country__in=list(segment.values))))
    if isinstance(segment, Compare):
        found = Q(Exists(owned.filter(country=segment.value)))
        return ~found if segment.op == "!=" else found
    raise TypeError(f"not a country condition: {segment!r}")


class DjangoSegments:
    """The :class:`~customer_core.ports.CustomerSegments` port on one Django database."""

    def __init__(self, alias: str, customers: CustomerRepository) -> None:
        self._rows: QuerySet[CustomerRow] = CustomerRow.objects.using(alias)
        self._customers = customers

    def search(self, query: CustomerQuery) -> tuple[builtins.list[ListedCustomer], int | None]:
        """The repository's search, which puts ``query.segment`` in its filter."""
        return self._customers.search(query)

    def count(self, segment: Segment) -> int:
        """``SELECT COUNT(*) … WHERE <segment>``."""
        return int(self._rows.filter(segment_q(segment)).count())

    def after(self, segment: Segment, after_id: int, limit: int) -> builtins.list[Customer]:
        """A keyset batch: ids above ``after_id`` in the segment, ascending."""
        rows = (
            self._rows.filter(segment_q(segment), id__gt=after_id)
            .order_by("id")
            .values(*CUSTOMER_FIELDS)[:limit]
        )
        return [customer_from(row) for row in rows]
