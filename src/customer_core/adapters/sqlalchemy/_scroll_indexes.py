"""Opt-in indexes that keep ``scroll`` pages as cheap at any depth as on page 1.

A scroll page is ``WHERE <filters> AND <after the cursor> ORDER BY <key>, id
LIMIT n``; with an index on ``(key, id)`` the database seeks to the cursor and
reads ``n`` rows. Sorting by ``id`` needs none (the primary key). Sorting by
``name`` compares the folded name: PostgreSQL indexes ``(lower(name), id)``; SQLite
(the library's ``cc_lower``, unknown to other clients of the file) and
MySQL/MariaDB (``lower(name) COLLATE utf8mb4_bin``) get none. ``created_at`` and
``last_order_at`` sort empty values last through an ``IS NULL`` term no plain index
serves: a deep page there reads the rows before it, as OFFSET does.
"""

from __future__ import annotations

from collections.abc import Sequence

from customer_core.errors import ValidationError
from sqlalchemy import Connection, Engine, text

__all__ = ["SCROLL_INDEXES", "create_scroll_indexes"]

#: The statement of each sort key's index, per dialect family.
SCROLL_INDEXES: dict[str, dict[str, str]] = {
    "name": {
        "postgresql": "create index if not exists customers_lower_name_id_index"
        " on customers (lower(name), id)",
    },
    **{
        key: {
            dialect: f"create index {'if not exists ' if dialect != 'mysql' else ''}"
            f"customers_{key}_id_index on customers ({key}, id)"
            for dialect in ("postgresql", "sqlite", "mysql")
        }
        for key in ("lifetime_value", "total_orders")
    },
}
DEFAULT_SORTS = ("name", "lifetime_value", "total_orders")
SORTS_KNOWN = ("id", "name", "created_at", "lifetime_value", "last_order_at", "total_orders")


def create_scroll_indexes(engine: Engine, *, sorts: Sequence[str] = DEFAULT_SORTS) -> list[str]:
    """Create the scroll indexes of ``sorts`` (keys without ``-``) that this database can
    use; returns the statements run. Never called implicitly (as
    ``create_performance_indexes``): indexes on a host's table are the host's decision,
    and each costs its writes. An existing index of the same name is left alone.
    """
    if isinstance(sorts, str) or not all(key in SORTS_KNOWN for key in sorts):
        raise ValidationError.single("sorts", f"must be sort keys among {', '.join(SORTS_KNOWN)}")
    family = "mysql" if engine.dialect.name in ("mysql", "mariadb") else engine.dialect.name
    statements = [
        SCROLL_INDEXES[key][family] for key in sorts if family in SCROLL_INDEXES.get(key, {})
    ]
    with engine.begin() as connection:
        for statement in statements:
            if family == "mysql" and _mysql_has(connection, statement):
                continue
            connection.execute(text(statement))
    return statements


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
