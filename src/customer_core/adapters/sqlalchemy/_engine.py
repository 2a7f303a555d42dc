"""Engines configured the way the library's SQL relies on.

- SQLite: foreign keys on (``pragma foreign_keys = 1``, as Laravel does), WAL
  for file databases (the storage sets the busy timeout: its ``lock_timeout``),
  a unicode ``cc_lower`` that agrees with
  Python's ``str.lower`` (SQLite's own ``lower``/``LIKE`` fold ASCII only), the
  accent-folding ``cc_fold`` of ``search(..., ignore_accents=True)``, and
  ``BEGIN IMMEDIATE`` for every write transaction so that writers serialize from
  the start: that is what makes ``CustomerRepository.lock`` hold on SQLite. A
  transaction the storage opens ``read_only`` starts with a plain (deferred)
  ``BEGIN`` instead: it takes no write lock.
- PostgreSQL and MySQL/MariaDB: ``READ COMMITTED`` set once per connection by
  the engine (each statement sees what was committed before it started, which
  the lifetime-value recalculation relies on), ``pool_pre_ping``, and on MySQL a
  UTC session time zone so ``timestamp`` columns store the naive UTC values
  unchanged.
- Every dialect: ``hide_parameters=True``, so that SQLAlchemy's errors and logs
  never show a statement's values (password hashes among them).

The per-connection settings run on the pool's ``checkout`` event, guarded by a
flag in the connection's ``info`` dictionary: a connection the pool made before
the library saw the engine (a warmed pool, a ``StaticPool``) is set up on its
first checkout, every other one once. The flag dies with the DBAPI connection,
so a reconnect after a failover sets the new one up again.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import weakref
from collections.abc import Callable
from typing import Any

from customer_core._accents import fold_accents
from customer_core.adapters.sqlalchemy._errors import translating
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.pool import StaticPool

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "READ_ONLY_OPTION",
    "SESSION_LOCK_TIMEOUT_OPTION",
    "engine_from_url",
    "engine_settings",
    "pool_lock",
    "prepare_engine",
    "runs_autocommit",
    "runs_read_committed",
    "unicode_lower",
]

DEFAULT_LOCK_TIMEOUT = 10.0
"""Seconds a call waits for another transaction's lock before ``StorageConflict``."""

READ_ONLY_OPTION = "customer_core_read_only"
"""The connection execution option that makes a SQLite transaction start with plain BEGIN."""

SESSION_LOCK_TIMEOUT_OPTION = "customer_core_session_lock_timeout"
"""The engine execution option saying every connection's session already runs with this
``lock_timeout`` (seconds; set where the connection opens): PostgreSQL transactions then
need no ``SET LOCAL`` of the same value (the asyncio front's asyncpg engines set it)."""

# connection_record.info key: the library's per-connection set-up ran on this DBAPI connection.
_SET_UP = "customer_core_set_up"


def unicode_lower(value: Any) -> Any:
    """SQLite's ``cc_lower``: Python's ``str.lower`` for text, anything else unchanged."""
    return value.lower() if isinstance(value, str) else value


def accent_fold(value: Any) -> Any:
    """SQLite's ``cc_fold``: :func:`~customer_core._accents.fold_accents` for text, else as is."""
    return fold_accents(value) if isinstance(value, str) else value


def engine_from_url(url: str, **engine_options: Any) -> Engine:
    """A new engine for ``url`` with the library's per-dialect settings (see the module doc).

    ``engine_options`` go to :func:`sqlalchemy.create_engine` and win over the defaults.
    """
    parsed, options = engine_settings(url, **engine_options)
    with translating():
        engine = create_engine(parsed, **options)
    prepare_engine(engine)
    return engine


