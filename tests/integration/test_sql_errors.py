"""Driver errors become the library's errors; no driver exception ever reaches the caller."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from laravel_ddl import build_laravel_database

from customer_core import CustomerCore, DuplicateEmail, StorageError, ValidationError
from customer_core.adapters.sqlalchemy import OrdersTable, SQLAlchemyStorage, engine_from_url
from customer_core.errors import StorageConflict, StorageUnavailable
from customer_core.ports import NewCustomer
from customer_core.testing import FrozenClock

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _new(email: str, name: str = "Ada", password_hash: str = "$argon2id$x") -> NewCustomer:
    return NewCustomer(
        name=name, email=email, password_hash=password_hash, phone=None, avatar=None,
        is_blocked=False, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


@pytest.fixture
def storage(fresh_database_url: str) -> Iterator[SQLAlchemyStorage]:
    """A storage with the library's tables on a fresh database."""
    engine = engine_from_url(fresh_database_url)
    storage = SQLAlchemyStorage(engine)
    storage.create_schema()
    yield storage
    engine.dispose()


UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-dir/x/db.sqlite",
    "postgres": "postgresql+psycopg://postgres@/db?host=/nonexistent-dir",
    "mariadb": "mysql+pymysql://root@localhost/db?unix_socket=/nonexistent-dir/sock",
}


def test_unreachable_database_is_storage_unavailable(backend: str) -> None:
    """A database that cannot be reached raises StorageUnavailable, not a driver error."""
    core = CustomerCore.from_url(UNREACHABLE[backend])
    with pytest.raises(StorageUnavailable):
        core.customers.get(1)


def _kill_own_connection(storage: SQLAlchemyStorage, admin: sa.Engine, backend: str) -> None:
    """Kill the transaction's server connection from another one, then use it."""
    with storage.transaction() as tx:
        if backend == "postgres":
            pid = tx.connection.exec_driver_sql("select pg_backend_pid()").scalar_one()
            kill = f"select pg_terminate_backend({pid})"
        else:
            pid = tx.connection.exec_driver_sql("select connection_id()").scalar_one()
            kill = f"kill {pid}"
        with admin.connect() as other:
            other.exec_driver_sql(kill)
        tx.customers.find(1)


@pytest.mark.parametrize("backend", ["postgres", "mariadb"], indirect=True)
def test_connection_lost_mid_transaction_is_storage_unavailable(
    storage: SQLAlchemyStorage, fresh_database_url: str, backend: str
) -> None:
    """A connection the server drops in the middle of a call raises StorageUnavailable."""
    admin = engine_from_url(fresh_database_url)
    try:
        with pytest.raises(StorageUnavailable):
            _kill_own_connection(storage, admin, backend)
        # The pool recovers: the next call works on a new connection.
        with storage.transaction() as tx:
            assert tx.customers.count() == 0
    finally:
        admin.dispose()


