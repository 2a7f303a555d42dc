"""What the asyncio front's own asyncpg engines save on every call (docs/performance.md).

Two round-trip costs of every call, removed on the engines ``AsyncCustomerCore.from_url``
builds (a host's engine, ``from_engine``, is left as it is):

- **The pre-ping.** SQLAlchemy's asyncpg ping is three round trips (``BEGIN``, ``;``,
  ``ROLLBACK``: it opens a transaction for pgbouncer's sake) on every checkout. asyncpg
  reads its socket whenever the loop runs, so a connection the server closed (a restart,
  a terminated backend) is already marked closed while it sits in the pool: checking
  that flag costs nothing and hands SQLAlchemy the same ``DisconnectionError`` a
  failed ping would (the pool then connects anew).
- **``SET LOCAL lock_timeout`` per transaction.** On a connection only the library
  uses, the timeout can be the session's (asyncpg's ``server_settings``, libpq's
  ``options`` for psycopg), set once when the connection opens; the storage then leaves
  the statement out, and a one-statement read needs no transaction block
  (:mod:`customer_core.adapters.sqlalchemy._session`; the sync core's own engines too).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, exc
from sqlalchemy.engine import URL

from customer_core.adapters.sqlalchemy._session import (
    mark_session_lock_timeout,
    session_lock_timeout,
)

__all__ = ["asyncpg_options", "prepare_asyncpg_engine"]


def asyncpg_options(
    url: URL, lock_timeout: float | None, options: dict[str, Any], host: dict[str, Any]
) -> tuple[dict[str, Any], float | None]:
    """``options`` for ``create_async_engine`` with the savings above, and the lock timeout
    its sessions then run with (None: none set).

    The pre-ping goes where ``url`` is asyncpg's; the session's lock timeout on every
    PostgreSQL driver (:func:`~customer_core.adapters.sqlalchemy._session.session_lock_timeout`).
    ``host``: the options the host passed itself; its ``pool_pre_ping`` and its own
    ``lock_timeout`` setting win.
    """
    if url.get_driver_name() == "asyncpg":
        options = {**options, "pool_pre_ping": host.get("pool_pre_ping", False)}
    return session_lock_timeout(url, lock_timeout, options)


def prepare_asyncpg_engine(engine: Engine, session_lock_timeout: float | None) -> None:
    """Record the lock timeout every session runs with (:func:`asyncpg_options`) and, on
    asyncpg without a pre-ping, install the closed-connection check, on ``engine``: the
    ``sync_engine`` of the ``AsyncEngine`` built with those options."""
    mark_session_lock_timeout(engine, session_lock_timeout)
    if engine.dialect.driver == "asyncpg" and not engine.pool._pre_ping:  # no public accessor
        event.listen(engine, "checkout", _refuse_closed)


def _refuse_closed(dbapi_connection: Any, _record: object, _proxy: object) -> None:
    """A checked-out connection the server has closed: the pool replaces it."""
    # SQLAlchemy's adapter keeps the asyncpg connection there (no public accessor).
    connection = getattr(dbapi_connection, "_connection", None)
    if connection is not None and connection.is_closed():
        raise exc.DisconnectionError("the server closed the connection")
