"""Throwaway databases filled fast: SQLite files, and a PostgreSQL server started like the tests'.

The PostgreSQL server is the test suite's own (``tests/servers.py``: a fresh
data directory, a Unix socket only, ``fsync=off``, ``synchronous_commit=off``,
``full_page_writes=off``, ``shared_buffers=32MB``), imported from that file;
``CUSTOMER_CORE_POSTGRES_URL`` points at a server someone else runs instead.

A long run can keep its data (``Backend(keep=DIRECTORY)``, the command line's
``--keep``): the server's data directory stays in DIRECTORY after the run, each
database is named after its label and sizes, and a later run with the same
DIRECTORY reuses every database whose load finished instead of loading it again
(the ``xl`` scale's load takes most of an hour), so a run can go in parts
(``--only``).

Loading is not what is measured: rows go in through the driver directly
(``COPY`` on PostgreSQL, one ``executemany`` per chunk in one transaction on
SQLite), then the planner statistics are refreshed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
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
#: Written into a kept database once its load has finished: the indexes it had then.
LOADED_MARKER = "bench_loaded"


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
    #: True when a kept database of an earlier run was reused instead of loaded.
    reused: bool = False

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
    #: Where the PostgreSQL server's data is kept between runs (None: thrown away).
    keep: Path | None = None

    def start(self) -> None:
        """Start the PostgreSQL server (a no-op for SQLite)."""
        if self.name == "postgres" and self.server is None:
            if self.keep is not None and not os.environ.get("CUSTOMER_CORE_POSTGRES_URL"):
                self.server = start_kept_postgres(self.keep)
            else:
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

    def new_url(self, label: str, name: str | None = None) -> str:
        """The URL of a new, empty database (on PostgreSQL: called ``name`` if given)."""
        if self.name == "sqlite":
            return f"sqlite:///{self.workdir / f'{label}.db'}"
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.start()
        name = name or f"bench_{label}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(self.server.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'drop database if exists "{name}" with (force)')
                connection.exec_driver_sql(f'create database "{name}"')
        finally:
            engine.dispose()
        if self.server.workdir is None and self.keep is None:  # someone else's: drop it after
            self.external_databases.append(name)
        # Not Server.url(): its template breaks on a socket URL (``?host=/tmp/...``).
        url = make_url(self.server.admin_url).set(database=name)
        return url.render_as_string(hide_password=False)

    def build(self, label: str, *, customers: int, orders: int) -> Database:
        """A new database with the library's schema, the host's tables and the rows loaded
        (or, with :attr:`keep`, the one an earlier run loaded, as it was after its load; a
        load an earlier run left unfinished goes on from its first table not loaded)."""
        kept = self._kept_name(label, customers, orders)
        database = None if kept is None else self._kept(kept, customers, orders)
        if database is not None and database.reused:
            return database
        if database is None:
            database = self._database(self.new_url(label, kept), customers, orders)
            database.core.create_schema()
            database.host.create(database.engine, user_ids=[1])
        self._load(database, resume=kept is not None)
        database.maintain()
        if kept is not None:
            _mark_loaded(database)
        self.made.append(database)
        return database

    def _load(self, database: Database, *, resume: bool) -> None:
        """The rows; with ``resume``, a table an earlier run filled is left as it is (each
        table is loaded in one transaction: it holds all its rows or none)."""
        engine, customers, orders = database.engine, database.customers, database.orders
        load = _copy if self.name == "postgres" else _executemany
        tables = (
            ("customers", CUSTOMER_COLUMNS, customers, _customer_values, (customers, self.name)),
            ("orders", ORDER_COLUMNS, orders, _order_values, (orders, customers, self.name)),
        )
        for table, columns, count, values, arguments in tables:
            if resume and _rows_in(engine, table) == count:
                print(f"  (kept {table}: {count:,} rows)", flush=True)
                continue
            if resume:
                with engine.begin() as connection:
                    connection.exec_driver_sql(f"truncate {table} cascade")
            load(engine, table, columns, values(*arguments))
        if self.name == "postgres":
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "select setval(pg_get_serial_sequence('customers', 'id'),"
                    " greatest((select max(id) from customers), 1))"
                )

    def _database(self, url: str, customers: int, orders: int) -> Database:
        from customer_core.adapters.sqlalchemy import engine_from_url
        from customer_core.testing.sql import HostTables

        engine = engine_from_url(url)
        host = HostTables.define()
        core = CustomerCore.from_engine(
            engine, orders=host.orders_spec, password_hasher=CHEAP_HASHER, clock=FixedClock()
        )
        return Database(self.name, url, engine, host, core, customers, orders)

    def _kept_name(self, label: str, customers: int, orders: int) -> str | None:
        """The kept database's name (None when nothing is kept: SQLite, or no :attr:`keep`)."""
        if self.keep is None or self.name != "postgres":
            return None
        return f"bench_{label}_{customers}_{orders}"

    def _kept(self, name: str, customers: int, orders: int) -> Database | None:
        """The kept database ``name``: put back as it was after its load if that finished
        (``reused``), as it is if its tables exist, None if there is none to go on with."""
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.start()
        engine = create_engine(self.server.admin_url)
        try:
            with engine.connect() as connection:
                found = connection.exec_driver_sql(
                    "select 1 from pg_database where datname = %(name)s", {"name": name}
                ).first()
        finally:
            engine.dispose()
        if found is None:
            return None
        url = make_url(self.server.admin_url).set(database=name)
        database = self._database(url.render_as_string(hide_password=False), customers, orders)
        state = _kept_state(database)
        if state == "loaded":
            _restore_loaded(database)
            database.reused = True
            self.made.append(database)
        elif state == "empty":  # made, but its schema may be unfinished: start again
            database.dispose()
            return None
        return database

    def close(self) -> None:
        """Dispose every engine; stop the server and delete the files (not the kept ones)."""
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


