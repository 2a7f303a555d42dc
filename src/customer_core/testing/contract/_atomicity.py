"""The contract that a failed call changes nothing and raises only the library's errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from customer_core.errors import CustomerCoreError
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import ADDRESS, PASSWORD, at, snapshot

if TYPE_CHECKING:
    from customer_core._core import CustomerCore

__all__ = ["FailureAtomicityContract"]

Call = Callable[["CustomerCore", dict[str, int]], object]

# Each failing call gets the ids of a populated store: ``ada`` and ``bob`` with
# addresses ``ship1``/``ship2``/``bill`` of ada and note ``note`` of ada.
FAILING_CALLS: dict[str, Call] = {
    "register duplicate": lambda c, ids: c.customers.register(
        name="X", email="BOB@example.com", password=PASSWORD
    ),
    "register invalid": lambda c, ids: c.customers.register(
        name="X", email="new@example.com", password="short"
    ),
    "update invalid": lambda c, ids: c.customers.update(ids["ada"], name="Ok", phone="+1"),
    "update unknown": lambda c, ids: c.customers.update(ids["ada"] + 999, name="Ok"),
    "change_email duplicate": lambda c, ids: c.customers.change_email(
        ids["ada"], "Bob@Example.com"
    ),
    "change_email invalid": lambda c, ids: c.customers.change_email(ids["ada"], "nope"),
    "change_password invalid": lambda c, ids: c.customers.change_password(ids["ada"], "short"),
    "block unknown": lambda c, ids: c.customers.block(ids["bob"] + 999),
    "delete unknown": lambda c, ids: c.customers.delete(ids["bob"] + 999),
    "import bad record": lambda c, ids: c.customers.import_many(
        [
            {"name": "N", "email": "n1@example.com", "password_hash": "$2y$04$" + "." * 53},
            {"name": "N", "email": "bob@example.com", "password_hash": "$2y$04$" + "." * 53},
        ]
    ),
    "search bad page": lambda c, ids: c.customers.search(page=0),
    "address add invalid": lambda c, ids: c.addresses.add(
        ids["ada"], **{**ADDRESS, "country": "ZZ", "is_default": True}
    ),
    "address add unknown customer": lambda c, ids: c.addresses.add(ids["bob"] + 999, **ADDRESS),
    "address update type": lambda c, ids: c.addresses.update(ids["ship2"], type="billing"),
    "address update invalid": lambda c, ids: c.addresses.update(
        ids["ship2"], city="Leeds", zip_code=""
    ),
    "address set_default unknown": lambda c, ids: c.addresses.set_default(ids["bill"] + 999),
    "address remove unknown": lambda c, ids: c.addresses.remove(ids["bill"] + 999),
    "note add invalid": lambda c, ids: c.notes.add(ids["ada"], author_id=1, text=" "),
    "note add unknown customer": lambda c, ids: c.notes.add(
        ids["bob"] + 999, author_id=1, text="x"
    ),
    "note edit invalid": lambda c, ids: c.notes.edit(ids["note"], "x" * 65_536),
    "note remove unknown": lambda c, ids: c.notes.remove(ids["note"] + 999),
    "recalculate unknown": lambda c, ids: c.ltv.recalculate(ids["bob"] + 999),
    "authenticate wrong password": lambda c, ids: c.customers.authenticate(
        "ada@example.com", "wrong password"
    ),
}


def _populate(harness: Harness) -> dict[str, int]:
    core = harness.core
    ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    bob = core.customers.register(name="Bob", email="bob@example.com", password=PASSWORD)
    ship1 = core.addresses.add(ada.id, **ADDRESS)
    ship2 = core.addresses.add(ada.id, **{**ADDRESS, "city": "Leeds"})
    bill = core.addresses.add(ada.id, **{**ADDRESS, "type": "billing"})
    note = core.notes.add(ada.id, author_id=harness.author_id, text="hello")
    harness.orders.record(
        order_id=777_001,
        customer_id=ada.id,
        total_amount=Decimal("9.99"),
        status="delivered",
        placed_at=at(3),
    )
    core.ltv.recalculate(ada.id)
    harness.clock.advance(60)
    return {
        "ada": ada.id,
        "bob": bob.id,
        "ship1": ship1.id,
        "ship2": ship2.id,
        "bill": bill.id,
        "note": note.id,
    }


class FailureAtomicityContract:
    """Every failing call raises a CustomerCoreError and leaves all state as it was."""

    @pytest.mark.parametrize("call", sorted(FAILING_CALLS))
    def test_failed_call_changes_nothing(self, harness: Harness, call: str) -> None:
        """The call raises a CustomerCoreError and every customer, address and note is unchanged."""
        ids = _populate(harness)
        before = snapshot(harness)
        with pytest.raises(CustomerCoreError):
            FAILING_CALLS[call](harness.core, ids)
        assert snapshot(harness) == before

    def test_author_id_must_be_valid_for_the_note(self, harness: Harness) -> None:
        """A note by an unknown author (where the storage checks authors) changes nothing."""
        if harness.unknown_author_id is None:
            pytest.skip("this storage does not know the host's users")
        ids = _populate(harness)
        before = snapshot(harness)
        with pytest.raises(CustomerCoreError):
            harness.core.notes.add(ids["ada"], author_id=harness.unknown_author_id, text="x")
        assert snapshot(harness) == before

    def test_snapshot_sees_changes(self, harness: Harness) -> None:
        """The snapshot these checks rely on does see a successful change."""
        ids = _populate(harness)
        before = snapshot(harness)
        harness.core.addresses.set_default(ids["ship2"])
        assert snapshot(harness) != before

    @pytest.mark.parametrize(
        "bad",
        [None, "1", 1.5, -1, 0, 2**70],
    )
    def test_odd_ids_raise_library_errors(self, harness: Harness, bad: Any) -> None:
        """An id of the wrong type or range raises a CustomerCoreError, never a driver error."""
        _populate(harness)
        before = snapshot(harness)
        with pytest.raises(CustomerCoreError):
            harness.core.customers.get(bad)
        with pytest.raises(CustomerCoreError):
            harness.core.addresses.get(bad)
        with pytest.raises(CustomerCoreError):
            harness.core.notes.edit(bad, "text")
        assert snapshot(harness) == before
