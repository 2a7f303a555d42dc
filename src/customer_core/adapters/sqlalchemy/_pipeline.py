"""The timeline's events sent with the COMMIT, in one round trip (psycopg's pipeline mode).

Every change writes its timeline event in its own transaction; sent as a statement of
its own, the event's INSERT costs a round trip per call (about a quarter of an
``update`` on PostgreSQL, docs/performance.md). On psycopg (libpq 14 or later) the
storage defers the transaction's events (``SQLAlchemyEventLog(deferred=True)``) and
sends their INSERT and the COMMIT together in pipeline mode: one round trip, the
transaction as atomic as before (a failed INSERT aborts it, the COMMIT is then not
run, and the error is raised from the commit; the connection is discarded).

Other drivers have no such mode, or SQLAlchemy does not expose it: their events go
out as before, one INSERT as the change is made.
"""

from __future__ import annotations

from typing import Any

from customer_core.adapters.sqlalchemy._engine import runs_autocommit
from customer_core.adapters.sqlalchemy._events import SQLAlchemyEventLog
from sqlalchemy import Connection, Engine, RootTransaction

__all__ = ["commit_with_events", "defers_events"]


def defers_events(engine: Engine) -> bool:
    """Whether ``engine``'s transactions can send their events with the COMMIT.

    Only synchronous psycopg on a libpq with pipeline mode; not under AUTOCOMMIT,
    where each statement would commit alone.
    """
    if engine.dialect.driver != "psycopg" or runs_autocommit(engine):
        return False
    import psycopg  # the driver is loaded: the engine uses it

    return bool(psycopg.Pipeline.is_supported())


def commit_with_events(
    connection: Connection, transaction: RootTransaction, events: object
) -> None:
    """Flush ``events`` and COMMIT ``transaction`` in one pipeline (nothing queued, or another
    log than the SQL one: nothing done, the transaction commits as usual when its block ends)."""
    if not (isinstance(events, SQLAlchemyEventLog) and events.pending):
        return
    raw: Any = connection.connection.dbapi_connection
    try:
        with raw.pipeline():
            events.flush()
            transaction.commit()
    except BaseException:
        # SQLAlchemy counts the transaction as ended, so its pool would take the connection
        # back still in the failed transaction: discard it (a failure's cost only).
        connection.invalidate()
        raise
