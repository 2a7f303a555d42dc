"""The contract of the timeline (one event per change, in its transaction) and of the outbox."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from customer_core.errors import CustomerNotFound, DuplicateEmail, ValidationError
from customer_core.events import OrderPlaced
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import ADDRESS, PASSWORD, at, customer, timeline
from customer_core.timeline import CustomerEvent, EventType

if TYPE_CHECKING:
    from customer_core._core import CustomerCore

__all__ = ["OutboxContract", "TimelineContract"]

ACTOR = 42
_LTV = EventType.LIFETIME_VALUE_CHANGED

# Each change gets the ids of a populated store (``ada`` with addresses ``ship1``/``ship2``,
# note ``note``, a delivered order not yet counted) and returns nothing of interest; the
# expected event type and data follow. ``None`` data: only the type is checked.
Change = Callable[["CustomerCore", dict[str, int]], object]
CHANGES: dict[str, tuple[Change, EventType, dict[str, Any] | None]] = {
    "update": (
        lambda c, ids: c.customers.update(ids["ada"], name="Ada L", phone=None),
        EventType.PROFILE_UPDATED,
        {"fields": ["name"]},
    ),
    "change_email": (
        lambda c, ids: c.customers.change_email(ids["ada"], "Ada.New@Example.com"),
        EventType.EMAIL_CHANGED,
        {"old_email": "ada@example.com", "new_email": "ada.new@example.com"},
    ),
    "change_password": (
        lambda c, ids: c.customers.change_password(ids["ada"], "another secret pw"),
        EventType.PASSWORD_CHANGED,
        {},
    ),
    "block": (lambda c, ids: c.customers.block(ids["ada"]), EventType.BLOCKED, {}),
    "address add": (
        lambda c, ids: c.addresses.add(ids["ada"], **{**ADDRESS, "type": "billing"}),
        EventType.ADDRESS_ADDED,
        None,
    ),
    "address update": (
        lambda c, ids: c.addresses.update(ids["ship2"], city="York", is_default=True),
        EventType.ADDRESS_UPDATED,
        None,
    ),
    "address set_default": (
        lambda c, ids: c.addresses.set_default(ids["ship2"]),
        EventType.DEFAULT_ADDRESS_CHANGED,
        None,
    ),
    "address remove": (
        lambda c, ids: c.addresses.remove(ids["ship1"]),
        EventType.ADDRESS_REMOVED,
        None,
    ),
    "note add": (
        lambda c, ids: c.notes.add(ids["ada"], author_id=1, text="called"),
        EventType.NOTE_ADDED,
        None,
    ),
    "note edit": (
        lambda c, ids: c.notes.edit(ids["note"], "edited"),
        EventType.NOTE_EDITED,
        None,
    ),
    "note remove": (
        lambda c, ids: c.notes.remove(ids["note"]),
        EventType.NOTE_REMOVED,
        None,
    ),
    "recalculate": (
        lambda c, ids: c.ltv.recalculate(ids["ada"]),
        EventType.LIFETIME_VALUE_CHANGED,
        {
            "lifetime_value": ["0.00", "9.99"],
            "total_orders": [0, 1],
            "last_order_at": [None, "2025-01-03T12:00:00+00:00"],
        },
    ),
}

# Calls that change nothing, on the same populated store: they write no event.
NO_CHANGES: dict[str, Change] = {
    "update same name": lambda c, ids: c.customers.update(ids["ada"], name="Ada"),
    "update nothing": lambda c, ids: c.customers.update(ids["ada"]),
    "change_email same": lambda c, ids: c.customers.change_email(ids["ada"], "ADA@example.com"),
    "unblock unblocked": lambda c, ids: c.customers.unblock(ids["ada"]),
    "address update same": lambda c, ids: c.addresses.update(ids["ship1"], city="London"),
    "address set_default again": lambda c, ids: c.addresses.set_default(ids["ship1"]),
    "note edit same": lambda c, ids: c.notes.edit(ids["note"], "hello"),
    "recalculate unchanged": lambda c, ids: c.ltv.recalculate(ids["bob"]),
    "authenticate": lambda c, ids: c.customers.authenticate("ada@example.com", PASSWORD),
}


def _populate(harness: Harness) -> dict[str, int]:
    core = harness.core
    ada = customer(harness, "ada", name="Ada")
    bob = customer(harness, "bob")
    ship1 = core.addresses.add(ada.id, **ADDRESS)
    ship2 = core.addresses.add(ada.id, **{**ADDRESS, "city": "Leeds"})
    note = core.notes.add(ada.id, author_id=harness.author_id, text="hello")
    harness.orders.record(
        order_id=778_001,
        customer_id=ada.id,
        total_amount=Decimal("9.99"),
        status="delivered",
        placed_at=at(3),
    )
    harness.clock.advance(60)
    return {"ada": ada.id, "bob": bob.id, "ship1": ship1.id, "ship2": ship2.id, "note": note.id}


def _all_events(harness: Harness, ids: dict[str, int]) -> list[CustomerEvent]:
    return [event for key in ("ada", "bob") for event in timeline(harness, ids[key])]


class TimelineContract:
    """Every change writes exactly one event in its transaction; nothing else writes one."""

    def test_register_writes_registered(self, harness: Harness) -> None:
        """Registering writes ``registered`` with the e-mail, attributed to nobody."""
        ada = customer(harness, "ada")
        (event,) = timeline(harness, ada.id)
        assert event.type is EventType.REGISTERED
        assert event.customer_id == ada.id
        assert event.actor_id is None
        assert event.data == {"email": "ada@example.com"}
        assert event.occurred_at == harness.clock.now().replace(microsecond=0)

    @pytest.mark.parametrize("change", sorted(CHANGES))
    def test_each_change_writes_one_event(self, harness: Harness, change: str) -> None:
        """The change adds exactly one event, of its type, with what support needs."""
        ids = _populate(harness)
        before = _all_events(harness, ids)
        call, kind, data = CHANGES[change]
        call(harness.core, ids)
        new = [event for event in _all_events(harness, ids) if event not in before]
        assert [event.type for event in new] == [kind]
        assert new[0].customer_id == ids["ada"]
        if data is not None:
            assert new[0].data == data

    @pytest.mark.parametrize("call", sorted(NO_CHANGES))
    def test_calls_that_change_nothing_write_nothing(self, harness: Harness, call: str) -> None:
        """Idempotent calls that change nothing add no event."""
        ids = _populate(harness)
        before = _all_events(harness, ids)
        NO_CHANGES[call](harness.core, ids)
        assert _all_events(harness, ids) == before

    def test_address_events_name_the_addresses(self, harness: Harness) -> None:
        """Address events carry the address ids (and the new default after a removal)."""
        ids = _populate(harness)
        core = harness.core
        core.addresses.update(ids["ship2"], city="York", is_default=True)
        core.addresses.remove(ids["ship2"])
        removed, updated = timeline(harness, ids["ada"])[:2]
        assert updated.data == {"address_id": ids["ship2"], "fields": ["city", "is_default"]}
        assert removed.data == {
            "address_id": ids["ship2"],
            "type": "shipping",
            "new_default_address_id": ids["ship1"],
        }

    def test_note_events_hold_ids_not_text(self, harness: Harness) -> None:
        """Note events name the note and author; the note's text stays in the notes."""
        ids = _populate(harness)
        (added,) = [e for e in timeline(harness, ids["ada"]) if e.type is EventType.NOTE_ADDED]
        assert added.data == {"note_id": ids["note"], "author_id": harness.author_id}

    def test_delete_writes_erased_that_the_outbox_still_delivers(self, harness: Harness) -> None:
        """Deleting writes ``erased``; the customer's timeline is gone, its events are not."""
        ada = customer(harness, "ada")
        harness.core.customers.delete(ada.id)
        with pytest.raises(CustomerNotFound):
            harness.core.timeline.list(ada.id)
        claimed = harness.core.timeline.claim()
        assert [(e.customer_id, e.type) for e in claimed] == [
            (ada.id, EventType.REGISTERED),
            (ada.id, EventType.ERASED),
        ]
        assert claimed[1].data == {}

    def test_acting_as_attributes_every_change(self, harness: Harness) -> None:
        """``acting_as(actor)`` attributes its changes; the plain core still attributes none."""
        admin = harness.core.acting_as(ACTOR)
        assert admin.actor_id == ACTOR
        assert harness.core.actor_id is None
        ada = admin.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        admin.customers.block(ada.id)
        harness.core.customers.unblock(ada.id)
        events = timeline(harness, ada.id)
        assert [(e.type, e.actor_id) for e in events] == [
            (EventType.UNBLOCKED, None),
            (EventType.BLOCKED, ACTOR),
            (EventType.REGISTERED, ACTOR),
        ]

    def test_acting_as_shares_the_storage(self, harness: Harness) -> None:
        """The derived core sees and changes the same customers."""
        ada = customer(harness, "ada")
        admin = harness.core.acting_as(ACTOR)
        assert admin.customers.get(ada.id) == ada
        assert admin.storage is harness.core.storage

    @pytest.mark.parametrize("bad", [0, -1, "7", 1.5, None, True])
    def test_acting_as_refuses_a_bad_actor(self, harness: Harness, bad: Any) -> None:
        """The actor is a host user's id: anything else is a ValidationError on actor_id."""
        with pytest.raises(ValidationError) as raised:
            harness.core.acting_as(bad)
        assert "actor_id" in raised.value.errors

    def test_failed_calls_write_no_event(self, harness: Harness) -> None:
        """A call that fails (here after its checks, in the storage) writes no event."""
        ids = _populate(harness)
        before = _all_events(harness, ids)
        with pytest.raises(DuplicateEmail):
            harness.core.customers.change_email(ids["ada"], "BOB@example.com")
        with pytest.raises(DuplicateEmail):
            customer(harness, "bob")
        assert _all_events(harness, ids) == before
        assert len(harness.core.timeline.claim(1000)) == len(before)

    def test_no_secret_in_any_event(self, harness: Harness) -> None:
        """No event holds the password or its hash, in its data or its repr."""
        ids = _populate(harness)
        harness.core.customers.change_password(ids["ada"], "a brand new secret")
        for event in harness.core.timeline.claim(1000):
            text = repr(event)
            assert PASSWORD not in text
            assert "a brand new secret" not in text
            assert "$argon2" not in text
            assert "password" not in str(event.data)

    def test_import_writes_one_imported_per_customer(self, harness: Harness) -> None:
        """``import_many`` writes one ``imported`` per customer, attributed to the actor."""
        hash_ = harness.core.password_hasher.hash(PASSWORD)
        records = [
            {"name": f"C{i}", "email": f"c{i}@example.com", "password_hash": hash_}
            for i in range(5)
        ]
        harness.core.acting_as(ACTOR).customers.import_many(records, batch_size=2)
        for i in range(5):
            found = harness.core.customers.find_by_email(f"c{i}@example.com")
            assert found is not None
            (event,) = timeline(harness, found.id)
            assert (event.type, event.actor_id, event.data) == (EventType.IMPORTED, ACTOR, {})

    def test_failed_import_writes_no_event(self, harness: Harness) -> None:
        """An import with a bad record stores no customer and no event."""
        customer(harness, "bob")
        hash_ = harness.core.password_hasher.hash(PASSWORD)
        records = [
            {"name": "A", "email": "a@example.com", "password_hash": hash_},
            {"name": "B", "email": "bob@example.com", "password_hash": hash_},
        ]
        with pytest.raises(ValidationError):
            harness.core.customers.import_many(records)
        assert [e.type for e in harness.core.timeline.claim(1000)] == [EventType.REGISTERED]

    @pytest.mark.parametrize("path", ["recalculate_all", "recalculate_many", "handle_many"])
    def test_bulk_recalculation_writes_events_for_changed_customers(
        self, harness: Harness, path: str
    ) -> None:
        """One ``lifetime_value_changed`` per customer whose values changed, none for others."""
        core = harness.core
        people = [customer(harness, f"p{i}") for i in range(5)]
        for index, person in enumerate(people[:3]):
            harness.orders.record(
                order_id=779_000 + index,
                customer_id=person.id,
                total_amount=Decimal("10.50"),
                status="delivered",
                placed_at=at(5),
            )
        ids = [person.id for person in people]
        if path == "recalculate_all":
            core.ltv.recalculate_all(batch_size=2)
        elif path == "recalculate_many":
            core.ltv.recalculate_many(ids)
        else:
            core.handle_many([OrderPlaced(customer_id=i, order_id=1) for i in ids])
        for index, person in enumerate(people):
            changed = [e for e in timeline(harness, person.id) if e.type is _LTV]
            if index < 3:
                (event,) = changed
                assert event.data["lifetime_value"] == ["0.00", "10.50"]
                assert event.data["total_orders"] == [0, 1]
            else:
                assert changed == []
        # A second pass changes nothing: no more events.
        before = len(core.timeline.claim(1000))
        core.ltv.recalculate_all(batch_size=2)
        harness.clock.advance(3600)
        assert len(core.timeline.claim(1000)) == before

    def test_list_pages_newest_first(self, harness: Harness) -> None:
        """``list`` pages newest first (``occurred_at``, then id) and counts them all."""
        ada = customer(harness, "ada")
        for name in ("B", "C", "D"):
            harness.core.customers.update(ada.id, name=name)  # same second: id breaks the tie
        harness.clock.advance(5)
        harness.core.customers.block(ada.id)
        first = harness.core.timeline.list(ada.id, per_page=2)
        second = harness.core.timeline.list(ada.id, page=2, per_page=2)
        third = harness.core.timeline.list(ada.id, page=3, per_page=2)
        assert (first.total, first.last_page) == (5, 3)
        events = [*first.items, *second.items, *third.items]
        assert [e.type for e in events] == [
            EventType.BLOCKED,
            *[EventType.PROFILE_UPDATED] * 3,
            EventType.REGISTERED,
        ]
        assert [e.id for e in events[1:4]] == sorted((e.id for e in events[1:4]), reverse=True)

    def test_list_filters_by_type(self, harness: Harness) -> None:
        """``types`` keeps only the events of those types (enum members or their strings)."""
        ada = customer(harness, "ada")
        harness.core.customers.block(ada.id)
        harness.core.customers.unblock(ada.id)
        page = harness.core.timeline.list(ada.id, types=["blocked", EventType.REGISTERED])
        assert [e.type for e in page.items] == [EventType.BLOCKED, EventType.REGISTERED]
        assert page.total == 2

    def test_list_of_another_customer_is_its_own(self, harness: Harness) -> None:
        """A customer's timeline holds only its events."""
        ada, bob = customer(harness, "ada"), customer(harness, "bob")
        assert [e.customer_id for e in timeline(harness, bob.id)] == [bob.id]
        assert [e.customer_id for e in timeline(harness, ada.id)] == [ada.id]

    @pytest.mark.parametrize(
        ("keyword", "value"),
        [("page", 0), ("per_page", 101), ("per_page", "5"), ("types", "blocked"), ("types", ["x"])],
    )
    def test_list_refuses_bad_arguments(self, harness: Harness, keyword: str, value: Any) -> None:
        """Bad paging or types are a ValidationError naming the keyword."""
        ada = customer(harness, "ada")
        with pytest.raises(ValidationError) as raised:
            harness.core.timeline.list(ada.id, **{keyword: value})
        assert keyword in raised.value.errors

    def test_list_of_unknown_customer(self, harness: Harness) -> None:
        """The timeline of no customer is CustomerNotFound."""
        with pytest.raises(CustomerNotFound):
            harness.core.timeline.list(424_242)