def engine_settings(url: str, **engine_options: Any) -> tuple[URL, dict[str, Any]]:
    """The parsed ``url`` and the options :func:`engine_from_url` creates its engine with.

    Shared with the asyncio front, whose ``create_async_engine`` takes the same options.
    """
    with translating():
        parsed = make_url(url)
    options: dict[str, Any] = {"hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if _is_memory(parsed.database, parsed.query.get("mode")):
            # One shared connection, or every checkout would see a new empty database.
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        options.update(isolation_level="READ COMMITTED", pool_pre_ping=True)
    options.update(engine_options)
    return parsed, options


def prepare_engine(engine: Engine) -> Engine:
    """Install the per-connection settings on an engine the host built itself.

    Idempotent. On SQLite this takes over transaction control from pysqlite
    (SQLAlchemy's documented recipe) to issue ``BEGIN IMMEDIATE``.
    """
    _listen_once(engine, "handle_error", _wrap_python_error)
    if engine.dialect.name == "sqlite":
        _listen_once(engine, "checkout", _setup_sqlite)
        _listen_once(engine, "begin", _begin_sqlite)
    elif engine.dialect.name in ("mysql", "mariadb"):
        _listen_once(engine, "checkout", _setup_mysql)
    return engine


def runs_read_committed(engine: Engine) -> bool:
    """True when every connection of ``engine`` is already READ COMMITTED (set per connection).

    ``create_engine(isolation_level=...)`` keeps the level on the dialect (no public
    accessor in SQLAlchemy 2); ``engine.execution_options(isolation_level=...)`` in the
    engine's options. Either way no statement per transaction is needed.
    """
    return _isolation_level(engine) == "READ COMMITTED"


def runs_autocommit(engine: Engine) -> bool:
    """True when ``engine``'s connections run in AUTOCOMMIT (set either way, as above).

    There ``BEGIN`` and ``SET TRANSACTION`` are no-ops: every statement commits on its
    own, so the storage sets READ COMMITTED on the connection for each transaction.
    """
    return _isolation_level(engine) == "AUTOCOMMIT"


def _isolation_level(engine: Engine) -> str | None:
    """The isolation level ``engine`` sets on its connections (upper case), or None."""
    level = engine.get_execution_options().get("isolation_level")
    if level is None:
        level = getattr(engine.dialect, "_on_connect_isolation_level", None)
    return level.upper() if isinstance(level, str) else None


# One lock per StaticPool (the one DBAPI connection all its checkouts share).
_POOL_LOCKS: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_POOL_LOCKS_GUARD = threading.Lock()


def pool_lock(engine: Engine) -> contextlib.AbstractContextManager[Any]:
    """What a transaction on ``engine`` holds from connect to close: nothing, except on a
    ``StaticPool``.

    There every thread's checkout is the same DBAPI connection (in-memory SQLite): a
    second thread's BEGIN would fail inside the first's transaction, and its check-in
    (a rollback) would end the first's transaction, whose remaining statements would
    then commit one by one. So its transactions take turns. Re-entrant, so that a
    nested call on the same thread fails as before instead of waiting for itself.
    """
    pool = engine.pool
    if not isinstance(pool, StaticPool):
        return contextlib.nullcontext()
    with _POOL_LOCKS_GUARD:
        lock = _POOL_LOCKS.get(pool)
        if lock is None:
            lock = _POOL_LOCKS[pool] = threading.RLock()
    return lock


def _wrap_python_error(context: ExceptionContext) -> BaseException | None:
    """A driver's ``UnicodeError``/``OverflowError`` (a value it cannot encode or convert) as
    a SQLAlchemy ``StatementError``, which the storage translates.

    Only errors raised while SQLAlchemy runs a statement pass here: the same classes
    raised by the caller's own code inside a transaction (a record generator's) reach
    the caller unchanged, as on the in-memory storage.
    """
    error = context.original_exception
    if context.sqlalchemy_exception is None and isinstance(error, UnicodeError | OverflowError):
        return exc.StatementError(
            f"{type(error).__name__}: {error}", None, None, error, hide_parameters=True
        )
    return None


def _listen_once(engine: Engine, name: str, listener: Callable[..., object]) -> None:
    if not event.contains(engine, name, listener):
        event.listen(engine, name, listener)


def _is_memory(database: str | None, mode: object = None) -> bool:
    # ``sqlite:///file:x?mode=memory&uri=true``: SQLAlchemy parses the query off the name.
    return not database or database == ":memory:" or "mode=memory" in database or mode == "memory"


def _setup_sqlite(connection: sqlite3.Connection, record: Any, _proxy: object) -> None:
    if record.info.get(_SET_UP):
        return
    # pysqlite would otherwise BEGIN lazily (and DEFERRED); the "begin" event does it instead.
    connection.isolation_level = None
    connection.create_function("cc_lower", 1, unicode_lower, deterministic=True)
    connection.create_function("cc_fold", 1, accent_fold, deterministic=True)
    cursor = connection.cursor()
    cursor.execute("pragma foreign_keys = 1")
    # A no-op ("memory") for in-memory databases; WAL lets readers run beside the writer.
    # A read-only file cannot switch (SQLITE_READONLY): it is served in its own mode.
    with contextlib.suppress(sqlite3.OperationalError):
        cursor.execute("pragma journal_mode = wal")
    cursor.close()
    record.info[_SET_UP] = True


def _begin_sqlite(connection: Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _setup_mysql(connection: Any, record: Any, _proxy: object) -> None:
    if record.info.get(_SET_UP):
        return
    cursor = connection.cursor()
    cursor.execute("SET time_zone = '+00:00'")
    cursor.close()
    record.info[_SET_UP] = True
