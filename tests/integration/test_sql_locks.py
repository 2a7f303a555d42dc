"""Lock waits are bounded by ``lock_timeout`` and are ``StorageConflict`` on every database.

Another connection (a host's, or an operator's) holds a row lock or a table lock;
the library's call raises ``StorageConflict`` after about ``lock_timeout`` seconds
(issue 16.2, 16.3). The bounds are generous: this proves a bound, not a speed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from host_shop import CHEAP

from customer_core import CustomerCore, ValidationError
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage, engine_from_url
from customer_core.errors import StorageConflict
from sql_fixtures import BACKEND_PARAMS

LOCK_TIMEOUT = 1.0
#: Anything below this is "bounded"; the servers' own defaults are 50 s (InnoDB), forever
#: (PostgreSQL) and the 10 s default here, so a missing bound cannot pass.
BOUND = LOCK_TIMEOUT + 6.0


@pytest.fixture
def core(fresh_database_url: str) -> Iterator[CustomerCore[object]]:
    """A core with a 1 s lock_timeout on a fresh database, one customer registered."""
    core = CustomerCore.from_url(
        fresh_database_url, password_hasher=CHEAP, lock_timeout=LOCK_TIMEOUT
    )
    core.create_schema()
    core.customers.register(name="Ada", email="ada@example.com", password="correct horse")
    yield core
    core.storage.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def other(fresh_database_url: str) -> Iterator[sa.Engine]:
    """Another client's engine on the same database (SQLAlchemy's defaults)."""
    engine = sa.create_engine(fresh_database_url)
    yield engine
    engine.dispose()


def _ada(core: CustomerCore[object]) -> int:
    found = core.customers.find_by_email("ada@example.com")
    assert found is not None
    return found.id


def _conflict_within_bound(call: object) -> float:
    """Run ``call``; it must raise StorageConflict within BOUND seconds. Returns the wait."""
    assert callable(call)
    started = time.monotonic()
    with pytest.raises(StorageConflict):
        call()
    waited = time.monotonic() - started
    assert waited < BOUND, f"waited {waited:.1f} s for a lock_timeout of {LOCK_TIMEOUT} s"
    return waited


def _hold_row_lock(connection: sa.Connection, backend: str, customer_id: int) -> None:
    """Lock the customer's row (SQLite: the database's write lock) in the open transaction."""
    if backend == "sqlite":
        connection.exec_driver_sql("update customers set name = name")
    else:
        connection.execute(
            sa.text("select id from customers where id = :id for update"), {"id": customer_id}
        )


def test_a_held_row_lock_is_a_conflict_after_lock_timeout(
    core: CustomerCore[object], other: sa.Engine, backend: str
) -> None:
    """A write waiting for a row another connection holds raises StorageConflict."""
    ada = _ada(core)
    with other.connect() as connection, connection.begin():
        _hold_row_lock(connection, backend, ada)
        _conflict_within_bound(lambda: core.customers.update(ada, name="Ada L."))
    # Once the lock is gone, the same call succeeds (the failed call changed nothing).
    assert core.customers.get(ada).name == "Ada"
    assert core.customers.update(ada, name="Ada L.").name == "Ada L."


TABLE_LOCKS = {
    "postgres": ["lock table customers in access exclusive mode"],
    "mariadb": ["lock tables customers write"],
}


@pytest.mark.parametrize(
    "backend", [p for p in BACKEND_PARAMS if p.id in ("postgres", "mariadb")], indirect=True
)
def test_a_held_table_lock_is_a_conflict_after_lock_timeout(
    core: CustomerCore[object], other: sa.Engine, backend: str
) -> None:
    """A read waiting for a table another connection locked raises StorageConflict
    (PostgreSQL 55P03 lock_not_available; MariaDB 1205 through lock_wait_timeout)."""
    ada = _ada(core)
    with other.connect() as connection:
        transaction = connection.begin()
        for statement in TABLE_LOCKS[backend]:
            connection.exec_driver_sql(statement)
        try:
            _conflict_within_bound(lambda: core.customers.get(ada))
        finally:
            if backend == "mariadb":
                connection.exec_driver_sql("unlock tables")
            transaction.rollback()
    assert core.customers.get(ada).name == "Ada"


@pytest.mark.parametrize(
    "backend", [p for p in BACKEND_PARAMS if p.id in ("postgres",)], indirect=True
)
def test_a_statement_timeout_is_a_conflict(fresh_database_url: str, other: sa.Engine) -> None:
    """PostgreSQL 57014 from statement_timeout (here ending a lock wait) is StorageConflict."""
    engine = engine_from_url(
        fresh_database_url, connect_args={"options": "-c statement_timeout=800"}
    )
    try:
        core = CustomerCore.from_engine(engine, password_hasher=CHEAP, lock_timeout=None)
        core.create_schema()
        ada = core.customers.register(name="Ada", email="ada@example.com", password="pw" * 6)
        with other.connect() as connection, connection.begin():
            _hold_row_lock(connection, "postgres", ada.id)
            _conflict_within_bound(lambda: core.customers.update(ada.id, name="Ada L."))
    finally:
        engine.dispose()


def test_lock_timeout_is_applied_to_the_session_or_transaction(
    core: CustomerCore[object], backend: str
) -> None:
    """The database runs the library's transactions with the configured lock timeout."""
    storage = core.storage
    assert isinstance(storage, SQLAlchemyStorage)
    query = {
        "sqlite": "pragma busy_timeout",
        "postgres": "show lock_timeout",
        "mariadb": "select @@innodb_lock_wait_timeout, @@lock_wait_timeout",
    }[backend]
    with storage.transaction() as tx:
        row = tuple(tx.connection.exec_driver_sql(query).one())
    assert row == {"sqlite": (1000,), "postgres": ("1s",), "mariadb": (1, 1)}[backend]


