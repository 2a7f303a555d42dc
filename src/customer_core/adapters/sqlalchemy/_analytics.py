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
from typing import Any

from customer_core._segment import Segment
from customer_core.adapters.sqlalchemy._schema import CustomerTables
from customer_core.adapters.sqlalchemy._segment_sql import segment_condition
from customer_core.rfm import (
    LABEL_RULES,
    RfmScore,
    label_of,
    ordered_summary,
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

__all__ = ["SQLAlchemyAnalytics", "scored_query", "summary_query"]

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


def summary_query(scored: Subquery) -> Select[Any]:
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


class SQLAlchemyAnalytics:
    """An :class:`~customer_core.ports.Analytics` on the customers table, in the transaction's
    connection."""

    def __init__(self, connection: Connection, tables: CustomerTables) -> None:
        self._connection = connection
        self._tables = tables
        self._customers = tables.customers

    def rfm(self, segment: Segment | None = None) -> Iterator[RfmScore]:
        """Every scored customer's scores (among ``segment``'s), by id ascending, streamed."""
        return self._stream(self._where(segment))

    def rfm_summary(self, segment: Segment | None = None) -> dict[str, int]:
        """Label → how many scored customers (of ``segment``) carry it, in one statement."""
        scored = scored_query(self._customers, *self._where(segment), monetary=False)
        rows = self._connection.execute(summary_query(scored))
        return ordered_summary({str(label): int(count) for label, count in rows})

    def _where(self, segment: Segment | None) -> list[ColumnElement[bool]]:
        """The segment's condition (S's compiler): the windows then run over its members."""
        if segment is None:
            return []
        dialect = self._connection.dialect
        return [segment_condition(dialect, self._customers, self._tables.addresses, segment)]

    def _stream(self, where: list[ColumnElement[bool]]) -> Iterator[RfmScore]:
        scored = scored_query(self._customers, *where)
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
