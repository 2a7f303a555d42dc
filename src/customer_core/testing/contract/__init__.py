"""The adapter contract suite: one set of test classes every storage adapter must pass.

An adapter's test module subclasses each class and provides a ``harness``
fixture (a :class:`customer_core.testing.Harness`) that builds a fresh, empty
core for every test::

    import pytest
    from customer_core import CustomerCore
    from customer_core.testing import FrozenClock, Harness
    from customer_core.testing import contract


    @pytest.fixture
    def harness() -> Harness:
        clock = FrozenClock()
        core = CustomerCore.in_memory(clock=clock)
        return Harness(core=core, orders=core.orders, clock=clock)


    class TestRegistry(contract.RegistryContract): ...

The classes never ask which adapter they run on: what holds for one holds for
all. Host orders are always written through ``harness.orders``.
:data:`ALL_CONTRACTS` lists every class, for adapters that want them all.
"""

from __future__ import annotations

from customer_core.testing.contract._accents import AccentsContract
from customer_core.testing.contract._addresses import AddressBookContract
from customer_core.testing.contract._atomicity import FailureAtomicityContract
from customer_core.testing.contract._authentication import AuthenticationContract
from customer_core.testing.contract._importer import ImportContract
from customer_core.testing.contract._lifetime_value import EventsContract, LifetimeValueContract
from customer_core.testing.contract._notes import NotesContract
from customer_core.testing.contract._password_reset import PasswordResetContract
from customer_core.testing.contract._privacy import PrivacyContract
from customer_core.testing.contract._registry import RegistryContract, RegistryValidationContract
from customer_core.testing.contract._rfm import RfmContract
from customer_core.testing.contract._scroll import ScrollContract, SearchTotalContract
from customer_core.testing.contract._search import SearchContract
from customer_core.testing.contract._segments import SegmentsContract
from customer_core.testing.contract._timeline import OutboxContract, TimelineContract

__all__ = [
    "ALL_CONTRACTS",
    "AccentsContract",
    "AddressBookContract",
    "AuthenticationContract",
    "EventsContract",
    "FailureAtomicityContract",
    "ImportContract",
    "LifetimeValueContract",
    "NotesContract",
    "OutboxContract",
    "PasswordResetContract",
    "PrivacyContract",
    "RegistryContract",
    "RegistryValidationContract",
    "RfmContract",
    "ScrollContract",
    "SearchContract",
    "SearchTotalContract",
    "SegmentsContract",
    "TimelineContract",
]

ALL_CONTRACTS: tuple[type, ...] = (
    RegistryContract,
    RegistryValidationContract,
    AuthenticationContract,
    PasswordResetContract,
    SearchContract,
    AddressBookContract,
    NotesContract,
    LifetimeValueContract,
    EventsContract,
    ImportContract,
    FailureAtomicityContract,
    TimelineContract,
    OutboxContract,
    SegmentsContract,
    PrivacyContract,
    RfmContract,
    AccentsContract,
    ScrollContract,
    SearchTotalContract,
)
