"""A host's engine in AUTOCOMMIT: every library transaction is still one READ COMMITTED
transaction (review finding 1), and nothing of it is left on the host's connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from host_shop import CHEAP

from customer_core import CustomerCore, ValidationError
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage
from customer_core.errors import StorageUnavailable

WAYS = ["create_engine", "execution_options"]


def _autocommit(url: str, way: str) -> tuple[sa.Engine, sa.Engine]:
    """(the AUTOCOMMIT engine, the engine that owns its pool) for one of the two spellings."""
    if way == "create_engine":
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
        return engine, engine
    base = sa.create_engine(url, pool_size=1, max_overflow=0)
    return base.execution_options(isolation_level="AUTOCOMMIT"), base


def _in_autocommit(connection: sa.Connection) -> bool:
    """Whether the driver's connection is in autocommit (``get_isolation_level`` asks the
    server for its level, which does not say)."""
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    return connection.dialect.detect_autocommit_setting(dbapi_connection)


@pytest.fixture(params=WAYS)
def engine(request: pytest.FixtureRequest, fresh_database_url: str) -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on a fresh database with the library's tables."""
    engine, base = _autocommit(fresh_database_url, request.param)
    SQLAlchemyStorage(engine).create_schema()
    yield engine
    base.dispose()


def test_a_refused_import_stores_nothing(engine: sa.Engine) -> None:
    """All or nothing holds: 10 good records in batches of 1, then a bad one, store none."""
    core = CustomerCore.from_engine(engine, password_hasher=CHEAP)
    good = CHEAP.hash("secret password")
    records = [
        {"name": f"N{i}", "email": f"n{i}@example.com", "password_hash": good} for i in range(10)
    ]
    records.append({"name": "bad", "email": "not an email", "password_hash": good})
    with pytest.raises(ValidationError):
        core.customers.import_many(records, batch_size=1)
    assert core.customers.search(per_page=1).total == 0


def test_a_transaction_reads_committed_and_holds_its_writes(
    engine: sa.Engine, backend: str
) -> None:
    """Inside a library transaction the connection is not in AUTOCOMMIT: a write is seen by
    another connection only after the commit, and a rolled-back write is gone."""
    storage = SQLAlchemyStorage(engine)
    insert = "insert into ac_probe values (1)"
    other = sa.create_engine(engine.url)
    with other.begin() as connection:
        connection.exec_driver_sql("create table ac_probe (n int)")
    count = "select count(*) from ac_probe"
    try:

        def write_then_fail() -> None:
            with storage.transaction() as tx:
                if backend != "sqlite":
                    assert tx.connection.get_isolation_level() == "READ COMMITTED"
                    assert not _in_autocommit(tx.connection)
                tx.connection.exec_driver_sql(insert)
                with other.connect() as peek:
                    assert peek.exec_driver_sql(count).scalar_one() == 0
                raise RuntimeError("roll back")

        with pytest.raises(RuntimeError):
            write_then_fail()
        with other.connect() as peek:
            assert peek.exec_driver_sql(count).scalar_one() == 0
    finally:
        other.dispose()


@pytest.mark.parametrize("backend", ["postgres", "mariadb"], indirect=True)
def test_the_host_keeps_autocommit(engine: sa.Engine) -> None:
    """After a library transaction the host's next use of the (one) pooled connection is
    AUTOCOMMIT again: the per-transaction level does not leak."""
    with SQLAlchemyStorage(engine).transaction() as tx:
        tx.customers.find(1)
    with engine.connect() as connection:
        assert _in_autocommit(connection)


@pytest.mark.parametrize("backend", ["postgres", "mariadb"], indirect=True)
def test_a_connection_lost_mid_transaction(
    engine: sa.Engine, fresh_database_url: str, backend: str
) -> None:
    """The server drops the connection mid-transaction: StorageUnavailable (no driver error
    from resetting the level), the pool gets its slot back and the next call works."""
    storage = SQLAlchemyStorage(engine)
    admin = sa.create_engine(fresh_database_url)
    try:

        def killed() -> None:
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

        with pytest.raises(StorageUnavailable):
            killed()
        assert engine.pool.checkedout() == 0
        with storage.transaction() as tx:
            assert tx.customers.find(1) is None
        with engine.connect() as connection:
            assert _in_autocommit(connection)
    finally:
        admin.dispose()
