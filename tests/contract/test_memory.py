"""The adapter contract suite on the in-memory adapter."""

from __future__ import annotations

import pytest

from customer_core import Argon2Hasher, CustomerCore
from customer_core.testing import FrozenClock, Harness, contract

pytestmark = pytest.mark.memory

# Cheap parameters keep the suite fast; the contract never depends on them.
CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def harness() -> Harness:
    """A fresh, empty in-memory core with a frozen clock."""
    clock = FrozenClock()
    core = CustomerCore.in_memory(clock=clock, password_hasher=CHEAP_HASHER)
    return Harness(core=core, orders=core.orders, clock=clock)


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


class TestScroll(contract.ScrollContract):
    pass


class TestSearchTotal(contract.SearchTotalContract):
    pass
