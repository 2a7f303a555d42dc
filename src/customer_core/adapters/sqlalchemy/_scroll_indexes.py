"""Opt-in indexes that keep ``scroll`` pages as cheap at any depth as on page 1.

A scroll page is ``WHERE <filters> AND <after the cursor> ORDER BY <key>, id
LIMIT n`` (``<key> DESC, id`` descending: ties still run by ascending id); with an
index in exactly that order the database seeks to the cursor and reads ``n`` rows.
An ascending index read backwards gives ``<key> DESC, id DESC``, which serves a
descending sort only while ties are few: many equal values (every customer with
no order has a lifetime value of 0) make the database sort them all, so a
descending sort has an index of its own (``"-lifetime_value"``).

Sorting by ``id`` needs none (the primary key). Sorting by ``name`` compares the
folded name: PostgreSQL indexes ``lower(name)``; SQLite (the library's ``cc_lower``,
unknown to other clients of the file) and MySQL/MariaDB (``lower(name) COLLATE
utf8mb4_bin``) get none. ``created_at`` and ``last_order_at`` sort empty values
last through an ``IS NULL`` term no plain index serves: a deep page there reads
the rows before it, as OFFSET does.
"""

from __future__ import annotations

from collections.abc import Sequence

from customer_core.errors import ValidationError
from sqlalchemy import Connection, Engine, text

__all__ = ["DEFAULT_SORTS", "create_scroll_indexes"]

#: What the helper creates without ``sorts``: the name, and the "top customers" lists.
DEFAULT_SORTS = ("name", "-lifetime_value", "-total_orders")
#: Sort keys (``-`` for descending) that an index can serve, and on which databases.
_INDEXABLE = {
    "name": ("postgresql",),
    "lifetime_value": ("postgresql", "sqlite", "mysql"),
    "total_orders": ("postgresql", "sqlite", "mysql"),
}
_KNOWN = ("id", "name", "created_at", "lifetime_value", "last_order_at", "total_orders")


def create_scroll_indexes(engine: Engine, *, sorts: Sequence[str] = DEFAULT_SORTS) -> list[str]:
    """Create the indexes that serve the scroll sorts ``sorts`` (``"name"``,
    ``"-lifetime_value"``, …) on this database; returns the statements run.

    Sorts no index serves here (``id``, the nullable times, ``name`` outside
    PostgreSQL) are skipped. Never called implicitly (as ``create_performance_indexes``):
    indexes on a host's table are the host's decision, and each costs its writes.
    An existing index of the same name is left alone.
    """
    if isinstance(sorts, str) or not all(
        isinstance(sort, str) and sort.removeprefix("-") in _KNOWN for sort in sorts
    ):
        raise ValidationError.single(
            "sorts", f"must be a list of sort keys among {', '.join(_KNOWN)} (- for descending)"
        )
    family = "mysql" if engine.dialect.name in ("mysql", "mariadb") else engine.dialect.name
    statements = [
        _statement(sort, family)
        for sort in dict.fromkeys(sorts)
        if family in _INDEXABLE.get(sort.removeprefix("-"), ())
    ]
    with engine.begin() as connection:
        for statement in statements:
            if family == "mysql" and _mysql_has(connection, statement):
                continue
            connection.execute(text(statement))
    return statements


def _statement(sort: str, family: str) -> str:
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    column = "lower(name)" if key == "name" else key
    order = " desc" if descending else ""
    prefix = "lower_" if key == "name" else ""
    name = f"customers_{prefix}{key}{order.replace(' ', '_')}_id_index"
    guard = "" if family == "mysql" else "if not exists "
    return f"create index {guard}{name} on customers ({column}{order}, id)"


def _mysql_has(connection: Connection, statement: str) -> bool:
    """MySQL has no ``create index if not exists``: look the index name up first."""
    name = statement.split()[2]
    found = connection.execute(
        text(
            "select 1 from information_schema.statistics where table_schema = database()"
            " and table_name = 'customers' and index_name = :name"
        ),
        {"name": name},
    )
    return found.first() is not None