def test_unique_key_race_is_duplicate_email(
    storage: SQLAlchemyStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An insert that loses the race to the unique key raises DuplicateEmail, and rolls back."""
    with storage.transaction() as tx:
        tx.customers.add(_new("ada@example.com"))

    def racing_insert() -> None:
        with storage.transaction() as tx:
            tx.customers.add(_new("first@example.com"))
            # Pretend the duplicate check ran before the other insert committed.
            monkeypatch.setattr(tx.customers, "_refuse_taken", lambda email, owner=None: None)
            tx.customers.add(_new("ada@example.com"))

    with pytest.raises(DuplicateEmail):
        racing_insert()
    with storage.transaction() as tx:
        assert tx.customers.count() == 1


def test_too_long_values_name_the_field(storage: SQLAlchemyStorage) -> None:
    """A value longer than its column is a ValidationError naming the field, on every dialect."""
    with pytest.raises(ValidationError) as raised, storage.transaction() as tx:
        tx.customers.add(_new("ada@example.com", name="x" * 256))
    assert set(raised.value.errors) == {"name"}
    with storage.transaction() as tx:
        assert tx.customers.count() == 0


@pytest.mark.parametrize("backend", ["mariadb"], indirect=True)
def test_laravel_text_column_overflow_is_validation_error(
    fresh_database_url: str, backend: str
) -> None:
    """On a Laravel ``text`` note column, MySQL's "data too long" becomes a ValidationError."""
    engine = engine_from_url(fresh_database_url)
    try:
        build_laravel_database(engine, backend)
        with engine.begin() as c:
            c.exec_driver_sql(
                "insert into users (id, name, email, password) values (1,'A','a@b.c','x')"
            )
        core = CustomerCore.from_engine(engine, orders=OrdersTable("orders"), clock=FrozenClock())
        core.create_schema()  # the library's customer_events next to Laravel's tables
        ada = core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
        with pytest.raises(ValidationError) as raised:
            core.notes.add(ada.id, author_id=1, text="é" * 40_000)  # 80 000 bytes
        assert set(raised.value.errors) == {"text"}
        assert core.notes.list(ada.id) == []
    finally:
        engine.dispose()


def test_other_driver_errors_are_storage_errors(fresh_database_url: str) -> None:
    """A misconfigured orders table (missing) is a StorageError, and the call changes nothing."""
    engine = engine_from_url(fresh_database_url)
    try:
        core = CustomerCore.from_engine(engine, orders=OrdersTable("no_such_orders"))
        core.create_schema()
        ada = core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
        with pytest.raises(StorageError):
            core.ltv.recalculate(ada.id)
        with pytest.raises(StorageError):
            core.customers.search()
        assert core.customers.get(ada.id) == ada
    finally:
        engine.dispose()


def test_exception_in_transaction_rolls_back(storage: SQLAlchemyStorage) -> None:
    """Any exception inside a transaction leaves nothing written."""

    def failing_call() -> None:
        with storage.transaction() as tx:
            tx.customers.add(_new("ada@example.com"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_call()
    with storage.transaction() as tx:
        assert tx.customers.find_by_email("ada@example.com") is None


def test_sqlite_connections_enforce_foreign_keys(tmp_path: Path) -> None:
    """Every SQLite connection of the library's engines runs with foreign keys on."""
    engine = engine_from_url(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        with engine.connect() as c:
            assert c.exec_driver_sql("pragma foreign_keys").scalar_one() == 1
            assert c.exec_driver_sql("pragma journal_mode").scalar_one() == "wal"
            assert c.exec_driver_sql("select cc_lower('ÄÖÜ')").scalar_one() == "äöü"
    finally:
        engine.dispose()


SECRET_HASH = "$2y$12$" + "." * 22 + "SECRETHASH" * 3 + "a"
#: A host's schema change every insert of the library breaks: a NOT NULL column without a
#: default (PostgreSQL's error then lists the failing row, hash included, in its DETAIL).
#: SQLite cannot add one; a trigger refuses the insert there.
BREAK_INSERTS = {
    "sqlite": "create trigger no_insert before insert on customers"
    " begin select raise(abort, 'refused'); end",
    "postgres": "alter table customers add column tenant_id integer not null",
    "mariadb": "alter table customers add column tenant_id integer not null",
}


def test_a_failing_insert_shows_no_hash_in_its_traceback(
    fresh_database_url: str, backend: str
) -> None:
    """The whole formatted traceback of a failed insert, chained causes included, holds no
    password hash: not even on a host's engine without ``hide_parameters`` (``from_engine``)."""
    host_engine = sa.create_engine(fresh_database_url)  # SQLAlchemy's defaults, not the library's
    try:
        storage = SQLAlchemyStorage(host_engine)
        storage.create_schema()
        with host_engine.begin() as c:
            c.exec_driver_sql(BREAK_INSERTS[backend])
        core = CustomerCore.from_engine(host_engine)

        def one_insert() -> None:
            with storage.transaction() as tx:
                tx.customers.add(_new("ada@example.com", password_hash=SECRET_HASH))

        def bulk_insert() -> None:
            core.customers.import_many(
                [{"name": "Bo", "email": "bo@example.com", "password_hash": SECRET_HASH}]
            )

        for insert in (one_insert, bulk_insert):
            with pytest.raises(StorageError) as raised:
                insert()
            text = "".join(traceback.format_exception(raised.value))
            assert "SECRETHASH" not in text, text
            assert raised.value.__cause__ is not None  # the driver's error is still named
            assert type(raised.value.__cause__).__name__ == "DriverError"
    finally:
        host_engine.dispose()


@pytest.mark.parametrize("backend", ["postgres", "mariadb"], indirect=True)
def test_a_deadlock_is_storage_conflict(
    storage: SQLAlchemyStorage, fresh_database_url: str, backend: str
) -> None:
    """A transaction of the library that loses a deadlock raises StorageConflict.

    The other side updates a row (so that InnoDB, which rolls back the transaction
    that changed fewer rows, and PostgreSQL, where the first waiter finds the cycle,
    both pick the library's).
    """
    with storage.transaction() as tx:
        first = tx.customers.add(_new("one@example.com")).id
        second = tx.customers.add(_new("two@example.com")).id
    other_engine = sa.create_engine(fresh_database_url)
    touch = sa.text("update customers set name = 'Other' where id = :id")
    failures: list[BaseException] = []
    waiting = threading.Event()

    def library() -> None:
        try:
            with storage.transaction() as tx:
                tx.customers.lock(first)
                waiting.set()
                tx.customers.lock(second)  # held by the other transaction
        except BaseException as error:  # checked in the test's thread
            failures.append(error)

    worker = threading.Thread(target=library)
    try:
        with other_engine.connect() as other, other.begin():
            other.execute(touch, {"id": second})
            worker.start()
            assert waiting.wait(timeout=10)
            time.sleep(0.3)  # the library is waiting for the second row
            other.execute(touch, {"id": first})  # closes the cycle
        worker.join(timeout=30)
    finally:
        other_engine.dispose()
    assert len(failures) == 1, failures
    assert isinstance(failures[0], StorageConflict), failures


@pytest.mark.parametrize("backend", ["mariadb"], indirect=True)
def test_a_statement_timeout_is_storage_conflict_on_mariadb(
    fresh_database_url: str, backend: str
) -> None:
    """MariaDB's ``max_statement_time`` ending a lock wait (1969) is a StorageConflict, as
    PostgreSQL's ``statement_timeout`` (57014): one meaning, one class."""
    engine = engine_from_url(
        fresh_database_url, connect_args={"init_command": "SET SESSION max_statement_time=0.5"}
    )
    other = sa.create_engine(fresh_database_url)
    try:
        storage = SQLAlchemyStorage(engine, lock_timeout=None)
        storage.create_schema()
        with storage.transaction() as tx:
            ada = tx.customers.add(_new("ada@example.com")).id

        def wait_for_the_lock() -> None:
            with storage.transaction() as tx:
                tx.customers.lock(ada)

        with other.connect() as holder, holder.begin():
            holder.exec_driver_sql(f"select id from customers where id = {ada} for update").all()
            with pytest.raises(StorageConflict):
                wait_for_the_lock()
    finally:
        engine.dispose()
        other.dispose()


@pytest.mark.parametrize("backend", ["mariadb"], indirect=True)
def test_max_user_connections_is_storage_unavailable(fresh_database_url: str, backend: str) -> None:
    """A user over its ``max_user_connections`` (1226) is StorageUnavailable, as a server
    over ``max_connections`` (1040)."""
    url = sa.make_url(fresh_database_url)
    user = f"lim{int(time.time() * 1000) % 10**8}"
    admin = sa.create_engine(fresh_database_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(
            f"create user {user}@localhost identified by '' with max_user_connections 1"
        )
        connection.exec_driver_sql(f"grant all on `{url.database}`.* to {user}@localhost")
    limited = url.set(username=user, password="").render_as_string(hide_password=False)
    engine = engine_from_url(limited)
    holder = sa.create_engine(limited)
    try:
        storage = SQLAlchemyStorage(engine)
        storage.create_schema()
        engine.dispose()
        with holder.connect() as held:
            held.exec_driver_sql("select 1").all()
            with pytest.raises(StorageUnavailable), storage.transaction() as tx:
                tx.customers.count()
    finally:
        engine.dispose()
        holder.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"drop user {user}@localhost")
        admin.dispose()
