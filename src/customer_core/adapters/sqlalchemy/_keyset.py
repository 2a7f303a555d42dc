"""Keyset paging in SQL: the condition that keeps the rows after a scroll's position."""

from __future__ import annotations

from typing import Any

from customer_core.adapters.sqlalchemy._dialects import folded
from customer_core.ports import CustomerQuery, Keyset
from sqlalchemy import ColumnElement, Dialect, String, Table, and_, literal, or_

__all__ = ["after_keyset", "keyset_branches"]

#: Columns that may be NULL: their empty values sort last whatever the direction.
NULLABLE_SORTS = frozenset({"created_at", "last_order_at"})


def after_keyset(
    dialect: Dialect, customers: Table, query: CustomerQuery, position: Keyset
) -> ColumnElement[bool]:
    """The rows after ``position`` in ``query``'s order (the order ``search`` sorts by).

    Written ``key >= v AND (key > v OR id > :id)`` (``<=``/``<`` descending) rather
    than as a plain OR, so that the first term is a range an index on the sort key
    (``id`` for the id tiebreak) can seek to; a row-value comparison
    ``(key, id) > (v, :id)`` would not do for a descending sort, whose ties still
    run by ascending id. Empty values come last: the NULL rows follow every valued
    one, and among themselves run by id.
    """
    c = customers.c
    if query.sort == "id":
        return c.id < position.id if query.descending else c.id > position.id
    column: ColumnElement[Any] = c[query.sort]
    if position.value is None:
        return and_(column.is_(None), c.id > position.id)
    if query.sort == "name":
        # Folded by the same SQL as the column, so both sides agree on every database.
        key = folded(dialect, column)
        value: Any = folded(dialect, literal(position.value, String()))
    else:
        key, value = column, position.value
    if query.descending:
        valued = and_(key <= value, or_(key < value, c.id > position.id))
    else:
        valued = and_(key >= value, or_(key > value, c.id > position.id))
    if query.sort in NULLABLE_SORTS:
        return or_(valued, column.is_(None))
    return valued


def keyset_branches(
    dialect: Dialect, customers: Table, query: CustomerQuery, position: Keyset
) -> list[list[ColumnElement[bool]]]:
    """The rows after ``position`` as disjoint parts, each a range one index seeks exactly.

    :func:`after_keyset`'s ``key >= v`` seeks to the first row *equal* to the
    cursor's value and then filters out, one by one, the ties before the cursor: a
    deep page inside a large group of equal values (every customer without an
    order has a lifetime value of 0) reads the whole group before it. Split, each
    part is a range of an index on ``(key, id)`` (or ``(key DESC, id)``):

    1. the ties after the cursor: ``key = v AND id > :id``;
    2. the later values: ``key > v`` (``key < v`` descending);
    3. the empty values, for a nullable key: ``key IS NULL``.

    The caller takes the first rows of each part, in the search's order, and the
    first rows of their union. One part when a single range already is exact (the
    id sort, or a cursor among the empty values).
    """
    c = customers.c
    if query.sort == "id" or position.value is None:
        return [[after_keyset(dialect, customers, query, position)]]
    column: ColumnElement[Any] = c[query.sort]
    if query.sort == "name":
        key = folded(dialect, column)
        value: Any = folded(dialect, literal(position.value, String()))
    else:
        key, value = column, position.value
    branches: list[list[ColumnElement[bool]]] = [
        [key == value, c.id > position.id],
        [key < value if query.descending else key > value],
    ]
    if query.sort in NULLABLE_SORTS:
        branches.append([column.is_(None)])
    return branches
