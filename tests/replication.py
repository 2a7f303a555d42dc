"""Helpers of the read-replica tests: a database on a primary and its standby, engines, counters.

The primary runs ``synchronous_commit = off`` and names every standby synchronous
(tests/servers.py), so each engine chooses how long a commit waits:
``remote_apply`` waits until the standby has applied it (then a read on the
replica sees every write before it: the contract suite runs so), ``local`` does
not wait for the standby at all (a paused or stopped standby blocks nothing).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from customer_core.adapters.sqlalchemy import engine_from_url
from servers import Server

__all__ = [
    "StatementCounter",
    "paused_replay",
    "primary_engine",
    "replicated_database",
    "wait_until_streaming",
]

WAIT = 30.0


def replicated_database(primary: Server, standby: Server) -> tuple[str, str]:
    """A new database on the primary: its URL there and on the standby, once it arrived."""
    url = primary.create_database("cc")
    replica_url = standby.url(sa.make_url(url).database or "")
    engine = sa.create_engine(replica_url)
    deadline = time.monotonic() + WAIT
    try:
        while True:
            try:
                with engine.connect():
                    return url, replica_url
            except sa.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        engine.dispose()


def primary_engine(url: str, *, synchronous_commit: str) -> sa.Engine:
    """The library's engine on the primary, its commits waiting as ``synchronous_commit`` says."""
    options = f"-c synchronous_commit={synchronous_commit}"
    return engine_from_url(url, connect_args={"options": options})


@contextmanager
def paused_replay(standby_url: str) -> Iterator[None]:
    """The standby applies no WAL inside the block: it lags the primary for sure."""
    engine = sa.create_engine(standby_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("select pg_wal_replay_pause()")
            try:
                yield
            finally:
                connection.exec_driver_sql("select pg_wal_replay_resume()")
    finally:
        engine.dispose()


def wait_until_streaming(primary_url: str) -> None:
    """Return once a standby streams from the primary again (after a restart)."""
    engine = sa.create_engine(primary_url)
    deadline = time.monotonic() + WAIT
    query = "select count(*) from pg_stat_replication where state = 'streaming'"
    try:
        while True:
            with engine.connect() as connection:
                if connection.exec_driver_sql(query).scalar():
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("the standby did not stream again")
            time.sleep(0.05)
    finally:
        engine.dispose()


class StatementCounter:
    """Counts the statements each named engine runs (SQLAlchemy's ``before_cursor_execute``)."""

    def __init__(self, **engines: sa.Engine) -> None:
        self.counts: Counter[str] = Counter()
        self._listeners: list[tuple[sa.Engine, Callable[..., None]]] = []
        for name, engine in engines.items():
            listener = self._listener(name)
            sa.event.listen(engine, "before_cursor_execute", listener)
            self._listeners.append((engine, listener))

    def _listener(self, name: str) -> Callable[..., None]:
        def count(*_args: object) -> None:
            self.counts[name] += 1

        return count

    def reset(self) -> None:
        """Start counting from zero."""
        self.counts.clear()

    def remove(self) -> None:
        """Stop counting."""
        for engine, listener in self._listeners:
            sa.event.remove(engine, "before_cursor_execute", listener)