@pytest.mark.parametrize(
    "backend", [p for p in BACKEND_PARAMS if p.id in ("sqlite",)], indirect=True
)
def test_the_default_lock_timeout_is_ten_seconds_and_none_keeps_the_driver_s(
    fresh_database_url: str,
) -> None:
    """The library's default lock_timeout is 10 s; None leaves the connection's own setting
    (pysqlite's 5 s busy timeout)."""
    engine = engine_from_url(fresh_database_url)
    try:
        storage = SQLAlchemyStorage(engine)
        assert storage.lock_timeout == 10.0
        with storage.transaction() as tx:
            assert tx.connection.exec_driver_sql("pragma busy_timeout").scalar_one() == 10_000
    finally:
        engine.dispose()
    engine = engine_from_url(fresh_database_url)
    try:
        storage = SQLAlchemyStorage(engine, lock_timeout=None)
        with storage.transaction() as tx:
            assert tx.connection.exec_driver_sql("pragma busy_timeout").scalar_one() == 5_000
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), True, "10", 86_401])
def test_a_bad_lock_timeout_is_a_validation_error(value: object) -> None:
    """lock_timeout must be a number of seconds above 0 and at most a day."""
    engine = sa.create_engine("sqlite://")
    with pytest.raises(ValidationError) as raised:
        SQLAlchemyStorage(engine, lock_timeout=value)  # type: ignore[arg-type]
    assert set(raised.value.errors) == {"lock_timeout"}


