"""Set-based lifetime-value recalculation: a batch of customers in one UPDATE.

Each batch first locks its customers' rows (``SELECT ... FOR UPDATE`` in id
order) and then runs a single ``UPDATE`` whose correlated subqueries aggregate
the host's orders. In READ COMMITTED the UPDATE's snapshot is taken after the
locks were granted, so a batch that waited for a racing per-customer
recalculation reads orders at least as new as that one did and never writes
older totals over newer ones. Without the explicit lock, PostgreSQL would
re-check a row changed meanwhile but keep its statement-start snapshot of the
orders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from customer_core.adapters.sqlalchemy.orders import OrderColumns
from customer_core.model import OrderTotals
from sqlalchemy import ColumnElement, Connection, Table, and_, func, literal, select, update

__all__ = ["recalculate_batch"]


def recalculate_batch(
    connection: Connection,
    customers: Table,
    orders: OrderColumns | None,
    after_id: int,
    limit: int,
    updated_at: datetime,
) -> tuple[int, int] | None:
    """Recompute customers with ids in ``(after_id, ...]``, at most ``limit`` of them.

    Returns ``(highest id handled, how many)``, or None when none is left.
    Two statements per batch whatever its size: the locking SELECT and the UPDATE.
    """
    c = customers.c
    batch = select(c.id).where(c.id > after_id).order_by(c.id).limit(limit).with_for_update()
    ids = connection.execute(batch).scalars().all()
    if not ids:
        return None
    last = int(ids[-1])
    in_batch = and_(c.id > after_id, c.id <= last)
    values = _totals(customers, orders, connection.dialect.name)
    values["updated_at"] = updated_at
    connection.execute(update(customers).where(in_batch).values(values))
    return last, len(ids)


def _totals(customers: Table, orders: OrderColumns | None, dialect: str) -> dict[str, Any]:
    """The new column values: correlated aggregates over the row's orders."""
    if orders is None:
        empty = OrderTotals.empty()
        return {"lifetime_value": empty.lifetime_value, "total_orders": 0, "last_order_at": None}
    amount, delivered, last = orders.aggregates()
    mine = orders.of_customer(customers.c.id)

    def scalar(aggregate: ColumnElement[Any]) -> ColumnElement[Any]:
        return select(aggregate).select_from(orders.table).where(mine).scalar_subquery()

    if dialect == "postgresql":
        # A host's timestamp(6) would be *rounded* into timestamp(0); every other path
        # truncates to whole seconds (clock.stored_time), so truncate here too.
        last = func.date_trunc("second", last)
    return {
        "lifetime_value": func.coalesce(scalar(amount), literal(0)),
        "total_orders": scalar(delivered),
        "last_order_at": scalar(last),
    }