def start_kept_postgres(directory: Path) -> Any:
    """A PostgreSQL server on the data directory kept in ``directory``, as the tests' helper
    starts one: initialised on first use; afterwards started again on the same data, or
    found still running (a run killed before it could stop its server). Stopping it
    shuts it down cleanly and leaves the directory."""
    servers = _servers_module()
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, user=user)
    bindir = servers._postgres_bin()
    data = directory / "data"
    server = servers._postgres_server(bindir, None, directory, data, user)
    # A fast (clean) shutdown, not the tests' immediate one: the data is meant to be kept.
    server.stop_command = [*server.stop_command[:-2], "fast", "stop"]
    if not (data / "PG_VERSION").exists():
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres"]
        initdb += ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        servers._run(servers._as_server_user(initdb, user), "initdb")
    status = [str(bindir / "pg_ctl"), "-D", str(data), "status"]
    running = subprocess.run(
        servers._as_server_user(status, user), capture_output=True, check=False, timeout=60
    )
    if running.returncode != 0:
        servers._start(server, "PostgreSQL (kept data)")
    return server


def _mark_loaded(database: Database) -> None:
    """Record, in the kept database, that its load finished and which indexes it had."""
    with database.engine.begin() as connection:
        connection.exec_driver_sql(
            f"create table {LOADED_MARKER} as select indexname from pg_indexes"
            " where schemaname = 'public'"
        )


def _kept_state(database: Database) -> str:
    """``loaded`` (marked), ``tables`` (the host's tables made, rows maybe), or ``empty``."""
    with database.engine.connect() as connection:
        if connection.exec_driver_sql(f"select to_regclass('{LOADED_MARKER}')").scalar():
            return "loaded"
        # The host's tables come last (after the library's schema): with them, all is made.
        if connection.exec_driver_sql("select to_regclass('orders')").scalar():
            return "tables"
    return "empty"


def _rows_in(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(f"select count(*) from {table}").scalar_one())


def _restore_loaded(database: Database) -> None:
    """Put a kept database back as it was after its load: the indexes and rows an earlier
    run's workloads added are dropped (the ``lifetime_value`` an LTV run wrote stays, as
    in one whole run)."""
    with database.engine.begin() as connection:
        added = connection.exec_driver_sql(
            "select indexname from pg_indexes where schemaname = 'public'"
            f" and indexname not in (select indexname from {LOADED_MARKER})"
        ).scalars()
        for name in list(added):
            connection.exec_driver_sql(f'drop index if exists "{name}"')
        # The search workload installs it; the import's "performance indexes" depend on it.
        connection.exec_driver_sql("drop extension if exists pg_trgm")
        removed = connection.exec_driver_sql(
            f"delete from orders where id > {database.orders}"
        ).rowcount
        removed += connection.exec_driver_sql(
            f"delete from customers where id > {database.customers}"
        ).rowcount
    if removed:
        database.maintain()


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
