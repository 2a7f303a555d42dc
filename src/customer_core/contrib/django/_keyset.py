"""Keyset paging and the capped estimate on the Django ORM (the SQL adapter's rules)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.fields import CharField

from customer_core.ports import CustomerQuery, Keyset

__all__ = ["ESTIMATE_CAP", "after_keyset", "capped_count"]

#: Where ``search(total="estimate")`` stops counting (as the SQL adapter on SQLite/MariaDB).
ESTIMATE_CAP = 10_000
NULLABLE_SORTS = frozenset({"created_at", "last_order_at"})


def after_keyset(query: CustomerQuery, position: Keyset) -> Q:
    """The rows after ``position`` in ``query``'s order: later sort values, ties by id
    ascending, empty values last (the ``>=``-then-tiebreak form an index can seek on)."""
    if query.sort == "id":
        return Q(id__lt=position.id) if query.descending else Q(id__gt=position.id)
    if position.value is None:
        return Q(**{f"{query.sort}__isnull": True, "id__gt": position.id})
    key, value = _key(query.sort), _value(query.sort, position.value)
    if query.descending:
        valued = Q(_lookup("lte", key, value)) & (
            Q(_lookup("lt", key, value)) | Q(id__gt=position.id)
        )
    else:
        valued = Q(_lookup("gte", key, value)) & (
            Q(_lookup("gt", key, value)) | Q(id__gt=position.id)
        )
    if query.sort in NULLABLE_SORTS:
        return valued | Q(**{f"{query.sort}__isnull": True})
    return valued


def capped_count(matches: QuerySet[Any]) -> int:
    """How many rows ``matches`` has, counting no further than :data:`ESTIMATE_CAP`."""
    return matches.order_by().values("id")[:ESTIMATE_CAP].count()


def _key(sort: str) -> Any:
    from customer_core.contrib.django._repositories import Folded, _field

    if sort == "name":
        return Folded("name", output_field=_field("name"))
    return F(sort)


def _value(sort: str, value: object) -> Any:
    from customer_core.contrib.django._repositories import Folded
    from customer_core.contrib.django._values import db_time

    if sort == "name":
        # Folded by the same SQL as the column, so both sides agree on every database.
        return Folded(Value(value, output_field=CharField()), output_field=CharField())
    if sort in NULLABLE_SORTS:
        return db_time(value)  # type: ignore[arg-type]
    return value


def _lookup(name: str, key: Any, value: Any) -> Any:
    from django.db.models import lookups

    classes = {
        "gt": lookups.GreaterThan,
        "gte": lookups.GreaterThanOrEqual,
        "lt": lookups.LessThan,
        "lte": lookups.LessThanOrEqual,
    }
    return classes[name](key, value)
