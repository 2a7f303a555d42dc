"""Engines configured the way the library's SQL relies on.

- SQLite: foreign keys on (``pragma foreign_keys = 1``, as Laravel does), WAL
  for file databases, a busy timeout, a unicode ``cc_lower`` that agrees with
  Python's ``str.lower`` (SQLite's own ``lower``/``LIKE`` fold ASCII only), and
  ``BEGIN IMMEDIATE`` for every transaction so that writers serialize from the
  start: that is what makes ``CustomerRepository.lock`` hold on SQLite.
- PostgreSQL and MySQL/MariaDB: ``READ COMMITTED`` (each statement sees what was
  committed before it started, which the lifetime-value recalculation relies
  on), ``pool_pre_ping``, and on MySQL a UTC session time zone so ``timestamp``
  columns store the naive UTC values unchanged.
- Every dialect: ``hide_parameters=True``, so that SQLAlchemy's errors and logs
  never show a statement's values (password hashes among them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from customer_core.adapters.sqlalchemy.errors import translating
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

__all__ = ["engine_from_url", "prepare_engine", "unicode_lower"]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def unicode_lower(value: Any) -> Any:
    """SQLite's ``cc_lower``: Python's ``str.lower`` for text, anything else unchanged."""
    return value.lower() if isinstance(value, str) else value


def engine_from_url(url: str, **engine_options: Any) -> Engine:
    """A new engine for ``url`` with the library's per-dialect settings (see the module doc).

    ``engine_options`` go to :func:`sqlalchemy.create_engine` and win over the defaults.
    """
    with translating():
        parsed = make_url(url)
    options: dict[str, Any] = {"hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if _is_memory(parsed.database):
            # One shared connection, or every checkout would see a new empty database.
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        options.update(isolation_level="READ COMMITTED", pool_pre_ping=True)
    options.update(engine_options)
    with translating():
        engine = create_engine(parsed, **options)
    prepare_engine(engine)
    return engine


def prepare_engine(engine: Engine) -> Engine:
    """Install the per-connection settings on an engine the host built itself.

    Idempotent. On SQLite this takes over transaction control from pysqlite
    (SQLAlchemy's documented recipe) to issue ``BEGIN IMMEDIATE``.
    """
    if engine.dialect.name == "sqlite":
        _listen_once(engine, "connect", _setup_sqlite)
        _listen_once(engine, "begin", _begin_immediate)
    elif engine.dialect.name in ("mysql", "mariadb"):
        _listen_once(engine, "connect", _setup_mysql)
    return engine


def _listen_once(engine: Engine, name: str, listener: Callable[..., None]) -> None:
    if not event.contains(engine, name, listener):
        event.listen(engine, name, listener)


def _is_memory(database: str | None) -> bool:
    return not database or database == ":memory:" or "mode=memory" in database


def _setup_sqlite(connection: sqlite3.Connection, _record: object) -> None:
    # pysqlite would otherwise BEGIN lazily (and DEFERRED); the "begin" event does it instead.
    connection.isolation_level = None
    connection.create_function("cc_lower", 1, unicode_lower, deterministic=True)
    cursor = connection.cursor()
    cursor.execute("pragma foreign_keys = 1")
    cursor.execute(f"pragma busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    # A no-op ("memory") for in-memory databases; WAL lets readers run beside the writer.
    cursor.execute("pragma journal_mode = wal")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _setup_mysql(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    cursor.execute("SET time_zone = '+00:00'")
    cursor.close()
