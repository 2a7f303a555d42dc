"""Set-based lifetime-value recalculation: a group of customers in one UPDATE.

Two ways to pick the group share one implementation: :func:`recalculate_batch`
takes the next ``limit`` customers above an id (``recalculate_all``), and
:func:`recalculate_ids` takes a list of ids (``handle_many``). Either way it is
two statements:

1. ``SELECT id ... FOR UPDATE`` of the group, in id order, which locks the rows
   (``FOR NO KEY UPDATE`` on PostgreSQL, see below);
2. one ``UPDATE`` that writes every locked customer's totals.

On PostgreSQL the lock is ``FOR NO KEY UPDATE`` (``with_for_update(key_share=True)``;
MySQL/MariaDB render it ``FOR UPDATE``): the lock an UPDATE of non-key columns
takes anyway, and one that does not conflict with the ``FOR KEY SHARE`` lock a
host's order insert takes on its customer through the ``orders.customer_id``
foreign key. With ``FOR UPDATE``, a host transaction inserting orders for
customers 2 then 1 deadlocked with a group locking 1 then 2. InnoDB's shared
lock for the foreign key conflicts with any exclusive lock, so there the
deadlock remains possible: it surfaces as ``StorageConflict`` and
``recalculate_many`` retries the chunk.

On PostgreSQL and SQLite ≥ 3.33 the UPDATE is an ``UPDATE ... FROM``: the
group's orders aggregated by one ``GROUP BY customer_id`` (an index range scan),
merged with the group's customers so that a customer without orders gets 0, 0
and NULL (:func:`_joined_totals`). Elsewhere each column is a correlated scalar subquery: the same
values, with three index look-ups per customer. That includes MySQL/MariaDB
on purpose: InnoDB reads the other tables of a multi-table UPDATE with shared
row locks even in READ COMMITTED, so ``UPDATE customers JOIN (... orders ...)``
would lock the host's order rows, wait behind every open order transaction and
block the host's order writes until the batch commits (measured on MariaDB
10.11: a host's uncommitted order write held ``recalculate_all`` until the lock
wait timeout), while a single-table UPDATE reads the orders from a snapshot
without locking them.

On MySQL/MariaDB the correlated subqueries name the orders' ``customer_id`` index
(``FORCE INDEX``; the storage looks it up in the table's definition once, see
:func:`customer_index_hint`, and hands it to each transaction's connection as the
execution option :data:`INDEX_HINT_OPTION`), so that the plan does not depend on fresh statistics:
right after a bulk load of the host's orders, InnoDB's statistics can be empty or
stale, and the optimizer may then scan the whole ``orders`` table once per
customer (docs/explanation.md says what was seen). A table without such an index
gets no hint (and is slow either way).

In READ COMMITTED the UPDATE's snapshot is taken after the locks were granted,
so a group that waited for a racing per-customer recalculation reads orders at
least as new as that one did and never writes older totals over newer ones.
Without the explicit lock, PostgreSQL would re-check a row changed meanwhile
but keep its statement-start snapshot of the orders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from customer_core.adapters.sqlalchemy._orders import OrderColumns, OrdersTable
from customer_core.model import OrderTotals
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Table,
    Update,
    and_,
    bindparam,
    func,
    inspect,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Dialect

__all__ = [
    "INDEX_HINT_OPTION",
    "customer_index_hint",
    "recalculate_batch",
    "recalculate_ids",
    "uses_joined_update",
]

INDEX_HINT_OPTION = "customer_core_orders_index_hint"
"""Connection execution option: the orders' index hint (:func:`customer_index_hint`)."""

#: Which customers a statement covers, as a condition on an id column (the customers'
#: ``id`` or the orders' ``customer_id``).
Group = Callable[[ColumnElement[Any]], ColumnElement[bool]]

#: The first SQLite with ``UPDATE ... FROM``.
SQLITE_UPDATE_FROM = (3, 33, 0)


