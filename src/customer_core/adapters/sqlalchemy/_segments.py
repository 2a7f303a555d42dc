"""Segments in SQL: count and keyset batches, each one statement (:func:`.segment_condition`)."""

from __future__ import annotations

from customer_core._segment import Segment
from customer_core.adapters.sqlalchemy._rows import customer_columns, customer_from
from customer_core.adapters.sqlalchemy._schema import CustomerTables
from customer_core.adapters.sqlalchemy._segment_sql import segment_condition
from customer_core.model import Customer, ListedCustomer
from customer_core.ports import CustomerQuery, CustomerRepository
from sqlalchemy import ColumnElement, Connection, func, select

__all__ = ["SQLAlchemySegments"]


class SQLAlchemySegments:
    """The :class:`~customer_core.ports.CustomerSegments` port on one connection."""

    def __init__(
        self, connection: Connection, tables: CustomerTables, customers: CustomerRepository
    ) -> None:
        self._conn = connection
        self._t = tables
        self._customers = customers

    def search(self, query: CustomerQuery) -> tuple[list[ListedCustomer], int | None]:
        """The repository's search, which puts ``query.segment`` in its ``WHERE``."""
        return self._customers.search(query)

    def count(self, segment: Segment) -> int:
        """``SELECT count(*) FROM customers WHERE <segment>``."""
        query = select(func.count()).select_from(self._t.customers).where(self._where(segment))
        return int(self._conn.execute(query).scalar_one())

    def after(self, segment: Segment, after_id: int, limit: int) -> list[Customer]:
        """``… WHERE id > :after AND <segment> ORDER BY id LIMIT :limit``: a keyset batch."""
        c = self._t.customers.c
        query = (
            select(*customer_columns(self._t.customers))
            .where(c.id > after_id, self._where(segment))
            .order_by(c.id)
            .limit(limit)
        )
        return [customer_from(row) for row in self._conn.execute(query)]

    def _where(self, segment: Segment) -> ColumnElement[bool]:
        return segment_condition(self._conn.dialect, self._t.customers, self._t.addresses, segment)
