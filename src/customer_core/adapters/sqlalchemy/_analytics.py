"""RFM in SQL: three ``NTILE(5)`` windows over the scored customers, set-based.

One statement each: :meth:`SQLAlchemyAnalytics.rfm_summary` labels the scores
with a ``CASE`` built from :data:`customer_core.rfm.LABEL_RULES` and counts them
with ``GROUP BY`` (one row per label reaches Python);
:meth:`SQLAlchemyAnalytics.rfm` streams the scores through a server-side cursor
(``yield_per``), so memory stays bounded at any number of customers. Window
functions: PostgreSQL, SQLite ≥ 3.25, MySQL 8, MariaDB ≥ 10.2.
"""

from __future__ import annotations

from collections.abc import Iterator

from customer_core._segment import Segment, matches, needs_countries
from customer_core.adapters.sqlalchemy._rows import customer_columns, customer_from
from customer_core.adapters.sqlalchemy._schema import CustomerTables
from customer_core.rfm import (
    LABEL_RULES,
    RfmInput,
    RfmScore,
    label_of,
    ordered_summary,
    score,
    summarize,
)
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Subquery,
    Table,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
)

__all__ = ["SQLAlchemyAnalytics", "scored_query", "segment_where", "summary_query"]

#: Rows the server-side cursor hands over at a time while ``rfm()`` is consumed.
STREAM_BATCH = 2000


def scored_query(customers: Table, *where: ColumnElement[bool], monetary: bool = True) -> Subquery:
    """``id, r, f`` (and ``m`` with ``monetary``) of every scored customer (among
    ``where``'s, when given).

    Scored: a delivered order and a last order date, as :func:`customer_core.rfm.is_scored`.
    The bucket count is SQL text, not a bound parameter: MySQL and MariaDB want a
    constant there. The summary leaves ``m`` out: the label does not read it, and each
    window is a sort of all the scored rows.
    """
    c = customers.c
    five: ColumnElement[int] = literal_column("5")
    columns = [
        c.id.label("id"),
        func.ntile(five).over(order_by=(c.last_order_at, c.id)).label("r"),
        func.ntile(five).over(order_by=(c.total_orders, c.id)).label("f"),
    ]
    if monetary:
        columns.append(func.ntile(five).over(order_by=(c.lifetime_value, c.id)).label("m"))
    return (
        select(*columns)
        .where(c.total_orders > 0, c.last_order_at.is_not(None), *where)
        .subquery("scored")
    )


def summary_query(scored: Subquery) -> Select[str, int]:
    """Label → count of ``scored``'s rows, labelled and grouped in the database."""
    label = case(
        *(
            (
                and_(
                    scored.c.r.between(rule.recency[0], rule.recency[1]),
                    scored.c.f.between(rule.frequency[0], rule.frequency[1]),
                ),
                literal(rule.label, String()),
            )
            for rule in LABEL_RULES
        )
    ).label("label")
    labelled = select(label).select_from(scored).subquery("labelled")
    return select(labelled.c.label, func.count().label("customers")).group_by(labelled.c.label)


def segment_where(segment: Segment, tables: CustomerTables) -> ColumnElement[bool] | None:
    """SEAM for the segments' SQL compiler: ``segment`` (resolved) as a WHERE clause on
    ``tables.customers``, or None where there is no compiler yet.

    Segments landed (value type, parser, in-memory meaning) before their SQL compiler
    did; until it does, a segment's RFM filters the scored customers in Python
    (:meth:`SQLAlchemyAnalytics._members`, the in-memory predicate, so the numbers are
    the same) and scores them with :func:`customer_core.rfm.score`. Once the compiler
    exists, return its clause here: the windows then run over the segment in SQL.
    """
    return None


class SQLAlchemyAnalytics:
    """An :class:`~customer_core.ports.Analytics` on the customers table, in the transaction's
    connection."""

    def __init__(self, connection: Connection, tables: CustomerTables) -> None:
        self._connection = connection
        self._tables = tables
        self._customers = tables.customers

    def rfm(self, segment: Segment | None = None) -> Iterator[RfmScore]:
        """Every scored customer's scores (among ``segment``'s), by id ascending, streamed."""
        where = self._where(segment)
        if segment is not None and where is None:
            return score(self._members(segment))
        return self._stream(where)

    def rfm_summary(self, segment: Segment | None = None) -> dict[str, int]:
        """Label → how many scored customers (of ``segment``) carry it, in one statement."""
        where = self._where(segment)
        if segment is not None and where is None:
            return summarize(score(self._members(segment)))
        scored = scored_query(self._customers, *_clauses(where), monetary=False)
        rows = self._connection.execute(summary_query(scored))
        return ordered_summary(dict(rows.all()))

    def _where(self, segment: Segment | None) -> ColumnElement[bool] | None:
        return None if segment is None else segment_where(segment, self._tables)

    def _stream(self, where: ColumnElement[bool] | None) -> Iterator[RfmScore]:
        scored = scored_query(self._customers, *_clauses(where))
        statement = (
            select(scored.c.id, scored.c.r, scored.c.f, scored.c.m)
            .order_by(scored.c.id)
            .execution_options(yield_per=STREAM_BATCH)
        )
        result = self._connection.execute(statement)
        try:
            for customer_id, r, f, m in result:
                yield RfmScore(customer_id, r, f, m, label_of(r, f))
        finally:
            result.close()

    def _members(self, segment: Segment) -> Iterator[RfmInput]:
        """The scored customers in ``segment``, filtered in Python (until :func:`segment_where`
        has a compiler): one streamed SELECT, and the address countries read first when the
        segment asks about them."""
        countries = self._countries() if needs_countries(segment) else {}
        c = self._customers.c
        statement = (
            select(*customer_columns(self._customers))
            .where(c.total_orders > 0, c.last_order_at.is_not(None))
            .execution_options(yield_per=STREAM_BATCH)
        )
        result = self._connection.execute(statement)
        try:
            for row in result:
                customer = customer_from(row)
                if customer.last_order_at is not None and matches(
                    segment, customer, countries.get(customer.id, ())
                ):
                    yield RfmInput(
                        customer.id,
                        customer.last_order_at,
                        customer.total_orders,
                        customer.lifetime_value,
                    )
        finally:
            result.close()

    def _countries(self) -> dict[int, set[str]]:
        addresses = self._tables.addresses.c
        found: dict[int, set[str]] = {}
        rows = self._connection.execute(select(addresses.customer_id, addresses.country))
        for customer_id, country in rows:
            found.setdefault(customer_id, set()).add(country)
        return found


def _clauses(where: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [] if where is None else [where]