@pytest.mark.sqlite
@pytest.mark.sql
def test_sqlite_reads_take_no_write_lock(tmp_path: Path) -> None:
    """A read-only transaction reads beside a writer that holds the write lock (WAL), and
    a write waiting for that writer is StorageConflict (SQLITE_BUSY) after lock_timeout."""
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    core = CustomerCore.from_url(url, password_hasher=CHEAP, lock_timeout=LOCK_TIMEOUT)
    core.create_schema()
    ada = core.customers.register(name="Ada", email="ada@example.com", password="pw" * 6)
    storage = core.storage
    assert isinstance(storage, SQLAlchemyStorage)
    writer = sa.create_engine(url)
    try:
        with writer.connect() as connection:
            connection.exec_driver_sql("update customers set name = 'Writer'")  # holds the lock
            started = time.monotonic()
            with storage.transaction(read_only=True) as tx:
                found = tx.customers.find(ada.id)
            assert time.monotonic() - started < LOCK_TIMEOUT  # it did not wait for the lock
            assert found is not None
            assert found.name == "Ada"  # the last committed state
            _conflict_within_bound(lambda: core.customers.update(ada.id, name="Ada L."))
            connection.rollback()
    finally:
        writer.dispose()
        storage.engine.dispose()


@pytest.mark.sqlite
@pytest.mark.sql
@pytest.mark.parametrize("how", ["chmod", "mode=ro"])
def test_sqlite_read_only_file_serves_reads(tmp_path: Path, how: str) -> None:
    """A read-only SQLite file (chmod 444, or ``?mode=ro``) serves read-only transactions."""
    path = tmp_path / "ro.db"
    core = CustomerCore.from_url(f"sqlite:///{path}", password_hasher=CHEAP)
    core.create_schema()
    ada = core.customers.register(name="Ada", email="ada@example.com", password="pw" * 6)
    core.storage.engine.dispose()  # type: ignore[attr-defined]  # checkpoints the WAL
    if how == "chmod":
        path.chmod(0o444)
        url = f"sqlite:///{path}"
    else:
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = engine_from_url(url)
    try:
        storage = SQLAlchemyStorage(engine)
        with storage.transaction(read_only=True) as tx:
            found = tx.customers.find(ada.id)
        assert found is not None
        assert found.email == "ada@example.com"
    finally:
        engine.dispose()
        path.chmod(0o644)


def test_readers_do_not_queue_behind_a_locked_row(
    core: CustomerCore[object], other: sa.Engine, backend: str
) -> None:
    """Reads of a locked customer return at once on every database (no lock taken)."""
    ada = _ada(core)
    storage = core.storage
    result: list[object] = []
    with other.connect() as connection, connection.begin():
        _hold_row_lock(connection, backend, ada)

        def read() -> None:
            with storage.transaction(read_only=True) as tx:
                result.append(tx.customers.find(ada))

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=LOCK_TIMEOUT * 0.9)
        assert not reader.is_alive()
    assert result
    assert result[0] is not None


def test_what_lock_timeout_costs_per_transaction(core: CustomerCore[object], backend: str) -> None:
    """Nothing per transaction once the pooled connection is set up: PostgreSQL's session
    has it from the connection's start (libpq ``options``; a host's engine, below, pays a
    SET LOCAL), MariaDB's own counter of SET statements says so, SQLite's busy timeout is a
    per-connection pragma."""
    engine: sa.Engine = core.storage.engine  # type: ignore[attr-defined]
    ada = _ada(core)  # warms the pooled connection
    sets: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("SET", "PRAGMA")):
            sets.append(statement)

    def server_sets() -> int:
        if backend != "mariadb":
            return 0
        with engine.connect() as connection:
            row = connection.exec_driver_sql("show global status like 'Com_set_option'").one()
            return int(row[1])

    before = server_sets()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(5):
            core.customers.get(ada)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert sets == []
    assert server_sets() - before == 0
    if backend == "postgres":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("show lock_timeout").scalar_one() == "1s"