def recalculate_batch(
    connection: Connection,
    customers: Table,
    orders: OrderColumns | None,
    after_id: int,
    limit: int,
    updated_at: datetime,
    columns: Sequence[ColumnElement[Any]] = (),
) -> tuple[int, int, Sequence[Row[Any]], Sequence[Row[Any]]] | None:
    """Recompute customers with ids in ``(after_id, ...]``, at most ``limit`` of them.

    Returns ``(highest id handled, how many, before, after)``, or None when none is left.
    Two statements per batch whatever its size: the locking SELECT and the UPDATE.
    With ``columns`` (a database with UPDATE … RETURNING only), ``before`` and
    ``after`` are ``(id, *columns)`` of each customer of the batch as the locking
    SELECT read them and as the UPDATE wrote them (``RETURNING``); else empty.
    """
    c = customers.c
    batch = (
        select(c.id, *columns)
        .where(c.id > after_id)
        .order_by(c.id)
        .limit(limit)
        .with_for_update(key_share=True)
    )
    before = connection.execute(batch).all()
    if not before:
        return None
    last = int(before[-1][0])
    # Typed like the customers' ids: an untyped bound int is an INTEGER on PostgreSQL.
    low, high = literal(after_id, c.id.type), literal(last, c.id.type)

    def in_batch(column: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(column > low, column <= high)

    hint = connection.get_execution_options().get(INDEX_HINT_OPTION)
    statement = _update(connection.dialect, customers, orders, in_batch, updated_at, hint)
    if not columns:
        connection.execute(statement)
        return last, len(before), (), ()
    after = connection.execute(statement.returning(c.id, *columns)).all()
    return last, len(before), before, after


def recalculate_ids(
    connection: Connection,
    customers: Table,
    orders: OrderColumns | None,
    ids: Sequence[int],
    updated_at: datetime,
) -> list[int]:
    """Recompute the customers among ``ids`` that exist; returns their ids, ascending.

    Ids of no customer are ignored. Two statements whatever the number of ids
    (none for no ids): the locking SELECT and the UPDATE of the rows it locked.
    The ids are written into the SQL as integer literals, so no driver's limit
    on bound parameters applies.
    """
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    c = customers.c
    query = (
        select(c.id)
        .where(_among(wanted, c.id, c.id.type))
        .order_by(c.id)
        .with_for_update(key_share=True)
    )
    found = [int(i) for i in connection.execute(query).scalars().all()]
    if found:
        # Only the rows locked: an id that appears meanwhile is not this call's to write.

        def locked(column: ColumnElement[Any]) -> ColumnElement[bool]:
            return _among(found, column, c.id.type)

        hint = connection.get_execution_options().get(INDEX_HINT_OPTION)
        connection.execute(_update(connection.dialect, customers, orders, locked, updated_at, hint))
    return found


def uses_joined_update(dialect: Dialect) -> bool:
    """Whether the UPDATE joins the aggregated orders (``UPDATE ... FROM``) on this database.

    PostgreSQL, and SQLite from 3.33 (the version of the library the connection
    uses); not MySQL/MariaDB, whose multi-table UPDATE would lock the host's
    orders (see the module's documentation), nor any other dialect.
    """
    if dialect.name == "postgresql":
        return True
    if dialect.name == "sqlite":
        version = dialect.server_version_info or (0,)
        return tuple(version) >= SQLITE_UPDATE_FROM
    return False


def customer_index_hint(engine: Engine | Connection, spec: OrdersTable) -> tuple[bool, str | None]:
    """``FORCE INDEX (...)`` naming an index that starts with the orders' ``customer_id``.

    Returns ``(known, hint)``: ``known`` is False while the host's table does not exist
    yet (ask again later); the hint is None on databases other than MySQL/MariaDB
    (only they use the correlated form) or when the table has no such index.
    """
    dialect = engine.dialect
    if dialect.name not in ("mysql", "mariadb"):
        return True, None
    inspector = inspect(engine)
    if not inspector.has_table(spec.name, schema=spec.schema):
        return False, None
    for index in inspector.get_indexes(spec.name, schema=spec.schema):
        columns = index.get("column_names") or []
        if columns and columns[0] == spec.customer_id and index.get("name"):
            name = dialect.identifier_preparer.quote(str(index["name"]))
            return True, f"FORCE INDEX ({name})"
    return True, None


def _among(ids: Sequence[int], column: ColumnElement[Any], id_type: Any) -> ColumnElement[bool]:
    """``column IN (1, 2, 3)``: the ids rendered as integer literals of ``id_type``."""
    values = bindparam(None, list(ids), type_=id_type, expanding=True, literal_execute=True)
    return column.in_(values)


def _update(
    dialect: Dialect,
    customers: Table,
    orders: OrderColumns | None,
    group: Group,
    updated_at: datetime,
    hint: str | None = None,
) -> Update:
    """The UPDATE that writes the totals of the customers in ``group``.

    ``hint`` is the index hint for the orders of the correlated form (MySQL/MariaDB).
    """
    if orders is None:
        empty = OrderTotals.empty()
        values: dict[str, Any] = {
            "lifetime_value": empty.lifetime_value,
            "total_orders": 0,
            "last_order_at": None,
        }
        statement = update(customers).where(group(customers.c.id))
    elif uses_joined_update(dialect):
        totals = _joined_totals(dialect, customers, orders, group)
        values = {
            "lifetime_value": totals.c.lifetime_value,
            "total_orders": totals.c.total_orders,
            "last_order_at": totals.c.last_order_at,
        }
        statement = update(customers).where(group(customers.c.id), customers.c.id == totals.c.id)
    else:
        values = _correlated_totals(dialect, customers, orders, hint)
        statement = update(customers).where(group(customers.c.id))
    values["updated_at"] = updated_at
    return statement.values(values)


def _last_order_at(dialect: Dialect, last: ColumnElement[Any]) -> ColumnElement[Any]:
    """``last_order_at`` in whole seconds, as every other path stores it.

    PostgreSQL would *round* a host's ``timestamp(6)`` into the ``timestamp(0)``
    column; every other path truncates (``clock.stored_time``), so truncate here too.
    """
    if dialect.name == "postgresql":
        return func.date_trunc("second", last)
    return last


def _joined_totals(dialect: Dialect, customers: Table, orders: OrderColumns, group: Group) -> Any:
    """``(id, lifetime_value, total_orders, last_order_at)`` of every customer in ``group``.

    The group's orders are aggregated by one ``GROUP BY customer_id`` (an index
    range scan), and one row of (NULL, 0, NULL) per customer of the group is
    appended (``UNION ALL``), so that a second ``GROUP BY`` over at most two rows
    per customer also yields the customers without orders. A LEFT JOIN from the
    group's customers would do the same, but the self-join it needs (the UPDATE's
    customers to the group's customers, both restricted to the same ids) makes
    PostgreSQL expect one row and pick a nested loop that re-aggregates the
    orders per customer (or, without the restriction on one side, a scan of
    the whole table per batch; docs/performance.md, "Bulk LTV", has the figures).
    """
    amount, delivered, last = orders.aggregates()
    owner = orders.col("customer_id")
    rows = union_all(
        select(
            owner.label("id"),
            amount.label("lifetime_value"),
            delivered.label("total_orders"),
            last.label("last_order_at"),
        )
        .where(group(owner))
        .group_by(owner),
        select(
            customers.c.id.label("id"),
            null().label("lifetime_value"),
            literal(0).label("total_orders"),
            null().label("last_order_at"),
        ).where(group(customers.c.id)),
    ).subquery("group_rows")
    return (
        select(
            rows.c.id,
            func.coalesce(func.max(rows.c.lifetime_value), literal(0)).label("lifetime_value"),
            func.max(rows.c.total_orders).label("total_orders"),
            _last_order_at(dialect, func.max(rows.c.last_order_at)).label("last_order_at"),
        )
        .group_by(rows.c.id)
        .subquery("new_totals")
    )


def _correlated_totals(
    dialect: Dialect, customers: Table, orders: OrderColumns, hint: str | None = None
) -> dict[str, Any]:
    """The new column values as correlated aggregates over the row's orders (the fallback)."""
    amount, delivered, last = orders.aggregates()
    mine = orders.of_customer(customers.c.id)

    def scalar(aggregate: ColumnElement[Any]) -> ColumnElement[Any]:
        query = select(aggregate).select_from(orders.table).where(mine)
        if hint is not None:
            query = query.with_hint(orders.table, hint, dialect_name=dialect.name)
        return query.scalar_subquery()

    return {
        "lifetime_value": func.coalesce(scalar(amount), literal(0)),
        "total_orders": scalar(delivered),
        "last_order_at": scalar(_last_order_at(dialect, last)),
    }
