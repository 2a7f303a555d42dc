"""The lock timeout as a PostgreSQL session setting, on the engines the library makes itself.

A transaction's ``SET LOCAL lock_timeout`` costs a round trip per call, and it needs a
transaction block: a one-statement read could not run without one
(``SQLAlchemyStorage.single_statement``). On an engine that ``CustomerCore.from_url`` or
``AsyncCustomerCore.from_url`` creates, every connection is the library's, so the timeout
can be the session's, set by the driver when it connects (no round trip of its own):
asyncpg's ``server_settings``, libpq's ``options=-c lock_timeout=...`` for psycopg and
psycopg2. A host's engine (``from_engine``) is left alone: a session setting would outlive
the call on the host's pooled connection.
"""

from __future__ import annotations

import re
from typing import Any

from customer_core.adapters.sqlalchemy._engine import (
    SESSION_LOCK_TIMEOUT_OPTION,
    engine_from_url,
    engine_settings,
)
from customer_core.adapters.sqlalchemy._errors import translating
from customer_core.adapters.sqlalchemy._storage import _checked_lock_timeout, _milliseconds
from sqlalchemy import Engine
from sqlalchemy.engine import URL

__all__ = ["library_engine", "mark_session_lock_timeout", "session_lock_timeout"]

#: A libpq ``options`` that sets lock_timeout itself (not deadlock_timeout).
_SETS_LOCK_TIMEOUT = re.compile(r"(?<!dead)lock_timeout\s*=", re.IGNORECASE)
#: PostgreSQL drivers that take libpq's ``options`` connection parameter.
_LIBPQ_DRIVERS = frozenset({"psycopg", "psycopg2"})


def session_lock_timeout(
    url: URL, lock_timeout: object, options: dict[str, Any]
) -> tuple[dict[str, Any], float | None]:
    """``options`` with ``lock_timeout`` set in every session of a PostgreSQL engine, and the
    timeout the sessions then run with (None: none set, the storage keeps its ``SET LOCAL``).

    A ``lock_timeout`` the host set itself in them (``server_settings``, libpq
    ``options``, or ``?options=`` in the URL) wins: none is set here. A bad
    ``lock_timeout`` is the storage's ``ValidationError``, raised here before any use.
    """
    timeout = _checked_lock_timeout(lock_timeout)
    driver = url.get_driver_name()
    if timeout is None or url.get_backend_name() != "postgresql":
        return options, None
    connect_args = dict(options.get("connect_args", {}))
    value = f"{_milliseconds(timeout)}ms"
    if driver == "asyncpg":
        settings = dict(connect_args.get("server_settings", {}))
        if "lock_timeout" in settings:
            return options, None
        connect_args["server_settings"] = {**settings, "lock_timeout": value}
    elif driver in _LIBPQ_DRIVERS:
        libpq = str(connect_args.get("options", ""))
        if _SETS_LOCK_TIMEOUT.search(libpq) or "options" in url.query:
            return options, None
        connect_args["options"] = f"{libpq} -c lock_timeout={value}".strip()
    else:
        return options, None
    return {**options, "connect_args": connect_args}, timeout


def mark_session_lock_timeout(engine: Engine, timeout: float | None) -> None:
    """Record on ``engine`` that its sessions run with ``timeout`` (see the module doc)."""
    if timeout is not None:
        engine.update_execution_options(**{SESSION_LOCK_TIMEOUT_OPTION: timeout})


def library_engine(url: str, lock_timeout: object, engine_options: dict[str, Any]) -> Engine:
    """``engine_from_url(url, **engine_options)`` with ``lock_timeout`` in every session
    (PostgreSQL, see the module doc): the sync core's own engines."""
    parsed, options = engine_settings(url, **engine_options)
    # An unknown dialect fails at its first look-up, here: SQLAlchemy's NoSuchModuleError.
    with translating():
        options, timeout = session_lock_timeout(parsed, lock_timeout, options)
    # The host's options win in engine_from_url: the connect_args with the timeout go as theirs.
    engine = engine_from_url(
        url, **{**engine_options, "connect_args": options.get("connect_args", {})}
    )
    mark_session_lock_timeout(engine, timeout)
    return engine
