"""The host's orders table, read as the library's order ledger (never written, never created).

Lifetime-value semantics (same as :class:`customer_core.ports.OrderLedger`):
``lifetime_value`` sums ``total_amount`` of *delivered* orders, ``total_orders``
counts them, ``last_order_at`` is the latest ``placed_at`` of orders that are
not *cancelled*, and ``count`` is every order whatever its status.
"""

from __future__ import annotations

from typing import Any

import attrs

from customer_core.adapters.sqlalchemy._errors import translating
from customer_core.adapters.sqlalchemy._types import read_money, read_time
from customer_core.model import OrderTotals
from sqlalchemy import ColumnElement, Connection, TableClause, case, column, func, select, table
from sqlalchemy.sql.elements import ColumnClause

__all__ = ["NoOrderLedger", "OrdersTable", "SQLAlchemyOrderLedger"]


@attrs.frozen
class OrdersTable:
    """Where the host keeps its orders: the table's and columns' names, and the status values.

    Only names are held; nothing is reflected, so the table may be any shape
    with these columns. ``placed_at`` is the order's time (Laravel: ``created_at``).
    Every query filters on ``customer_id``: the host's table wants an index on it
    (MySQL's foreign key makes one; PostgreSQL and SQLite need it declared).
    """

    name: str = "orders"
    customer_id: str = attrs.field(default="customer_id", kw_only=True)
    status: str = attrs.field(default="status", kw_only=True)
    total_amount: str = attrs.field(default="total_amount", kw_only=True)
    placed_at: str = attrs.field(default="created_at", kw_only=True)
    delivered: str = attrs.field(default="delivered", kw_only=True)
    cancelled: str = attrs.field(default="cancelled", kw_only=True)
    schema: str | None = attrs.field(default=None, kw_only=True)

    def clause(self) -> TableClause:
        """A lightweight SQL table with the mapped columns (no MetaData, no reflection)."""
        return table(
            self.name,
            column(self.customer_id),
            column(self.status),
            column(self.total_amount),
            column(self.placed_at),
            schema=self.schema,
        )


@attrs.frozen
class OrderColumns:
    """The mapped columns of one ``OrdersTable``, and the aggregates the library needs."""

    spec: OrdersTable
    table: TableClause

    @classmethod
    def of(cls, spec: OrdersTable) -> OrderColumns:
        """The columns of ``spec``'s table."""
        return cls(spec=spec, table=spec.clause())

    def col(self, name: str) -> ColumnClause[Any]:
        """The column the spec maps to ``name`` (``"status"``, ``"placed_at"``, ...)."""
        found: ColumnClause[Any] = self.table.c[getattr(self.spec, name)]
        return found

    def delivered(self) -> ColumnElement[bool]:
        """Orders that count for the lifetime value."""
        return self.col("status") == self.spec.delivered

    def not_cancelled(self) -> ColumnElement[bool]:
        """Orders that count for ``last_order_at``."""
        return self.col("status") != self.spec.cancelled

    def aggregates(self) -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
        """Lifetime value, delivered count, last order time, over the selected orders.

        ``CASE`` inside the aggregate rather than ``FILTER (WHERE ...)``, which MySQL lacks.
        """
        amount = self.col("total_amount")
        return (
            func.sum(case((self.delivered(), amount))),
            func.count(case((self.delivered(), 1))),
            func.max(case((self.not_cancelled(), self.col("placed_at")))),
        )

    def of_customer(self, customer_id: Any) -> ColumnElement[bool]:
        """Orders of one customer (an id, or a correlated column)."""
        condition: ColumnElement[bool] = self.col("customer_id") == customer_id
        return condition


class SQLAlchemyOrderLedger:
    """An :class:`~customer_core.ports.OrderLedger` over the host's orders table, on one connection.

    Read inside a transaction that has locked the customer first, in READ
    COMMITTED, these totals are taken when the statement starts, i.e. after
    the lock was granted: see :meth:`SQLAlchemyCustomerRepository.lock`.
    """

    def __init__(self, connection: Connection, orders: OrdersTable) -> None:
        self._connection = connection
        self._orders = OrderColumns.of(orders)

    def totals(self, customer_id: int) -> OrderTotals:
        """Sum and count of delivered orders, latest not-cancelled order time."""
        o = self._orders
        query = select(*o.aggregates()).where(o.of_customer(customer_id))
        with translating():
            total, count, last = self._connection.execute(query).one()
        return OrderTotals(read_money(total or 0) or 0, int(count or 0), read_time(last))

    def count(self, customer_id: int) -> int:
        """Every order of the customer, whatever its status."""
        o = self._orders
        query = select(func.count()).select_from(o.table).where(o.of_customer(customer_id))
        with translating():
            return int(self._connection.execute(query).scalar_one())


class NoOrderLedger:
    """The ledger of a storage configured without an orders table: nobody has ordered anything."""

    def totals(self, customer_id: int) -> OrderTotals:
        """Always the empty totals."""
        return OrderTotals.empty()

    def count(self, customer_id: int) -> int:
        """Always zero."""
        return 0
