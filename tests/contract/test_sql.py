"""The adapter contract suite on the SQLAlchemy adapter: SQLite, PostgreSQL and MariaDB.

Every test gets an empty store on the session database of its backend: the
library's tables and the host's orders are emptied (DELETE, cheaper than DDL),
the host's ``users`` table keeps the admin user ``1`` that writes notes.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage
from customer_core.testing import FrozenClock, Harness, contract
from customer_core.testing.sql import HostTables, SQLOrderRecorder

# Cheap parameters keep the suite fast; the contract never depends on them.
CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
AUTHOR_ID = 1
UNKNOWN_AUTHOR_ID = 424_242


@pytest.fixture(scope="session")
def host_schema(sql_engine: sa.Engine) -> HostTables:
    """The library's tables plus the host's orders and users, created once per backend."""
    host = HostTables.define()
    host.create(sql_engine, user_ids=[AUTHOR_ID])
    SQLAlchemyStorage(sql_engine).create_schema()
    return host


def empty_tables(engine: sa.Engine, host: HostTables) -> None:
    """Delete every row the previous test left (children first), keeping the users."""
    with engine.begin() as connection:
        for name in ("customer_notes", "addresses", "customers", host.orders.name):
            connection.execute(sa.text(f"delete from {name}"))


@pytest.fixture
def harness(sql_engine: sa.Engine, host_schema: HostTables) -> Harness:
    """A core on an emptied SQL database with a frozen clock and the host's orders table."""
    empty_tables(sql_engine, host_schema)
    clock = FrozenClock()
    core = CustomerCore.from_engine(
        sql_engine, orders=host_schema.orders_spec, clock=clock, password_hasher=CHEAP_HASHER
    )
    recorder = SQLOrderRecorder(sql_engine, host_schema, clock=clock)
    return Harness(
        core=core,
        orders=recorder,
        clock=clock,
        author_id=AUTHOR_ID,
        unknown_author_id=UNKNOWN_AUTHOR_ID,
    )


class TestRegistry(contract.RegistryContract):
    pass


class TestRegistryValidation(contract.RegistryValidationContract):
    pass


class TestAuthentication(contract.AuthenticationContract):
    pass


class TestSearch(contract.SearchContract):
    pass


class TestAddressBook(contract.AddressBookContract):
    pass


class TestNotes(contract.NotesContract):
    pass


class TestLifetimeValue(contract.LifetimeValueContract):
    pass


class TestEvents(contract.EventsContract):
    pass


class TestImport(contract.ImportContract):
    pass


class TestFailureAtomicity(contract.FailureAtomicityContract):
    pass
