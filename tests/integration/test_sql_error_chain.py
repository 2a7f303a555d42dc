"""No library error keeps a SQLAlchemy or driver exception anywhere in its chain (issue 9.7),
and a host's engine is set up for the library whenever its connections were made (9.9).

The engines here are built with SQLAlchemy's defaults (no ``hide_parameters``), as a host's
would be: then an error's text carries the statement's parameters, so it must not be reachable.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from threading import Barrier

import pytest
import sqlalchemy as sa
from host_shop import CHEAP
from threads import run_threads

from customer_core import CustomerCore, DuplicateEmail, StorageError
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage
from customer_core.adapters.sqlalchemy._errors import DriverError
from customer_core.errors import CustomerCoreError, StorageConflict, StorageUnavailable
from customer_core.ports import NewCustomer

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
SECRET_HASH = "$2y$12$" + "." * 22 + "SECRETHASH" * 3 + "a"
DRIVER_MODULES = ("sqlalchemy", "sqlite3", "psycopg", "pymysql")
BREAK_INSERTS = {
    "sqlite": "create trigger no_insert before insert on customers"
    " begin select raise(abort, 'refused'); end",
    "postgres": "alter table customers add column tenant_id integer not null",
    "mariadb": "alter table customers add column tenant_id integer not null",
}


def _new(email: str) -> NewCustomer:
    return NewCustomer(
        name="Ada", email=email, password_hash=SECRET_HASH, phone=None, avatar=None,
        is_blocked=False, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _chain(error: BaseException) -> list[BaseException]:
    """Every exception reachable through __cause__ and __context__, recursively."""
    seen: list[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    return seen


def assert_clean(error: BaseException) -> None:
    """No SQLAlchemy/driver exception in the chain; no parameter in the formatted traceback."""
    for linked in _chain(error):
        module = type(linked).__module__.split(".")[0]
        assert module not in DRIVER_MODULES, f"{linked!r} in the chain of {error!r}"
        assert isinstance(linked, CustomerCoreError | DriverError), repr(linked)
    text = "".join(traceback.format_exception(error))
    assert "SECRETHASH" not in text, text
    assert "DriverError" in text  # the driver's error is still named


@pytest.fixture
def host_engine(fresh_database_url: str) -> Iterator[sa.Engine]:
    """A host's engine with SQLAlchemy's defaults, the library's tables created."""
    engine = sa.create_engine(fresh_database_url)
    SQLAlchemyStorage(engine).create_schema()
    yield engine
    engine.dispose()


def _raised(call: Callable[[], object], kind: type[CustomerCoreError]) -> CustomerCoreError:
    with pytest.raises(kind) as raised:
        call()
    return raised.value


def test_a_failing_statement_leaves_no_driver_exception(
    host_engine: sa.Engine, backend: str
) -> None:
    """A refused insert, one and bulk: a StorageError whose chain holds no driver error."""
    with host_engine.begin() as connection:
        connection.exec_driver_sql(BREAK_INSERTS[backend])
    storage = SQLAlchemyStorage(host_engine)
    core = CustomerCore.from_engine(host_engine, password_hasher=CHEAP)

    def one() -> None:
        with storage.transaction() as tx:
            tx.customers.add(_new("ada@example.com"))

    def bulk() -> None:
        core.customers.import_many(
            [{"name": "Bo", "email": "bo@example.com", "password_hash": SECRET_HASH}]
        )

    assert_clean(_raised(one, StorageError))
    assert_clean(_raised(bulk, StorageError))


