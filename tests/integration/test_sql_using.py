"""``core.using(connection)``: the library's calls inside the host's transaction (issue 17.1).

On SQLite, PostgreSQL and MariaDB: the host's rollback undoes the library's writes,
its commit keeps them; a failed library call keeps the host's earlier writes and
leaves its transaction usable; the row locks a call takes are the host's until it
ends; a conflict is raised at once, never retried; each call adds one SAVEPOINT
(and its RELEASE) and no connection checkout beyond the host's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from host_shop import CHEAP, Shop, open_shop
from sqlalchemy.orm import Session, registry

from customer_core import CustomerCore, DuplicateEmail, NotFound, ValidationError
from customer_core.errors import StorageConflict, StorageError
from customer_core.testing.contract._support import ADDRESS

PASSWORD = "correct horse"
ORDER = {"customer_id": 1, "status": "delivered", "total_amount": Decimal("10.00")}


@pytest.fixture
def shop(fresh_database_url: str) -> Iterator[Shop]:
    """A core with the host's orders and users tables on a fresh database."""
    with open_shop(fresh_database_url) as shop:
        yield shop


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"select count(*) from {table}")).scalar_one())


def _order(customer_id: int, order_id: int = 1) -> dict[str, object]:
    return {**ORDER, "id": order_id, "customer_id": customer_id}


def test_host_rollback_undoes_the_library_writes(shop: Shop) -> None:
    """Everything the library wrote inside the host's transaction goes when the host rolls back."""
    core, _, engine, host = shop
    with engine.connect() as connection, connection.begin() as transaction:
        joined = core.using(connection)
        ada = joined.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        joined.addresses.add(ada.id, **ADDRESS)
        joined.notes.add(ada.id, author_id=1, text="VIP")
        connection.execute(sa.insert(host.orders).values(_order(ada.id)))
        assert joined.ltv.recalculate(ada.id).lifetime_value == Decimal("10.00")
        transaction.rollback()
    for table in ("customers", "addresses", "customer_notes", "orders"):
        assert _count(engine, table) == 0, table


def test_a_connection_without_a_transaction_autobegins_one_for_the_host(shop: Shop) -> None:
    """Commit as you go: the first call begins the host's transaction (SQLAlchemy's
    autobegin, BEGIN IMMEDIATE on SQLite), which the host then rolls back or commits."""
    core, _, engine, _ = shop
    with engine.connect() as connection:
        joined = core.using(connection)
        joined.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        assert connection.in_transaction()
        connection.rollback()
        joined.customers.register(name="Bob", email="bob@example.com", password=PASSWORD)
        connection.commit()
    assert [hit.customer.email for hit in core.customers.search().items] == ["bob@example.com"]


def test_host_commit_keeps_the_library_writes(shop: Shop) -> None:
    """The library's writes commit with the host's own, and only then (no commit of its own)."""
    core, _, engine, host = shop
    with engine.connect() as connection, connection.begin():
        joined = core.using(connection)
        ada = joined.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        connection.execute(sa.insert(host.orders).values(_order(ada.id)))
        joined.ltv.recalculate(ada.id)
        if engine.dialect.name != "sqlite":  # SQLite: the host holds the write lock, readers wait
            assert core.customers.find_by_email("ada@example.com") is None
    assert core.customers.get(ada.id).lifetime_value == Decimal("10.00")


def _import_with_a_bad_record(core: CustomerCore[object]) -> None:
    # Batches of one: the good records are inserted before the bad one fails the call.
    records = [
        {"name": f"N{n}", "email": f"n{n}@example.com", "password_hash": "$2y$04$" + "." * 53}
        for n in range(30)
    ]
    core.customers.import_many([*records, {"name": "X", "email": "nope"}], batch_size=1)


