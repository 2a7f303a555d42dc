"""The adapter contract suite on a PostgreSQL primary with a streaming hot standby as replica.

Every read the routing table sends to a replica runs on the standby (the
integration tests prove where each call goes); the primary's commits wait until
the standby has applied them (``synchronous_commit = remote_apply``), the
configuration in which a host may promise read-your-writes through a replica.
The suite's answers must be the same as on one server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage, engine_from_url
from customer_core.testing import FrozenClock, Harness, contract
from customer_core.testing.sql import HostTables, SQLOrderRecorder
from replication import primary_engine, replicated_database
from servers import Server

pytestmark = [pytest.mark.postgres, pytest.mark.sql, pytest.mark.timeout(120)]

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
AUTHOR_ID = 1
UNKNOWN_AUTHOR_ID = 424_242


@pytest.fixture(scope="module")
def replicated(
    postgres_pair: tuple[Server, Server],
) -> Iterator[tuple[sa.Engine, sa.Engine, HostTables]]:
    """The primary's engine (commits applied on the standby), the standby's, the host tables."""
    url, replica_url = replicated_database(*postgres_pair)
    primary = primary_engine(url, synchronous_commit="remote_apply")
    replica = engine_from_url(replica_url)
    host = HostTables.define()
    host.create(primary, user_ids=[AUTHOR_ID])
    SQLAlchemyStorage(primary).create_schema()
    yield primary, replica, host
    replica.dispose()
    primary.dispose()


@pytest.fixture
def harness(replicated: tuple[sa.Engine, sa.Engine, HostTables]) -> Harness:
    """A core on an emptied primary with the standby as its one replica."""
    primary, replica, host = replicated
    with primary.begin() as connection:
        tables = f"customer_notes, addresses, customers, {host.orders.name}"
        connection.exec_driver_sql(f"truncate {tables} restart identity")
    clock = FrozenClock()
    core = CustomerCore.from_engine(
        primary,
        orders=host.orders_spec,
        clock=clock,
        password_hasher=CHEAP_HASHER,
        replicas=[replica],
    )
    return Harness(
        core=core,
        orders=SQLOrderRecorder(primary, host, clock=clock),
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


class TestScroll(contract.ScrollContract):
    pass
