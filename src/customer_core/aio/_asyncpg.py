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
  uses, the timeout can be the session's (asyncpg's ``server_settings``), set once
  when the connection opens; the storage then leaves the statement out.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Engine, event, exc
from sqlalchemy.engine import URL

from customer_core.adapters.sqlalchemy._engine import SESSION_LOCK_TIMEOUT_OPTION

__all__ = ["asyncpg_options", "prepare_asyncpg_engine"]


def asyncpg_options(
    url: URL, lock_timeout: float | None, options: dict[str, Any], host: dict[str, Any]
) -> tuple[dict[str, Any], float | None]:
    """``options`` for ``create_async_engine`` with the savings above (where ``url`` is
    asyncpg's), and the lock timeout its sessions then run with (None: none set).

    ``host``: the options the host passed itself; its ``pool_pre_ping`` and
    ``server_settings`` win.
    """
    if url.get_driver_name() != "asyncpg":
        return options, None
    options = {**options, "pool_pre_ping": host.get("pool_pre_ping", False)}
    connect_args = dict(options.get("connect_args", {}))
    settings = dict(connect_args.get("server_settings", {}))
    if lock_timeout is None or "lock_timeout" in settings:
        return options, None
    settings["lock_timeout"] = f"{max(1, math.ceil(lock_timeout * 1000))}ms"
    options["connect_args"] = {**connect_args, "server_settings": settings}
    return options, lock_timeout


def prepare_asyncpg_engine(engine: Engine, session_lock_timeout: float | None) -> None:
    """Install the closed-connection check (when there is no pre-ping) and record the
    lock timeout every session runs with (:func:`asyncpg_options`), on ``engine``: the
    ``sync_engine`` of the ``AsyncEngine`` built with those options."""
    if engine.dialect.driver != "asyncpg":
        return
    if not engine.pool._pre_ping:  # no public accessor
        event.listen(engine, "checkout", _refuse_closed)
    if session_lock_timeout is not None:
        engine.update_execution_options(**{SESSION_LOCK_TIMEOUT_OPTION: session_lock_timeout})


def _refuse_closed(dbapi_connection: Any, _record: object, _proxy: object) -> None:
    """A checked-out connection the server has closed: the pool replaces it."""
    # SQLAlchemy's adapter keeps the asyncpg connection there (no public accessor).
    connection = getattr(dbapi_connection, "_connection", None)
    if connection is not None and connection.is_closed():
        raise exc.DisconnectionError("the server closed the connection")
