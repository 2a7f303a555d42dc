"""The public API as a host application uses it, checked by ``mypy --strict``.

Every ``assert_type`` pins the static type a host sees; pytest also runs the
module, so the calls are real and the values are checked too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, assert_type

import pytest
from hypothesis import strategies as st

import customer_core
from customer_core import (
    Address,
    AddressNotFound,
    AddressType,
    Argon2Hasher,
    BcryptHasher,
    Customer,
    CustomerBlocked,
    CustomerCore,
    CustomerCoreError,
    CustomerNotFound,
    DuplicateEmail,
    InvalidCredentials,
    ListedCustomer,
    Note,
    NoteNotFound,
    NotFound,
    Page,
    PasswordHasher,
    ValidationError,
)
from customer_core.adapters.memory import InMemoryOrderLedger
from customer_core.events import OrderCancelled, OrderEvent, OrderPlaced, OrderStatusChanged
from customer_core.serialization import from_dict, to_dict
from customer_core.testing import FrozenClock, Harness, OrderRecorder
from customer_core.testing import strategies as cst
from customer_core.testing.stateful import make_agreement_machine, make_invariant_machine


def make_core() -> CustomerCore:
    hasher: PasswordHasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    return CustomerCore.in_memory(clock=FrozenClock(), password_hasher=hasher, default_region="GB")


def test_registry_types() -> None:
    """The registry's calls return the documented types."""
    core = make_core()
    ada = core.customers.register(name="Ada", email="Ada@Example.com", password="correct horse")
    assert_type(ada, Customer)
    assert_type(ada.id, int)
    assert_type(ada.lifetime_value, Decimal)
    assert_type(ada.last_order_at, datetime | None)
    assert_type(ada.is_repeat, bool)
    assert_type(core.customers.get(ada.id), Customer)
    assert_type(core.customers.find_by_email("ada@example.com"), Customer | None)
    assert_type(core.customers.update(ada.id, name="Ada L."), Customer)
    assert_type(core.customers.update(ada.id, phone=None, avatar=None), Customer)
    assert_type(core.customers.change_email(ada.id, "ada@lovelace.org"), Customer)
    assert_type(core.customers.change_password(ada.id, "new password!"), None)
    assert_type(core.customers.authenticate("ada@lovelace.org", "new password!"), Customer)
    assert_type(core.customers.block(ada.id), Customer)
    assert_type(core.customers.unblock(ada.id), Customer)
    page = core.customers.search("ada", page=1, per_page=15, blocked=None, repeat=False, sort="-id")
    assert_type(page, Page[ListedCustomer])
    assert_type(page.items, Sequence[ListedCustomer])
    assert_type(page.last_page, int)
    assert_type(page.items[0].orders_count, int)
    assert page.items[0].customer.id == ada.id
    imported = core.customers.import_many(
        [{"name": "Old", "email": "old@example.com", "password_hash": "$2y$04$" + "." * 53}],
        batch_size=10,
    )
    assert_type(imported, int)
    assert_type(core.customers.delete(ada.id), None)


def test_address_book_types() -> None:
    """The address book's calls return the documented types."""
    core = make_core()
    ada = core.customers.register(name="Ada", email="ada@example.com", password="correct horse")
    home = core.addresses.add(
        ada.id,
        type=AddressType.SHIPPING,
        full_name="Ada",
        phone="020 7946 0958",
        address_line1="1 Square",
        city="London",
        state="London",
        zip_code="SW1",
        country="gb",
    )
    assert_type(home, Address)
    assert_type(home.type, AddressType)
    assert_type(home.address_line2, str | None)
    assert_type(core.addresses.get(home.id), Address)
    assert_type(core.addresses.list(ada.id), list[Address])
    assert_type(core.addresses.list(ada.id, "billing"), list[Address])
    assert_type(core.addresses.default(ada.id, AddressType.SHIPPING), Address | None)
    assert_type(core.addresses.set_default(home.id), Address)
    assert_type(core.addresses.update(home.id, city="Leeds"), Address)
    assert_type(core.addresses.remove(home.id), None)
    assert isinstance(AddressType.BILLING, str)


def test_notes_ltv_and_event_types() -> None:
    """Notes, lifetime value and events have the documented types."""
    core = make_core()
    ada = core.customers.register(name="Ada", email="ada@example.com", password="correct horse")
    note = core.notes.add(ada.id, author_id=1, text="VIP")
    assert_type(note, Note)
    assert_type(core.notes.list(ada.id), list[Note])
    assert_type(core.notes.edit(note.id, "VVIP"), Note)
    assert_type(core.notes.remove(note.id), None)

    # API.md: "core.orders is an InMemoryOrderLedger"; statically it is not
    # typed so, hence the narrowing.
    ledger = core.orders
    assert isinstance(ledger, InMemoryOrderLedger)
    recorder: OrderRecorder = ledger
    recorder.record(
        order_id=1, customer_id=ada.id, total_amount=Decimal("9.50"), status="delivered"
    )
    recorder.set_status(1, "delivered")

    assert_type(core.ltv.recalculate(ada.id), Customer)
    seen: list[tuple[int, int]] = []
    done = core.ltv.recalculate_all(batch_size=10, progress=lambda d, t: seen.append((d, t)))
    assert_type(done, int)
    assert_type(core.ltv.recalculate_many([ada.id, ada.id]), int)
    assert_type(core.ltv.recalculate_many(range(1, 3)), int)
    placed = OrderPlaced(customer_id=ada.id, order_id=1)
    events: list[OrderEvent] = [
        placed,
        OrderCancelled(customer_id=ada.id, order_id=1),
        OrderStatusChanged(customer_id=ada.id, order_id=1),
    ]
    assert_type(core.handle(placed), Customer | None)
    assert_type(core.handle_many(events), int)
    data = to_dict(placed)
    assert_type(data, dict[str, Any])
    assert_type(from_dict(OrderPlaced, data), OrderPlaced)
    assert from_dict(OrderPlaced, data) == placed


def test_error_types() -> None:
    """Errors form the documented hierarchy and carry typed details."""
    core = make_core()
    with pytest.raises(ValidationError) as caught:
        core.customers.register(name="", email="x", password="y")
    assert_type(caught.value.errors, dict[str, str])
    assert set(caught.value.errors) >= {"name", "email", "password"}
    for kind in (
        CustomerNotFound,
        AddressNotFound,
        NoteNotFound,
        DuplicateEmail,
        InvalidCredentials,
        CustomerBlocked,
        ValidationError,
    ):
        assert issubclass(kind, CustomerCoreError)
    assert issubclass(CustomerNotFound, NotFound)
    assert sorted(customer_core.__all__) == customer_core.__all__


def test_testing_helpers_types() -> None:
    """The testing package's helpers have usable static types."""
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert_type(clock.advance(5), datetime)
    core = CustomerCore.in_memory(clock=clock, password_hasher=BcryptHasher(rounds=4))
    ledger = core.orders
    assert isinstance(ledger, InMemoryOrderLedger)
    harness = Harness(core=core, orders=ledger, clock=clock)
    assert_type(harness.unknown_author_id, int | None)
    assert_type(cst.emails(), st.SearchStrategy[str])
    assert_type(cst.order_amounts(), st.SearchStrategy[Decimal])
    assert_type(cst.address_fields(), st.SearchStrategy[dict[str, Any]])
    machine = make_invariant_machine(lambda: harness)
    agreement = make_agreement_machine(lambda: harness, lambda: harness)
    assert machine.TestCase is not None
    assert agreement.TestCase is not None
