"""A resolved segment as one SQL condition over the customers table.

:func:`segment_condition` is the whole public surface of this module: search,
count, stream (and the RFM and privacy queries) put its result in their
``WHERE``. It matches the in-memory oracle (:mod:`customer_core._segment._evaluate`)
row for row because every condition compiles to an expression that is never
NULL, so SQL's three-valued ``NOT`` and ``AND``/``OR`` behave as Python's:

==============================  ==================================================
segment                         SQL
==============================  ==================================================
``id/total_orders/lifetime_value <op> v``   ``col <op> :v`` (NOT NULL columns)
``last_order_at <op> t``        ``col IS NOT NULL AND col <op> :t``
``f.between(a, b)``             ``[col IS NOT NULL AND] col BETWEEN :a AND :b``
``f.in_(vs)``                   ``[col IS NOT NULL AND] col IN (:v1, …)``
``f.is_null()``                 ``col IS NULL``
``name/email == s``             ``lower(col) LIKE :s ESCAPE '\\'`` (``s`` escaped)
``name/email.contains(s)``      ``lower(col) LIKE :'%s%' ESCAPE '\\'`` (search's rule)
``email_domain …``              the same on ``substr(email, instr(email, '@') + 1)``
``country == c`` / ``in_``      ``EXISTS (SELECT … FROM addresses WHERE customer_id = id
                                AND country = :c)``
``country != c``                ``NOT EXISTS (…)``;  ``country.is_null()``: no address
``is_blocked`` / ``is_repeat``  ``is_blocked = true`` / ``total_orders > 1``
``&  |  ~``                     ``AND  OR  NOT``
==============================  ==================================================

``lower`` is the dialect's Python-equal folding (:func:`.folded`: ``cc_lower``
on SQLite, ``lower(…) COLLATE utf8mb4_bin`` on MySQL/MariaDB). No value reaches
the SQL text: each is a bound parameter, texts as escaped LIKE patterns.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from customer_core._segment import (
    FIELDS,
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
    refuse,
)
from customer_core.adapters.sqlalchemy._dialects import (
    LIKE_ESCAPE,
    _sqlite_matches_text,
    escape_like,
    folded,
)
from sqlalchemy import (
    NUMERIC,
    ColumnElement,
    FromClause,
    Table,
    and_,
    bindparam,
    cast,
    exists,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

__all__ = ["segment_condition"]

#: SQLite's ``NUMERIC`` affinity, the lifetime value column's.
_SQLITE_NUMERIC: TypeEngine[Any] = NUMERIC()
_TEXT_FIELDS = frozenset({"name", "email", "email_domain"})
_NULLABLE = frozenset({"last_order_at", "created_at"})


def segment_condition(
    dialect: Dialect, customers: FromClause, addresses: Table, segment: Segment
) -> ColumnElement[bool]:
    """``segment`` (resolved: no ``within``/``older_than`` left) as a condition on ``customers``.

    ``dialect`` picks the case folding; ``customers`` is the customers table (or
    an alias of it with the same columns); ``addresses`` is the addresses table,
    correlated to ``customers.c.id`` for ``country``. The result is never NULL
    for any row, so it may be negated or combined freely. Values are bound
    parameters; texts go in as escaped LIKE patterns.
    """
    return _Compiler(dialect, customers, addresses).compile(segment)


class _Compiler:
    def __init__(self, dialect: Dialect, customers: FromClause, addresses: Table) -> None:
        self.dialect = dialect
        self.c = customers.c
        self.addresses = addresses

    def compile(self, segment: Segment) -> ColumnElement[bool]:
        if isinstance(segment, And):
            return and_(self.compile(segment.left), self.compile(segment.right))
        if isinstance(segment, Or):
            return or_(self.compile(segment.left), self.compile(segment.right))
        if isinstance(segment, Not):
            return not_(self.compile(segment.inner))
        if isinstance(segment, Flag):
            if segment.field == "is_repeat":
                return self.c.total_orders > 1
            return self.c.is_blocked == true()
        if isinstance(segment, Within | OlderThan):
            raise TypeError("resolve() the segment against a clock before compiling it")
        field: str = getattr(segment, "field")  # noqa: B009 - every condition has one
        if field not in FIELDS:
            # A forged node (as_segment refuses it before): never another column's name.
            raise refuse("a condition on an unknown field")
        if field == "country":
            return self._country(segment)
        if field in _TEXT_FIELDS:
            return self._text(field, segment)
        return self._value(field, segment)

    def _value(self, field: str, segment: Segment) -> ColumnElement[bool]:
        column = self.c[field]
        if isinstance(segment, IsNull):
            return column.is_(None)
        condition: ColumnElement[bool]
        bound = self._bound(column)
        if isinstance(segment, Compare):
            condition = _OPERATORS[segment.op](column, bound(segment.value))
        elif isinstance(segment, Between):
            condition = column.between(bound(segment.low), bound(segment.high))
        elif isinstance(segment, In):
            condition = column.in_([bound(value) for value in segment.values])
        else:
            raise TypeError(f"not a condition: {segment!r}")
        # A comparison with NULL is unknown in SQL, false in the oracle: say false.
        return and_(column.is_not(None), condition) if field in _NULLABLE else condition

    def _bound(self, column: ColumnElement[Any]) -> Callable[[Any], ColumnElement[Any]]:
        """How a value is bound for ``column``: with the column's type, so it is stored alike.

        SQLite: an amount is bound as text (as :class:`.Money` writes it) inside
        ``CAST(… AS NUMERIC)``, the column's own affinity, so the conversion is the
        one the stored values went through, made once per statement instead of once
        per row (measured: the plain text parameter costs about 10 % of a scan).
        """
        if self.dialect.name == "sqlite" and column.name == "lifetime_value":
            return lambda value: cast(bindparam(None, value, type_=column.type), _SQLITE_NUMERIC)
        return lambda value: bindparam(None, value, type_=column.type)

    def _text(self, field: str, segment: Segment) -> ColumnElement[bool]:
        if field == "email_domain":
            email = self.c.email
            at = (
                func.strpos(email, "@")
                if self.dialect.name == "postgresql"
                else func.instr(email, "@")
            )
            column: ColumnElement[Any] = func.substr(email, at + 1)
        else:
            column = self.c[field]
        if isinstance(segment, Contains):
            return self._like(column, escape_like(segment.text), segment.text)
        if isinstance(segment, In):
            return or_(*(self._like(column, _exact(v), v) for v in _texts(segment.values)))
        if isinstance(segment, Compare):
            assert isinstance(segment.value, str)
            equal = self._like(column, _exact(segment.value), segment.value)
            return not_(equal) if segment.op == "!=" else equal
        raise TypeError(f"not a text condition: {segment!r}")

    def _like(self, column: ColumnElement[Any], pattern: str, text: str) -> ColumnElement[bool]:
        """``column``, folded, LIKE ``pattern`` (from the lower-cased ``text``), as search does."""
        if self.dialect.name == "sqlite" and all(char.lower() == char for char in text):
            return _sqlite_matches_text(column, pattern)
        return folded(self.dialect, column).like(pattern, escape=LIKE_ESCAPE)

    def _country(self, segment: Segment) -> ColumnElement[bool]:
        a = self.addresses.c
        owned = a.customer_id == self.c.id
        if isinstance(segment, IsNull):
            return not_(exists(select(a.id).where(owned)))
        if isinstance(segment, In):
            return exists(select(a.id).where(owned, a.country.in_(segment.values)))
        if isinstance(segment, Compare):
            found = exists(select(a.id).where(owned, a.country == segment.value))
            return not_(found) if segment.op == "!=" else found
        raise TypeError(f"not a country condition: {segment!r}")


_OPERATORS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _exact(text: str) -> str:
    """A LIKE pattern matching exactly ``text`` (``%``, ``_`` and ``\\`` escaped)."""
    return escape_like(text)[1:-1]


def _texts(values: tuple[Any, ...]) -> list[str]:
    return [str(value) for value in values]