def test_a_lost_unique_race_leaves_no_driver_exception(
    host_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuplicateEmail raised while handling the IntegrityError: its context is cleared."""
    storage = SQLAlchemyStorage(host_engine)
    with storage.transaction() as tx:
        tx.customers.add(_new("ada@example.com"))

    def racing() -> None:
        with storage.transaction() as tx:
            # The probe misses the row, as it would for a writer that committed just after it.
            monkeypatch.setattr(tx.customers, "_refuse_taken", lambda email: None)
            tx.customers.add(_new("ada@example.com"))

    assert_clean(_raised(racing, DuplicateEmail))


def test_a_lock_timeout_leaves_no_driver_exception(host_engine: sa.Engine, backend: str) -> None:
    """StorageConflict from a lock wait: no driver exception in its chain."""
    storage = SQLAlchemyStorage(host_engine, lock_timeout=0.5)
    with storage.transaction() as tx:
        ada = tx.customers.add(_new("ada@example.com")).id
    other = sa.create_engine(host_engine.url)
    try:
        with other.connect() as connection, connection.begin():
            if backend == "sqlite":
                connection.exec_driver_sql("update customers set name = name")
            else:
                connection.exec_driver_sql(f"select id from customers where id = {ada} for update")

            def locked() -> None:
                with storage.transaction() as tx:
                    tx.customers.lock(ada)

            assert_clean(_raised(locked, StorageConflict))
    finally:
        other.dispose()


UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-dir/x/db.sqlite",
    "postgres": "postgresql+psycopg://postgres@/db?host=/nonexistent-dir",
    "mariadb": "mysql+pymysql://root@localhost/db?unix_socket=/nonexistent-dir/sock",
}


def test_an_unreachable_database_leaves_no_driver_exception(backend: str) -> None:
    """StorageUnavailable on connect: no driver exception in its chain."""
    engine = sa.create_engine(UNREACHABLE[backend])
    try:
        core = CustomerCore.from_engine(engine, users_table=None)
        assert_clean(_raised(lambda: core.customers.get(1), StorageUnavailable))
    finally:
        engine.dispose()


def test_the_driver_error_has_no_chain_of_its_own(host_engine: sa.Engine, backend: str) -> None:
    """The DriverError cause names the driver's error but links to nothing."""
    with host_engine.begin() as connection:
        connection.exec_driver_sql(BREAK_INSERTS[backend])
    storage = SQLAlchemyStorage(host_engine)

    def one() -> None:
        with storage.transaction() as tx:
            tx.customers.add(_new("ada@example.com"))

    error = _raised(one, StorageError)
    cause = error.__cause__
    assert isinstance(cause, DriverError)
    assert cause.__cause__ is None
    assert cause.__context__ is None
    assert error.__context__ is None


# --- 9.9: engines whose pool already holds connections ---------------------------------


@pytest.mark.sqlite
@pytest.mark.sql
def test_a_warmed_static_pool_is_set_up() -> None:
    """``sqlite://`` with a StaticPool the host used before: cc_lower and foreign keys exist."""
    engine = sa.create_engine(
        "sqlite://", poolclass=sa.pool.StaticPool, connect_args={"check_same_thread": False}
    )
    try:
        with engine.connect() as connection:  # the host warms the one connection
            connection.exec_driver_sql("select 1")
        core = CustomerCore.from_engine(engine, password_hasher=CHEAP)
        core.create_schema()
        core.customers.register(name="Ärger", email="arger@example.com", password="pw" * 6)
        assert [c.customer.name for c in core.customers.search("ärg").items] == ["Ärger"]
        with engine.connect() as connection:
            assert connection.exec_driver_sql("pragma foreign_keys").scalar_one() == 1
    finally:
        engine.dispose()


SESSION_SETTING = {
    "sqlite": ("select cc_lower('ÄB')", "äb"),
    "postgres": ("select 1", 1),
    "mariadb": ("select @@session.time_zone", "+00:00"),
}


def test_a_warmed_queue_pool_is_set_up(fresh_database_url: str, backend: str) -> None:
    """Every connection of a pool the host filled before ``from_engine`` is set up on use."""
    engine = sa.create_engine(fresh_database_url, pool_size=4, max_overflow=0)
    try:
        connections = [engine.connect() for _ in range(4)]  # the host warms the whole pool
        for connection in connections:
            connection.exec_driver_sql("select 1")
            connection.close()
        core = CustomerCore.from_engine(engine, password_hasher=CHEAP)
        core.create_schema()
        core.customers.register(name="Ärger", email="arger@example.com", password="pw" * 6)
        storage = core.storage
        assert isinstance(storage, SQLAlchemyStorage)
        query, expected = SESSION_SETTING[backend]
        seen: list[object] = []
        barrier = Barrier(4)

        def use() -> None:
            with storage.transaction(read_only=True) as tx:
                barrier.wait(timeout=10)  # four at once: every pooled connection is used
                seen.append(tx.connection.exec_driver_sql(query).scalar_one())
                found = tx.customers.find_by_email("arger@example.com")
                seen.append(found is not None and found.name)

        run_threads(lambda _: use(), 4)
        assert sorted(map(str, seen)) == sorted(map(str, [expected, "Ärger"] * 4))
        assert [c.customer.name for c in core.customers.search("ärg").items] == ["Ärger"]
    finally:
        engine.dispose()


def test_a_host_engine_keeps_its_isolation(fresh_database_url: str, backend: str) -> None:
    """On a host's REPEATABLE READ engine the library's transactions run READ COMMITTED (a
    second read sees a row committed after the first), and the host's own transactions on
    the same pooled connection keep REPEATABLE READ (nothing of the library's is left)."""
    if backend == "sqlite":
        pytest.skip("SQLite has no isolation levels to keep")
    engine = sa.create_engine(
        fresh_database_url, isolation_level="REPEATABLE READ", pool_size=1, max_overflow=0
    )
    other = sa.create_engine(fresh_database_url)
    count = "select count(*) from customers"
    try:
        storage = SQLAlchemyStorage(engine)
        storage.create_schema()

        def insert(email: str) -> None:
            with other.begin() as connection:
                connection.execute(
                    sa.insert(storage.tables.customers).values(
                        name="X", email=email, password=SECRET_HASH, is_blocked=False,
                        lifetime_value=0, total_orders=0, created_at=NOW, updated_at=NOW,
                    ),
                )  # fmt: skip

        with storage.transaction() as tx:
            before = tx.connection.exec_driver_sql(count).scalar_one()
            insert("one@example.com")
            library_sees = tx.connection.exec_driver_sql(count).scalar_one() - before
        with engine.connect() as connection, connection.begin():
            before = connection.exec_driver_sql(count).scalar_one()
            insert("two@example.com")
            host_sees = connection.exec_driver_sql(count).scalar_one() - before
        assert (library_sees, host_sees) == (1, 0)
    finally:
        engine.dispose()
        other.dispose()
