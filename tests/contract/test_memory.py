"""The adapter contract suite on the in-memory adapter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.memory import InMemoryStorage
from customer_core.testing import FrozenClock, Harness, contract

pytestmark = pytest.mark.memory

# Cheap parameters keep the suite fast; the contract never depends on them.
CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def harness() -> Harness:
    """A fresh, empty in-memory core with a frozen clock."""
    clock = FrozenClock()
    core = CustomerCore.in_memory(clock=clock, password_hasher=CHEAP_HASHER)
    # Every table of the in-memory storage, for the privacy contract's search.
    tables = core.storage._tables  # type: ignore[attr-defined]
    return Harness(
        core=core, orders=core.orders, clock=clock, stored_text=lambda: repr(tables).lower()
    )


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


class TestSegments(contract.SegmentsContract):
    pass


class _WithoutSegmentsPort:
    """An in-memory storage whose transactions lack the optional ``segments`` port."""

    def __init__(self, storage: InMemoryStorage) -> None:
        self._storage = storage

    @contextmanager
    def transaction(self, *, read_only: bool = False, may_lag: bool = False) -> Iterator[Any]:
        with self._storage.transaction(read_only=read_only, may_lag=may_lag) as tx:
            yield _NoSegments(tx)

    def create_schema(self) -> None:
        self._storage.create_schema()


class _NoSegments:
    """Every attribute of the transaction but ``segments``."""

    def __init__(self, tx: Any) -> None:
        self._tx = tx

    def __getattr__(self, name: str) -> Any:
        if name == "segments":
            raise AttributeError(name)
        return getattr(self._tx, name)


class TestSegmentsThroughThePortDefault(contract.SegmentsContract):
    """A storage without the ``segments`` port: ``ScanningSegments`` serves the contract."""

    @pytest.fixture
    def harness(self) -> Harness:
        clock = FrozenClock()
        storage = InMemoryStorage()
        core = CustomerCore(
            _WithoutSegmentsPort(storage),
            orders=storage.orders,
            clock=clock,
            password_hasher=CHEAP_HASHER,
        )
        return Harness(core=core, orders=storage.orders, clock=clock)


class TestPrivacy(contract.PrivacyContract):
    pass


class TestRfm(contract.RfmContract):
    pass


class TestScroll(contract.ScrollContract):
    pass


class TestSearchTotal(contract.SearchTotalContract):
    pass
