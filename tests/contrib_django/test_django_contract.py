"""The library's contract suite on the Django adapter, as a third-party adapter runs it:
through ``customer_core.testing.contract``, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django_support import AUTHOR_ID, UNKNOWN_AUTHOR_ID, empty_tables
from djshop.models import Order

from customer_core import Argon2Hasher
from customer_core.clock import stored_time
from customer_core.contrib.django import get_core
from customer_core.model import money
from customer_core.ports import Clock
from customer_core.testing import FrozenClock, Harness, contract

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


class DjangoOrderRecorder:
    """Writes the host's orders through its own Django model."""

    def __init__(self, alias: str, clock: Clock) -> None:
        self._orders = Order.objects.using(alias)
        self._clock = clock

    def record(
        self,
        *,
        order_id: int,
        customer_id: int,
        total_amount: Decimal | int | str,
        status: str = "pending",
        placed_at: datetime | None = None,
    ) -> None:
        """Insert an order; ``placed_at`` defaults to the clock's time."""
        moment = stored_time(placed_at if placed_at is not None else self._clock.now())
        self._orders.create(
            id=order_id,
            customer_id=customer_id,
            status=status,
            total_amount=money(total_amount),
            created_at=moment,
            updated_at=moment,
        )

    def set_status(self, order_id: int, status: str) -> None:
        """Change an order's status."""
        self._orders.filter(pk=order_id).update(status=status, updated_at=self._clock.now())


def django_harness(alias: str) -> Harness:
    """A core on an emptied Django database with a frozen clock and the host's Order model."""
    empty_tables(alias)
    clock = FrozenClock()
    core = get_core(using=alias, orders=Order, clock=clock, password_hasher=CHEAP_HASHER)
    return Harness(
        core=core,
        orders=DjangoOrderRecorder(alias, clock),
        clock=clock,
        author_id=AUTHOR_ID,
        unknown_author_id=UNKNOWN_AUTHOR_ID,
    )


@pytest.fixture
def harness(django_alias: str) -> Harness:
    """A fresh Django harness for each contract test."""
    return django_harness(django_alias)


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