@pytest.mark.parametrize(
    "backend", [p for p in BACKEND_PARAMS if p.id in ("postgres",)], indirect=True
)
@pytest.mark.parametrize("own_engine", [True, False], ids=["from_url", "from_engine"])
def test_a_get_needs_a_transaction_block_only_on_a_hosts_engine(
    fresh_database_url: str, backend: str, own_engine: bool
) -> None:
    """A get is one statement: on the core's own engine (the session has the lock timeout) it
    runs without BEGIN/COMMIT; on a host's engine the core's timeout needs a SET LOCAL,
    so the read keeps its transaction block. Either way a held table lock ends it with
    StorageConflict (above)."""
    engine = engine_from_url(fresh_database_url)
    if own_engine:
        core = CustomerCore.from_url(
            fresh_database_url, password_hasher=CHEAP, lock_timeout=LOCK_TIMEOUT
        )
        engine.dispose()
        engine = core.storage.engine  # type: ignore[attr-defined]
    else:
        core = CustomerCore.from_engine(engine, password_hasher=CHEAP, lock_timeout=LOCK_TIMEOUT)
    try:
        core.create_schema()
        ada = core.customers.register(name="Ada", email="ada@example.com", password="pw" * 6)
        seen: list[tuple[str, bool]] = []

        def record(conn: sa.Connection, _cursor: object, statement: str, *_: object) -> None:
            driver = conn.connection.dbapi_connection
            seen.append((statement.split()[0].upper(), driver.info.transaction_status != 0))  # type: ignore[union-attr]

        sa.event.listen(engine, "after_cursor_execute", record)
        core.customers.get(ada.id)
        sa.event.remove(engine, "after_cursor_execute", record)
    finally:
        engine.dispose()
    # psycopg's transaction status 0 is IDLE: no transaction block open.
    assert seen == ([("SELECT", False)] if own_engine else [("SET", True), ("SELECT", True)])


@pytest.mark.sqlite
@pytest.mark.sql
def test_sqlite_locked_is_a_conflict() -> None:
    """SQLITE_LOCKED (a table another connection of a shared cache is writing) is
    StorageConflict, like SQLITE_BUSY: retrying may succeed."""
    name = f"file:locked{id(object())}?mode=memory&cache=shared&uri=true"
    core = CustomerCore.from_url(f"sqlite:///{name}", password_hasher=CHEAP)
    other = sa.create_engine(f"sqlite:///{name}", poolclass=sa.pool.StaticPool)
    try:
        core.create_schema()
        ada = core.customers.register(name="Ada", email="ada@example.com", password="pw" * 6)
        with other.connect() as connection:
            connection.exec_driver_sql("update customers set name = 'Other'")  # table lock
            with pytest.raises(StorageConflict):
                core.customers.get(ada.id)
            connection.rollback()
        assert core.customers.get(ada.id).name == "Ada"
    finally:
        other.dispose()
        core.storage.engine.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "backend", [p for p in BACKEND_PARAMS if p.id in ("postgres",)], indirect=True
)
def test_a_session_that_lost_its_lock_timeout_gets_it_per_transaction(
    core: CustomerCore[object], other: sa.Engine
) -> None:
    """A pooler may drop the connection's startup options (PgBouncer with
    ``ignore_startup_parameters = options``): the library notices, once per connection,
    and bounds the waits with ``SET LOCAL`` instead of reading in autocommit unbounded."""
    storage = core.storage
    assert isinstance(storage, SQLAlchemyStorage)
    ada = _ada(core)
    # statement_timeout only ends the wait the test makes if the lock_timeout is missing.
    unbounded = f"SET lock_timeout = 0; SET statement_timeout = {int((BOUND + 2) * 1000)}"

    def dropped(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(unbounded)
        cursor.close()
        dbapi_connection.commit()

    storage.engine.dispose()
    sa.event.listen(storage.engine, "connect", dropped)
    with other.connect() as connection:
        transaction = connection.begin()
        for statement in TABLE_LOCKS["postgres"]:
            connection.exec_driver_sql(statement)
        try:
            _conflict_within_bound(lambda: core.customers.get(ada))
        finally:
            transaction.rollback()
    assert core.customers.get(ada).name == "Ada"
