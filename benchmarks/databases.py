"""Throwaway databases filled fast: SQLite files, and a PostgreSQL server started like the tests'.

The PostgreSQL server is the test suite's own (``tests/servers.py``: a fresh
data directory, a Unix socket only, ``fsync=off``, ``synchronous_commit=off``,
``full_page_writes=off``, ``shared_buffers=32MB``), imported from that file;
``CUSTOMER_CORE_POSTGRES_URL`` points at a server someone else runs instead.

Loading is not what is measured: rows go in through the driver directly
(``COPY`` on PostgreSQL, one ``executemany`` per chunk in one transaction on
SQLite), then the planner statistics are refreshed.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from benchmarks.data import EPOCH, PASSWORD_HASH, customer_rows, order_rows
from benchmarks.timing import REPO
from customer_core import CustomerCore
from customer_core.passwords import Argon2Hasher

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from customer_core.adapters.sqlalchemy import OrdersTable
    from customer_core.testing.sql import HostTables

__all__ = ["CHEAP_HASHER", "NOW", "Backend", "Database", "FixedClock", "sqlite_time"]

#: The time every benchmark's clock shows: after every generated order.
NOW = EPOCH + timedelta(days=800)
#: Argon2id with the cheapest parameters, should anything be hashed (nothing measured is).
CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)
CHUNK = 50_000


class FixedClock:
    """A clock stopped at :data:`NOW`, so runs write the same rows."""

    def now(self) -> datetime:
        """Always :data:`NOW`."""
        return NOW


def sqlite_time(moment: datetime) -> str:
    """Laravel's ``'Y-m-d H:i:s'`` UTC text, as the library stores times in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _servers_module() -> ModuleType:
    """``tests/servers.py``, imported by path (the tests directory is not a package)."""
    name = "customer_core_test_servers"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "servers.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("tests/servers.py is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Database:
    """A filled database: its engine, the core over it and the host's orders table."""

    backend: str
    url: str
    engine: Engine
    host: HostTables
    core: CustomerCore[OrdersTable | None]
    customers: int
    orders: int

    @property
    def is_postgres(self) -> bool:
        """True on PostgreSQL."""
        return self.backend == "postgres"

    def maintain(self) -> None:
        """Reclaim dead rows and refresh statistics (PostgreSQL ``VACUUM ANALYZE``)."""
        if not self.is_postgres:
            with self.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
            return
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("VACUUM ANALYZE customers")
            connection.exec_driver_sql("VACUUM ANALYZE orders")

    def dispose(self) -> None:
        """Close the engine's connections."""
        self.engine.dispose()


@dataclass
class Backend:
    """Where databases are made: ``sqlite`` (files in a temporary directory) or ``postgres``."""

    name: str
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cc-bench-")))
    server: Any = None
    made: list[Database] = field(default_factory=list)
    external_databases: list[str] = field(default_factory=list)

    def start(self) -> None:
        """Start the PostgreSQL server (a no-op for SQLite)."""
        if self.name == "postgres" and self.server is None:
            self.server = _servers_module().start_postgres()

    def version(self) -> str | None:
        """The server's version line (None for SQLite)."""
        if self.server is None:
            return None
        from sqlalchemy import create_engine

        engine = create_engine(self.server.admin_url)
        try:
            with engine.connect() as connection:
                return str(connection.exec_driver_sql("select version()").scalar_one())
        finally:
            engine.dispose()

    def new_url(self, label: str) -> str:
        """The URL of a new, empty database."""
        if self.name == "sqlite":
            return f"sqlite:///{self.workdir / f'{label}.db'}"
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.start()
        name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(self.server.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'create database "{name}"')
        finally:
            engine.dispose()
        if self.server.workdir is None:  # someone else's server: drop what we made
            self.external_databases.append(name)
        # Not Server.url(): its template breaks on a socket URL (``?host=/tmp/...``).
        url = make_url(self.server.admin_url).set(database=name)
        return url.render_as_string(hide_password=False)

    def build(self, label: str, *, customers: int, orders: int) -> Database:
        """A new database with the library's schema, the host's tables and the rows loaded."""
        from customer_core.adapters.sqlalchemy import engine_from_url
        from customer_core.testing.sql import HostTables

        url = self.new_url(label)
        engine = engine_from_url(url)
        host = HostTables.define()
        core = CustomerCore.from_engine(
            engine, orders=host.orders_spec, password_hasher=CHEAP_HASHER, clock=FixedClock()
        )
        core.create_schema()
        host.create(engine, user_ids=[1])
        database = Database(self.name, url, engine, host, core, customers, orders)
        load = _copy if self.name == "postgres" else _executemany
        load(engine, "customers", CUSTOMER_COLUMNS, _customer_values(customers, self.name))
        load(engine, "orders", ORDER_COLUMNS, _order_values(orders, customers, self.name))
        if self.name == "postgres":
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "select setval(pg_get_serial_sequence('customers', 'id'),"
                    " greatest((select max(id) from customers), 1))"
                )
        database.maintain()
        self.made.append(database)
        return database

    def close(self) -> None:
        """Dispose every engine; stop the server and delete the files."""
        import shutil

        for database in self.made:
            database.dispose()
        if self.server is not None:
            if self.external_databases:
                self._drop_external()
            self.server.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _drop_external(self) -> None:
        from sqlalchemy import create_engine

        engine = create_engine(self.server.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for name in self.external_databases:
                    connection.exec_driver_sql(f'drop database if exists "{name}" with (force)')
        finally:
            engine.dispose()


CUSTOMER_COLUMNS = (
    "id, name, email, password, is_blocked, lifetime_value, total_orders, created_at, updated_at"
)
ORDER_COLUMNS = "id, customer_id, status, total_amount, created_at, updated_at"


def _time(moment: datetime, backend: str) -> object:
    return sqlite_time(moment) if backend == "sqlite" else moment.replace(tzinfo=None)


def _customer_values(count: int, backend: str) -> Iterable[tuple[object, ...]]:
    for row in customer_rows(count):
        created = _time(row.created_at, backend)
        blocked = int(row.is_blocked) if backend == "sqlite" else row.is_blocked
        amount = "0.00" if backend == "sqlite" else 0
        yield (row.id, row.name, row.email, PASSWORD_HASH, blocked, amount, 0, created, created)


def _order_values(count: int, customers: int, backend: str) -> Iterable[tuple[object, ...]]:
    for row in order_rows(count, customers):
        created = _time(row.created_at, backend)
        amount = str(row.total_amount) if backend == "sqlite" else row.total_amount
        yield (row.id, row.customer_id, row.status, amount, created, created)


def _copy(engine: Engine, table: str, columns: str, rows: Iterable[tuple[object, ...]]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` through psycopg."""
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        with (
            connection.cursor() as cursor,
            cursor.copy(f"copy {table} ({columns}) from stdin") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        connection.commit()
    finally:
        raw.close()


def _executemany(
    engine: Engine, table: str, columns: str, rows: Iterable[tuple[object, ...]]
) -> None:
    """SQLite: chunks of ``executemany`` inside one explicit transaction."""
    marks = ", ".join("?" for _ in columns.split(","))
    statement = f"insert into {table} ({columns}) values ({marks})"
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        connection.execute("begin")
        chunk: list[tuple[object, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                connection.executemany(statement, chunk)
                chunk.clear()
        connection.executemany(statement, chunk)
        connection.execute("commit")
    finally:
        raw.close()