FAILURES: dict[str, tuple[type[Exception], Callable[[CustomerCore[object]], object]]] = {
    "validation": (
        ValidationError,
        lambda c: c.customers.register(name="X", email="new@example.com", password="short"),
    ),
    "duplicate": (
        DuplicateEmail,
        lambda c: c.customers.register(name="X", email="ADA@example.com", password=PASSWORD),
    ),
    "not found": (NotFound, lambda c: c.customers.block(424_242)),
    "import after writes": (ValidationError, _import_with_a_bad_record),
}


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
def test_failed_call_keeps_host_writes_and_transaction(shop: Shop, failure: str) -> None:
    """A failed call undoes only itself: the host's and the library's earlier writes stay,
    and the host's transaction goes on (and commits)."""
    core, _, engine, host = shop
    error, call = FAILURES[failure]
    with engine.connect() as connection, connection.begin():
        joined = core.using(connection)
        ada = joined.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        connection.execute(sa.insert(host.orders).values(_order(ada.id)))
        with pytest.raises(error):
            call(joined)
        connection.execute(sa.insert(host.orders).values(_order(ada.id, order_id=2)))
        assert joined.ltv.recalculate(ada.id).lifetime_value == Decimal("20.00")
    assert _count(engine, "orders") == 2
    assert [hit.customer.email for hit in core.customers.search().items] == ["ada@example.com"]


def _lock_from(other: sa.Engine, customer_id: int) -> None:
    """Another client takes the customer's row lock without waiting (SQLite: the write lock)."""
    with other.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Plain pysqlite: its own BEGIN handling off, so that ours below is the one sent.
            connection.connection.dbapi_connection.isolation_level = None  # type: ignore[union-attr]
        _nowait_lock(connection, customer_id)
        connection.rollback()


def _nowait_lock(connection: sa.Connection, customer_id: int) -> None:
    """Take the customer's row lock without waiting (SQLite: the write lock)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("begin immediate")
        return
    connection.execute(
        sa.text("select id from customers where id = :id for update nowait"), {"id": customer_id}
    )


def test_locks_are_taken_in_the_host_transaction(shop: Shop, fresh_database_url: str) -> None:
    """The row lock of a library call is held until the host's transaction ends."""
    core, _, engine, _ = shop
    ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    # Another client, with no wait for locks (SQLite: no busy timeout).
    other = sa.create_engine(
        fresh_database_url, connect_args=_no_wait(engine), poolclass=sa.NullPool
    )
    try:
        with engine.connect() as connection, connection.begin():
            core.using(connection).customers.update(ada.id, name="Ada L.")
            with pytest.raises(sa.exc.OperationalError):
                _lock_from(other, ada.id)
        _lock_from(other, ada.id)  # released by the host's commit
    finally:
        other.dispose()


def _no_wait(engine: sa.Engine) -> dict[str, object]:
    return {"timeout": 0} if engine.dialect.name == "sqlite" else {}


def test_a_conflict_is_raised_at_once_and_the_host_goes_on(
    shop: Shop, fresh_database_url: str
) -> None:
    """A lock wait that times out inside the host's transaction is one StorageConflict (no
    retry: one SAVEPOINT), and the host's transaction is still usable after it."""
    core, _, engine, host = shop
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite: the host's transaction holds the write lock, no call can wait")
    ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    savepoints: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.upper().startswith("SAVEPOINT"):
            savepoints.append(statement)

    with engine.connect() as holder, holder.begin():
        _nowait_lock(holder, ada.id)
        with engine.connect() as connection, connection.begin():
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("set local lock_timeout = '200ms'")
            else:
                connection.exec_driver_sql("set session innodb_lock_wait_timeout = 1")
            connection.execute(sa.insert(host.orders).values(_order(ada.id)))
            sa.event.listen(connection, "before_cursor_execute", count)
            with pytest.raises(StorageConflict):
                core.using(connection).customers.block(ada.id)
            sa.event.remove(connection, "before_cursor_execute", count)
            assert len(savepoints) == 1
            assert connection.execute(sa.text("select count(*) from orders")).scalar_one() == 1


def _calls(core: CustomerCore[object], customer_id: int, name: str) -> None:
    core.customers.get(customer_id)
    core.customers.update(customer_id, name=name)  # a new name: an unchanged one writes nothing
    core.customers.block(customer_id)
    core.customers.unblock(customer_id)


