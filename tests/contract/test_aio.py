"""The contract suite against the asyncio front, on every storage, through the async drivers.

The very same contract classes as test_memory.py and test_sql.py: the harness's
core is a sync façade (tests/aio_front.py) whose calls run as coroutines on one
event loop in a background thread. SQL runs on its own database per backend
through ``sqlite+aiosqlite``, ``postgresql+asyncpg`` and ``mariadb+asyncmy``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("greenlet")

from aio_front import (
    AIO_BACKENDS,
    LoopRunner,
    aio_database,
    memory_harness,
    sql_harness,
)
from customer_core.testing import Harness, contract


@pytest.fixture(scope="session")
def loop_runner() -> Iterator[LoopRunner]:
    """The one event loop (in a background thread) every asyncio-front call runs on."""
    runner = LoopRunner()
    yield runner
    runner.close()


@pytest.fixture(params=AIO_BACKENDS)
def harness(request: pytest.FixtureRequest, loop_runner: LoopRunner) -> Iterator[Harness]:
    """A fresh asyncio-front harness for each contract test, on each storage.

    SQL: a new ``AsyncEngine`` per test (made on the test's loop), disposed after.
    """
    if request.param == "memory":
        yield memory_harness(loop_runner)
        return
    from sqlalchemy.ext.asyncio import create_async_engine

    database = aio_database(request.param, request)
    engine = create_async_engine(database.async_url, hide_parameters=True)
    yield sql_harness(database, loop_runner, engine)
    loop_runner.run(engine.dispose())


class TestRegistry(contract.RegistryContract):
    pass


class TestRegistryValidation(contract.RegistryValidationContract):
    pass


class TestAuthentication(contract.AuthenticationContract):
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


class TestPasswordReset(contract.PasswordResetContract):
    pass


class TestSegments(contract.SegmentsContract):
    pass


class TestPrivacy(contract.PrivacyContract):
    pass


class TestRfm(contract.RfmContract):
    pass


class TestScroll(contract.ScrollContract):
    pass


class TestSearchTotal(contract.SearchTotalContract):
    pass
