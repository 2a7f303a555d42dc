"""The host's orders, read as the library's order ledger (never written, never created).

The model's (or table's) columns are read with one aggregate statement per
customer, in the storage's transaction, on the storage's database.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connections

from customer_core.contrib.django._orders_spec import DjangoOrders
from customer_core.contrib.django._values import read_time
from customer_core.model import OrderTotals, money

__all__ = ["DjangoOrderLedger", "NoOrderLedger", "OrderSQL"]


class OrderSQL:
    """The quoted table and columns of a :class:`DjangoOrders` on one database."""

    def __init__(self, spec: DjangoOrders, alias: str) -> None:
        quote = connections[alias].ops.quote_name
        table, columns = spec.table()
        self.spec = spec
        self.table = quote(table)
        self.customer_id = quote(columns["customer_id"])
        self.status = quote(columns["status"])
        self.total_amount = quote(columns["total_amount"])
        self.placed_at = quote(columns["placed_at"])

    def count_of(self, customer_column: str) -> str:
        """A correlated ``count(*)`` of the orders of ``customer_column``'s customer."""
        return f"(select count(*) from {self.table} where {self.customer_id} = {customer_column})"


class DjangoOrderLedger:
    """An :class:`~customer_core.ports.OrderLedger` over the host's orders on one database."""

    def __init__(self, alias: str, orders: OrderSQL) -> None:
        self._alias = alias
        o = orders
        self._totals = (
            f"select sum(case when {o.status} = %s then {o.total_amount} end),"
            f" count(case when {o.status} = %s then 1 end),"
            f" max(case when {o.status} <> %s then {o.placed_at} end)"
            f" from {o.table} where {o.customer_id} = %s"
        )
        self._count = f"select count(*) from {o.table} where {o.customer_id} = %s"
        self._statuses = (o.spec.delivered, o.spec.delivered, o.spec.cancelled)

    def totals(self, customer_id: int) -> OrderTotals:
        """Sum and count of delivered orders, latest not-cancelled order time."""
        with connections[self._alias].cursor() as cursor:
            cursor.execute(self._totals, [*self._statuses, customer_id])
            total, count, last = cursor.fetchone()
        amount = money(total) if total is not None else Decimal(0)
        return OrderTotals(amount, int(count or 0), read_time(last))

    def count(self, customer_id: int) -> int:
        """Every order of the customer, whatever its status."""
        with connections[self._alias].cursor() as cursor:
            cursor.execute(self._count, [customer_id])
            return int(cursor.fetchone()[0])


class NoOrderLedger:
    """No orders table: nobody has ordered anything."""

    def totals(self, customer_id: int) -> OrderTotals:
        """Always the empty totals."""
        return OrderTotals.empty()

    def count(self, customer_id: int) -> int:
        """Always zero."""
        return 0