def _opening(statement: str) -> bool:
    """A statement that opens a transaction of the library's own (SQLite, PostgreSQL)."""
    return statement.upper().startswith(("BEGIN", "SET"))


def test_each_call_adds_one_savepoint_and_no_checkout(shop: Shop) -> None:
    """Four calls run the same statements as in the library's own transactions, each
    between one SAVEPOINT and its RELEASE, and no connection but the host's is checked out."""
    core, _, engine, _ = shop
    ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    statements: list[str] = []
    checkouts: list[object] = []
    listen = sa.event.listen
    listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    _calls(core, ada.id, "Ada L.")
    own = [s for s in statements if not _opening(s)]
    with engine.connect() as connection, connection.begin():
        joined = core.using(connection)
        listen(engine.pool, "checkout", lambda *args: checkouts.append(args))
        statements.clear()
        _calls(joined, ada.id, "Ada M.")
        assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    kinds = [s.split()[0].upper() for s in statements]
    assert kinds.count("SAVEPOINT") == kinds.count("RELEASE") == 4
    assert [s for s in statements if s.split()[0].upper() not in ("SAVEPOINT", "RELEASE")] == own
    assert checkouts == []


def test_orm_session_joins_and_sees_pending_rows(shop: Shop) -> None:
    """On an ORM Session: the library sees the host's pending (unflushed) order, and the
    session's rollback undoes both; after a commit the same joined core goes on."""
    core, _, engine, host = shop

    class Order:
        def __init__(self, **values: object) -> None:
            self.__dict__.update(values)

    registry().map_imperatively(Order, host.orders)
    with Session(engine) as session:
        joined = core.using(session)
        ada = joined.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        session.add(Order(**_order(ada.id)))
        assert joined.ltv.recalculate(ada.id).lifetime_value == Decimal("10.00")
        session.rollback()
        assert _count(engine, "customers") == _count(engine, "orders") == 0
        bob = joined.customers.register(name="Bob", email="bob@example.com", password=PASSWORD)
        session.commit()
        joined.customers.block(bob.id)  # a new transaction, maybe on another connection
        session.commit()
    assert core.customers.get(bob.id).is_blocked


def test_using_needs_a_sql_core_and_a_connection(shop: Shop) -> None:
    """A memory core, or anything but a Connection/Session, is a TypeError naming the need."""
    core, _, engine, _ = shop
    with engine.connect() as connection, pytest.raises(TypeError, match="SQL storage"):
        CustomerCore.in_memory(password_hasher=CHEAP).using(connection)
    with pytest.raises(TypeError, match="Connection or ORM Session"):
        core.using(engine)  # type: ignore[arg-type]


def test_an_unprepared_engine_is_refused(shop: Shop, fresh_database_url: str) -> None:
    """On SQLite and MariaDB a connection the library did not set up is a ValidationError:
    SQLite's savepoints need its BEGIN handling (else RELEASE would commit)."""
    core, _, engine, _ = shop
    if engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL needs no per-connection set-up")
    plain = sa.create_engine(fresh_database_url, poolclass=sa.NullPool)
    try:
        with (
            plain.connect() as connection,
            connection.begin(),
            pytest.raises(ValidationError, match="connection"),
        ):
            core.using(connection)
    finally:
        plain.dispose()


def test_create_schema_is_refused_inside_the_host_transaction(shop: Shop) -> None:
    """DDL would commit the host's transaction on MariaDB: the joined core refuses it."""
    core, _, engine, _ = shop
    with (
        engine.connect() as connection,
        connection.begin(),
        pytest.raises(StorageError, match="create_schema"),
    ):
        core.using(connection).create_schema()


def test_on_primary_and_using_compose(shop: Shop) -> None:
    """``on_primary().using(c)`` joins the host's transaction, and ``using(c).on_primary()``
    is that same joined core: writes inside it are never retried on their own."""
    core, _, engine, _host = shop
    with engine.connect() as connection, connection.begin() as transaction:
        joined = core.on_primary().using(connection)
        assert joined.on_primary() is joined
        ada = joined.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        assert joined.on_primary().customers.get(ada.id) == ada
        transaction.rollback()
    assert _count(engine, "customers") == 0
