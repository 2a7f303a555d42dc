"""The adapter contract suite on the SQLAlchemy adapter: SQLite, PostgreSQL and MariaDB.

Every test gets an empty store on the session database of its backend: the
library's tables and the host's orders are emptied (DELETE, cheaper than DDL),
the host's ``users`` table keeps the admin user ``1`` that writes notes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import cast

import attrs
import pytest
import sqlalchemy as sa
from hypothesis.stateful import run_state_machine_as_test

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage
from customer_core.testing import FrozenClock, Harness, contract
from customer_core.testing.sql import HostTables, SQLOrderRecorder, database_text
from customer_core.testing.stateful import (
    DEFAULT_SETTINGS,
    make_agreement_machine,
    make_invariant_machine,
)

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


def empty_tables(engine: sa.Engine, host: HostTables, *, restart_ids: bool = False) -> None:
    """Delete every row the previous test left (children first), keeping the users.

    ``restart_ids`` also makes the next ids 1 again, as in a new database (the
    agreement machine compares ids with the in-memory adapter's).
    """
    tables = (
        "customer_events",
        "customer_password_reset_tokens",
        "customer_notes",
        "addresses",
        "customers",
        host.orders.name,
    )
    with engine.begin() as connection:
        if restart_ids and engine.dialect.name == "postgresql":
            connection.execute(sa.text(f"truncate {', '.join(tables)} restart identity"))
            return
        for name in tables:
            connection.execute(sa.text(f"delete from {name}"))
        if restart_ids and engine.dialect.name == "mysql":
            for name in tables:
                connection.execute(sa.text(f"alter table {name} auto_increment = 1"))
        if restart_ids and engine.dialect.name == "sqlite":
            connection.execute(sa.text("delete from sqlite_sequence"))


def sql_harness(engine: sa.Engine, host: HostTables, *, restart_ids: bool = False) -> Harness:
    """A core on an emptied SQL database with a frozen clock and the host's orders table."""
    empty_tables(engine, host, restart_ids=restart_ids)
    clock = FrozenClock()
    core = CustomerCore.from_engine(
        engine, orders=host.orders_spec, clock=clock, password_hasher=CHEAP_HASHER
    )
    recorder = SQLOrderRecorder(engine, host, clock=clock)
    return Harness(
        core=core,
        orders=recorder,
        clock=clock,
        author_id=AUTHOR_ID,
        unknown_author_id=UNKNOWN_AUTHOR_ID,
        stored_text=partial(database_text, engine),
    )


@contextmanager
def joined_harness(engine: sa.Engine, host: HostTables) -> Iterator[Harness]:
    """``sql_harness``, its core joined to a host's transaction (``core.using``).

    The host's orders are written on the same connection (each in a savepoint),
    as a host would in its own transaction; the transaction commits after the test.
    """
    own = sql_harness(engine, host)
    with engine.connect() as connection, connection.begin():
        recorder = SQLOrderRecorder(
            cast(sa.Engine, _InTransaction(connection)), host, clock=own.clock
        )
        yield attrs.evolve(
            own,
            core=own.core.using(connection),
            orders=recorder,
            stored_text=partial(database_text, connection),
        )


class _InTransaction:
    """Stands in for the engine of :class:`SQLOrderRecorder`: its ``begin()`` is a savepoint."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        with self._connection.begin_nested():
            yield self._connection


@pytest.fixture(params=["own", "using"])
def harness(
    request: pytest.FixtureRequest, sql_engine: sa.Engine, host_schema: HostTables
) -> Iterator[Harness]:
    """A fresh SQL harness for each contract test: the core's own transactions, and
    ``core.using(connection)`` inside a host's transaction."""
    if request.param == "own":
        yield sql_harness(sql_engine, host_schema)
        return
    with joined_harness(sql_engine, host_schema) as harness:
        yield harness


class TestRegistry(contract.RegistryContract):
    pass


class TestRegistryValidation(contract.RegistryValidationContract):
    pass


class TestAuthentication(contract.AuthenticationContract):
    pass


class TestPasswordReset(contract.PasswordResetContract):
    pass


class TestSearch(contract.SearchContract):
    pass


class TestAccents(contract.AccentsContract):
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


class TestTimeline(contract.TimelineContract):
    pass


class TestOutbox(contract.OutboxContract):
    pass


class TestPrivacy(contract.PrivacyContract):
    pass


class TestRfm(contract.RfmContract):
    pass


def memory_harness() -> Harness:
    """The reference of the agreement machine: a fresh in-memory core."""
    clock = FrozenClock()
    core = CustomerCore.in_memory(clock=clock, password_hasher=CHEAP_HASHER)
    return Harness(core=core, orders=core.orders, clock=clock)


def test_random_calls_keep_the_invariants(sql_engine: sa.Engine, host_schema: HostTables) -> None:
    """Hypothesis call sequences keep every domain invariant on this SQL backend."""
    machine = make_invariant_machine(lambda: sql_harness(sql_engine, host_schema))
    run_state_machine_as_test(machine, settings=DEFAULT_SETTINGS)


def test_random_calls_agree_with_memory(sql_engine: sa.Engine, host_schema: HostTables) -> None:
    """The same random calls give the same results (ids and times too) as the in-memory core."""
    candidate = partial(sql_harness, sql_engine, host_schema, restart_ids=True)
    machine = make_agreement_machine(memory_harness, candidate)
    run_state_machine_as_test(machine, settings=DEFAULT_SETTINGS)


class TestSegments(contract.SegmentsContract):
    pass


class TestScroll(contract.ScrollContract):
    pass


class TestSearchTotal(contract.SearchTotalContract):
    pass