class OutboxContract:
    """``claim`` leases unpublished events oldest first; ``ack`` publishes them."""

    def test_claim_is_oldest_first_and_leased(self, harness: Harness) -> None:
        """Claimed events are not claimed again while their lease holds."""
        people = [customer(harness, f"p{i}") for i in range(5)]
        outbox = harness.core.timeline
        first = outbox.claim(3)
        assert [e.customer_id for e in first] == [p.id for p in people[:3]]
        second = outbox.claim(10)
        assert [e.customer_id for e in second] == [p.id for p in people[3:]]
        assert outbox.claim(10) == []

    def test_unacked_events_come_back_after_the_lease(self, harness: Harness) -> None:
        """An event claimed and not acked (a worker died) is claimed again after its lease."""
        customer(harness, "ada")
        outbox = harness.core.timeline
        (claimed,) = outbox.claim(lease_seconds=30)
        harness.clock.advance(29)
        assert outbox.claim() == []
        harness.clock.advance(1)
        assert outbox.claim() == [claimed]

    def test_acked_events_never_come_back(self, harness: Harness) -> None:
        """``ack`` publishes: the event is never claimed again; acking again counts nothing."""
        customer(harness, "ada")
        customer(harness, "bob")
        outbox = harness.core.timeline
        claimed = outbox.claim(lease_seconds=10)
        assert outbox.ack([claimed[0].id]) == 1
        assert outbox.ack([claimed[0].id, claimed[0].id]) == 0
        harness.clock.advance(11)
        assert outbox.claim() == [claimed[1]]

    def test_ack_of_unknown_ids_counts_nothing(self, harness: Harness) -> None:
        """Ids of no event (or none at all) are skipped."""
        assert harness.core.timeline.ack([]) == 0
        assert harness.core.timeline.ack([424_242, 0]) == 0

    def test_ack_without_claim_publishes(self, harness: Harness) -> None:
        """A host that reads the events elsewhere may ack them unclaimed."""
        ada = customer(harness, "ada")
        (event,) = timeline(harness, ada.id)
        assert harness.core.timeline.ack([event.id]) == 1
        assert harness.core.timeline.claim() == []

    @pytest.mark.parametrize(
        ("keyword", "value"),
        [("limit", 0), ("limit", "5"), ("lease_seconds", 0), ("lease_seconds", 10**9)],
    )
    def test_claim_refuses_bad_arguments(self, harness: Harness, keyword: str, value: Any) -> None:
        """A bad limit or lease is a ValidationError naming the keyword."""
        with pytest.raises(ValidationError) as raised:
            harness.core.timeline.claim(**{keyword: value})
        assert keyword in raised.value.errors

    @pytest.mark.parametrize("bad", ["1", [1.5], [None], 7])
    def test_ack_refuses_bad_ids(self, harness: Harness, bad: Any) -> None:
        """Ids that are not integers are a ValidationError before anything is written."""
        customer(harness, "ada")
        with pytest.raises(ValidationError):
            harness.core.timeline.ack(bad)
        assert len(harness.core.timeline.claim()) == 1
