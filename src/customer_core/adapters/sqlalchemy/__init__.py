"""The SQLAlchemy 2.x adapter: SQLite, PostgreSQL and MySQL/MariaDB, Laravel-compatible.

- :class:`SQLAlchemyStorage`: the :class:`~customer_core.ports.Storage` on an engine.
- :class:`OrdersTable`: maps the host's orders table (read only) as the order ledger.
- :func:`engine_from_url`: an engine with the per-dialect settings the adapter relies on.
- :func:`define_tables` / :func:`create_tables`: the library's tables on a MetaData.
- :func:`create_performance_indexes`: opt-in indexes beyond Laravel's.
- :func:`create_scroll_indexes`: opt-in indexes that keep deep ``scroll`` pages cheap.
"""

from __future__ import annotations

from customer_core.adapters.sqlalchemy._engine import engine_from_url, prepare_engine
from customer_core.adapters.sqlalchemy._orders import OrdersTable
from customer_core.adapters.sqlalchemy._schema import (
    CustomerTables,
    create_performance_indexes,
    create_tables,
    define_tables,
)
from customer_core.adapters.sqlalchemy._scroll_indexes import create_scroll_indexes
from customer_core.adapters.sqlalchemy._storage import SQLAlchemyStorage, SQLAlchemyTransaction

__all__ = [
    "CustomerTables",
    "OrdersTable",
    "SQLAlchemyStorage",
    "SQLAlchemyTransaction",
    "create_performance_indexes",
    "create_scroll_indexes",
    "create_tables",
    "define_tables",
    "engine_from_url",
    "prepare_engine",
]
