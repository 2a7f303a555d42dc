"""The contract of the privacy toolkit: export, anonymize (one and many), erase.

The proof of an anonymization searches everything the storage holds (the
harness's ``stored_text``: on SQL every text column of every table) for the
person's old name, e-mails and phone, and finds nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from customer_core.anonymization import (
    ANONYMIZED_NAME,
    ANONYMIZED_NOTE,
    has_anonymized_email,
    is_anonymized_email,
)
from customer_core.errors import (
    CustomerNotFound,
    InvalidCredentials,
    InvalidResetToken,
    ValidationError,
)
from customer_core.model import Customer
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import (
    ADDRESS,
    PASSWORD,
    address,
    at,
    customer,
    snapshot,
    timeline,
)
from customer_core.timeline import EventType

__all__ = ["PrivacyContract"]

NAME = "Grace Hopper"
EMAIL = "grace.hopper@example.com"
OLD_EMAIL = "g.hopper@example.org"
PHONE = "+14155550123"
STREET = "1 Cobol Lane"
NOTE = f"Called about order 17; {NAME} prefers e-mail at {OLD_EMAIL}"
#: What must be gone after an anonymization, wherever it was written.
PERSONAL = (NAME, EMAIL, OLD_EMAIL, PHONE, STREET, "hopper")


def _grace(harness: Harness) -> Customer:
    """A customer with every kind of personal data, a changed e-mail and two delivered orders."""
    core = harness.core
    grace = customer(harness, name=NAME, email=OLD_EMAIL, phone=PHONE)
    grace = core.customers.change_email(grace.id, EMAIL)
    address(harness, grace.id, full_name=NAME, phone=PHONE, address_line1=STREET)
    address(harness, grace.id, **{**ADDRESS, "type": "billing", "full_name": NAME})
    core.notes.add(grace.id, author_id=harness.author_id, text=NOTE)
    for order_id, day in ((901, 3), (902, 9)):
        harness.orders.record(
            order_id=order_id,
            customer_id=grace.id,
            total_amount="40.50",
            status="delivered",
            placed_at=at(day),
        )
    grace = core.ltv.recalculate(grace.id)
    _try_reset_token(harness, EMAIL)
    return grace


def _try_reset_token(harness: Harness, email: str) -> str | None:
    """A reset token for ``email``, or None where the storage keeps no tokens."""
    from customer_core.errors import StorageError

    try:
        return harness.core.customers.request_password_reset(email)
    except StorageError:
        return None


def _visible_text(harness: Harness) -> str:
    """Everything the public API shows of every customer, lower-cased."""
    return repr(snapshot(harness)).lower()


class PrivacyContract:
    """``core.privacy``: export, anonymize, anonymize_many and erase."""

    # -- anonymize -------------------------------------------------------------------------

    def test_anonymize_leaves_no_personal_data_anywhere(self, harness: Harness) -> None:
        """The proof: no table holds the old name, e-mails, phone or street afterwards."""
        grace = _grace(harness)
        before = _visible_text(harness)
        stored = harness.stored_text() if harness.stored_text is not None else before
        assert all(value.lower() in stored for value in PERSONAL)  # the search can see them

        harness.core.privacy.anonymize(grace.id)

        stored = harness.stored_text() if harness.stored_text is not None else ""
        for text in (stored, _visible_text(harness)):
            for value in PERSONAL:
                assert value.lower() not in text, value

    def test_anonymized_customer_keeps_its_sales_figures(self, harness: Harness) -> None:
        grace = _grace(harness)
        harness.clock.advance(60)
        result = harness.core.privacy.anonymize(grace.id)
        assert result == harness.core.customers.get(grace.id)
        assert result.name == ANONYMIZED_NAME
        assert has_anonymized_email(grace.id, result.email)
        assert (result.phone, result.avatar, result.is_blocked) == (None, None, True)
        kept = ("lifetime_value", "total_orders", "last_order_at", "created_at")
        assert [getattr(result, f) for f in kept] == [getattr(grace, f) for f in kept]
        assert result.lifetime_value == grace.lifetime_value == 81
        assert result.updated_at == harness.clock.now()
        assert harness.core.addresses.list(grace.id) == []
        assert [n.text for n in harness.core.notes.list(grace.id)] == [ANONYMIZED_NOTE]

    def test_nobody_can_log_in_or_be_found_afterwards(self, harness: Harness) -> None:
        grace = _grace(harness)
        anonymous = harness.core.privacy.anonymize(grace.id)
        customers = harness.core.customers
        for email in (EMAIL, OLD_EMAIL, anonymous.email):
            for password in (PASSWORD, "", "!"):
                with pytest.raises(InvalidCredentials):
                    customers.authenticate(email, password)
        assert customers.find_by_email(EMAIL) is None
        assert customers.search(EMAIL).total == 0
        assert customers.search("hopper").total == 0
        assert _try_reset_token(harness, anonymous.email) is None

    def test_a_token_issued_before_does_not_reset_the_password(self, harness: Harness) -> None:
        ada = customer(harness, "ada")
        token = _try_reset_token(harness, "ada@example.com")
        anonymous = harness.core.privacy.anonymize(ada.id)
        if token is None:
            pytest.skip("this storage keeps no reset tokens")
        for email in ("ada@example.com", anonymous.email):
            with pytest.raises(InvalidResetToken):
                harness.core.customers.reset_password(email, token, "a new password 1")

    def test_nobody_can_take_an_anonymized_email(self, harness: Harness) -> None:
        """The ``.invalid`` domain is refused by the e-mail rule: the address stays unique."""
        ada, bob = customer(harness, "ada"), customer(harness, "bob")
        taken = harness.core.privacy.anonymize(ada.id).email
        with pytest.raises(ValidationError):
            harness.core.customers.register(name="Eve", email=taken, password=PASSWORD)
        with pytest.raises(ValidationError):
            harness.core.customers.change_email(bob.id, taken.replace(str(ada.id), str(bob.id)))
        assert harness.core.customers.find_by_email(taken) == harness.core.customers.get(ada.id)

    def test_anonymized_email_cannot_be_guessed(self, harness: Harness) -> None:
        """A random token in the e-mail: nobody can hold it before the anonymization."""
        ada, bob = customer(harness, "ada"), customer(harness, "bob")
        first = harness.core.privacy.anonymize(ada.id).email
        second = harness.core.privacy.anonymize(bob.id).email
        assert has_anonymized_email(ada.id, first)
        assert has_anonymized_email(bob.id, second)
        assert first != f"anonymized-{ada.id}@anonymized.invalid"
        token = first.split("@")[0].rsplit("-", 1)[1]
        assert len(token) >= 16
        assert token not in second

    @pytest.mark.parametrize(
        "domain",
        [
            "anonymized.invalíd",
            "anonymized.ínvalid",
            "ａｎｏｎｙｍｉｚｅｄ.ｉｎｖａｌｉｄ",
            "example.INVALİD",
            "exämple.ınvalid",
        ],
    )
    def test_lookalikes_of_the_reserved_domain_are_refused(
        self, harness: Harness, domain: str
    ) -> None:
        """A domain folding to ``.invalid`` (equal under MariaDB's collation) is refused:
        nobody can hold an address an anonymization will write."""
        ada = customer(harness, "ada")
        email = f"anonymized-{ada.id + 1}@{domain}"
        with pytest.raises(ValidationError) as raised:
            harness.core.customers.register(name="Mallory", email=email, password=PASSWORD)
        assert list(raised.value.errors) == ["email"]
        with pytest.raises(ValidationError):
            harness.core.customers.change_email(ada.id, email)
        assert harness.core.customers.get(ada.id).email == "ada@example.com"

    def test_an_anonymization_cannot_be_undone(self, harness: Harness) -> None:
        """No write gives an anonymized customer personal data or a log-in back."""
        grace = _grace(harness)
        harness.core.privacy.anonymize(grace.id)
        customers, notes = harness.core.customers, harness.core.notes
        (note,) = notes.list(grace.id)
        state = snapshot(harness)
        refused: list[Any] = [
            lambda: customers.unblock(grace.id),
            lambda: customers.update(grace.id, name=NAME),
            lambda: customers.update(grace.id, phone=PHONE),
            lambda: customers.change_email(grace.id, EMAIL),
            lambda: customers.change_password(grace.id, "a new password 1"),
            lambda: harness.core.addresses.add(grace.id, **ADDRESS),
            lambda: notes.add(grace.id, author_id=harness.author_id, text=NOTE),
            lambda: notes.edit(note.id, NOTE),
        ]
        for write in refused:
            with pytest.raises(ValidationError) as raised:
                write()
            assert list(raised.value.errors) == ["customer_id"]
        anonymous = customers.get(grace.id)
        assert is_anonymized_email(anonymous.email)
        assert anonymous.is_blocked
        assert _try_reset_token(harness, anonymous.email) is None
        assert snapshot(harness) == state
        assert harness.core.privacy.anonymize_many(None) == 0

    def test_a_log_in_as_an_anonymized_customer_logs_nothing(
        self, harness: Harness, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The unusable hash is refused like a wrong password, silently: no log flooding."""
        anonymous = harness.core.privacy.anonymize(customer(harness, "ada").id)
        with caplog.at_level("DEBUG", logger="customer_core"):
            for password in (PASSWORD, "!", anonymous.email):
                with pytest.raises(InvalidCredentials):
                    harness.core.customers.authenticate(anonymous.email, password)
        assert [r for r in caplog.records if r.levelname != "DEBUG"] == []

    def test_timeline_keeps_its_events_without_personal_data(self, harness: Harness) -> None:
        grace = _grace(harness)
        before = timeline(harness, grace.id)
        harness.core.privacy.anonymize(grace.id)
        after = timeline(harness, grace.id)
        if not before:
            pytest.skip("this storage keeps no timeline")
        newest, *rest = after
        assert (newest.type, newest.actor_id, newest.data) == (EventType.ANONYMIZED, None, {})
        assert [(e.id, e.type, e.occurred_at) for e in rest] == [
            (e.id, e.type, e.occurred_at) for e in before
        ]
        by_id = {e.id: e for e in before}
        for event in rest:
            if event.type == EventType.LIFETIME_VALUE_CHANGED:
                assert event.data == by_id[event.id].data  # figures, no person
            assert not any(v.lower() in json.dumps(event.data).lower() for v in PERSONAL)
        assert [e.data for e in rest if e.type == EventType.REGISTERED] == [{}]

    def test_anonymize_is_idempotent(self, harness: Harness) -> None:
        grace = _grace(harness)
        first = harness.core.privacy.anonymize(grace.id)
        state = snapshot(harness)
        harness.clock.advance(60)
        assert harness.core.privacy.anonymize(grace.id) == first
        assert snapshot(harness) == state  # no write, no event

    def test_removals_stay_allowed_after_an_anonymization(self, harness: Harness) -> None:
        grace = _grace(harness)
        harness.core.privacy.anonymize(grace.id)
        # Removed, not added: no write adds data to an anonymized customer.
        (note,) = harness.core.notes.list(grace.id)
        harness.core.notes.remove(note.id)
        assert harness.core.privacy.anonymize(grace.id) == harness.core.customers.get(grace.id)
        assert harness.core.notes.list(grace.id) == []

    def test_anonymize_touches_no_one_else(self, harness: Harness) -> None:
        ada = customer(harness, "ada", phone="+442079460958")
        address(harness, ada.id)
        harness.core.notes.add(ada.id, author_id=harness.author_id, text="Ada's note")
        _try_reset_token(harness, "ada@example.com")
        grace = _grace(harness)
        before = snapshot(harness)
        harness.core.privacy.anonymize(grace.id)
        after = snapshot(harness)
        mine = [x for x in before.customers if x.customer.id == ada.id]
        assert mine == [x for x in after.customers if x.customer.id == ada.id]
        assert [a for a in before.addresses if a.customer_id == ada.id] == list(after.addresses)
        assert [n for n in after.notes if n.customer_id == ada.id] == [
            n for n in before.notes if n.customer_id == ada.id
        ]
        assert harness.core.customers.authenticate("ada@example.com", PASSWORD).id == ada.id

    @pytest.mark.parametrize("bad", ["1", 1.0, True, None])
    def test_anonymize_refuses_odd_ids(self, harness: Harness, bad: Any) -> None:
        with pytest.raises(ValidationError) as raised:
            harness.core.privacy.anonymize(bad)
        assert "customer_id" in raised.value.errors

    def test_anonymize_unknown_customer(self, harness: Harness) -> None:
        for missing in (999_999, 0, -1):
            with pytest.raises(CustomerNotFound):
                harness.core.privacy.anonymize(missing)

    # -- anonymize_many --------------------------------------------------------------------

    def test_anonymize_many_does_every_customer_once(self, harness: Harness) -> None:
        people = [customer(harness, f"p{i}", phone=PHONE) for i in range(7)]
        address(harness, people[3].id)
        harness.core.privacy.anonymize(people[5].id)
        calls: list[tuple[int, int]] = []
        done = harness.core.privacy.anonymize_many(
            None, batch_size=3, progress=lambda d, t: calls.append((d, t))
        )
        assert done == 6  # the one anonymized before is skipped
        assert calls == [(3, 7), (6, 7), (7, 7)]
        for person in people:
            found = harness.core.customers.get(person.id)
            assert (found.name, found.phone) == (ANONYMIZED_NAME, None)
            assert has_anonymized_email(person.id, found.email)
        assert harness.core.addresses.list(people[3].id) == []
        state = snapshot(harness)
        assert harness.core.privacy.anonymize_many(None, batch_size=2) == 0
        assert snapshot(harness) == state

    def test_anonymize_many_equals_anonymize(self, harness: Harness) -> None:
        grace = _grace(harness)
        harness.core.privacy.anonymize_many(None)
        many = snapshot(harness)
        assert harness.core.privacy.anonymize(grace.id) == harness.core.customers.get(grace.id)
        assert snapshot(harness) == many
        assert harness.core.addresses.list(grace.id) == []
        assert [n.text for n in harness.core.notes.list(grace.id)] == [ANONYMIZED_NOTE]

    def test_anonymize_many_does_only_the_segment(self, harness: Harness) -> None:
        """A segment (or its text form) narrows the run; everyone else is left alone."""
        from customer_core.segments import C

        people = [customer(harness, f"p{i}") for i in range(6)]
        for person in people[:3]:
            harness.orders.record(
                order_id=person.id, customer_id=person.id, total_amount="5", status="delivered"
            )
            harness.core.ltv.recalculate(person.id)
        untouched = snapshot(harness)
        assert harness.core.privacy.anonymize_many("total_orders == 0", batch_size=2) == 3
        assert harness.core.privacy.anonymize_many(C.total_orders == 0) == 0
        for person in people:
            found = harness.core.customers.get(person.id)
            assert (found.name == ANONYMIZED_NAME) == (person in people[3:])
        kept = [x for x in untouched.customers if x.customer.id <= people[2].id]
        assert kept == [x for x in snapshot(harness).customers if x.customer.id <= people[2].id]

    def test_anonymize_many_of_a_segment_with_some_done_before(self, harness: Harness) -> None:
        """Customers anonymized earlier, between the others of a batch, take nobody's place."""
        people = [customer(harness, f"p{i}") for i in range(6)]
        for person in people[1::2]:
            harness.core.privacy.anonymize(person.id)
        assert harness.core.privacy.anonymize_many("id > 0", batch_size=6) == 3
        for person in people:
            assert harness.core.customers.get(person.id).name == ANONYMIZED_NAME

    @pytest.mark.parametrize("bad", ["total_orders ==", "nonsense > 1", 42, b"id > 0"])
    def test_anonymize_many_refuses_bad_segments(self, harness: Harness, bad: Any) -> None:
        ada = customer(harness)
        with pytest.raises(ValidationError) as raised:
            harness.core.privacy.anonymize_many(bad)
        assert "segment" in raised.value.errors
        assert harness.core.customers.get(ada.id) == ada

    @pytest.mark.parametrize("size", [0, -1, "10", 1.5, 10**6])
    def test_anonymize_many_refuses_bad_batch_sizes(self, harness: Harness, size: Any) -> None:
        ada = customer(harness)
        with pytest.raises(ValidationError) as raised:
            harness.core.privacy.anonymize_many(None, batch_size=size)
        assert "batch_size" in raised.value.errors
        assert harness.core.customers.get(ada.id) == ada

    # -- export ----------------------------------------------------------------------------

    def test_export_holds_the_persons_data_as_json(self, harness: Harness) -> None:
        grace = _grace(harness)
        harness.clock.advance(61)  # past the throttle of the token _grace requested
        token = _try_reset_token(harness, EMAIL)
        exported = harness.core.privacy.export(grace.id)
        assert json.loads(json.dumps(exported)) == exported
        assert exported["format"] == 1
        assert exported["customer"]["email"] == EMAIL
        assert exported["customer"]["lifetime_value"] == "81.00"
        assert [a["full_name"] for a in exported["addresses"]] == [NAME, NAME]
        assert [n["text"] for n in exported["notes"]] == [NOTE]
        events = exported["timeline"]
        if events:
            assert events[0]["type"] == "registered"
            assert events[0]["data"] == {"email": OLD_EMAIL}
        text = json.dumps(exported).lower()
        for secret in ("$argon2", "$2b$", "$2y$", token):
            assert secret is None or secret.lower() not in text

    def test_export_unknown_or_odd_id(self, harness: Harness) -> None:
        with pytest.raises(CustomerNotFound):
            harness.core.privacy.export(424_242)
        with pytest.raises(ValidationError) as raised:
            harness.core.privacy.export("1")  # type: ignore[arg-type]
        assert "customer_id" in raised.value.errors

    # -- erase -----------------------------------------------------------------------------

    def test_erase_leaves_only_an_erased_event(self, harness: Harness) -> None:
        ada = customer(harness, "ada")
        grace = _grace(harness)
        keeps_timeline = bool(timeline(harness, grace.id))
        harness.core.privacy.erase(grace.id)
        with pytest.raises(CustomerNotFound):
            harness.core.customers.get(grace.id)
        assert harness.core.customers.find_by_email(EMAIL) is None
        stored = harness.stored_text() if harness.stored_text is not None else ""
        for text in (stored, _visible_text(harness)):
            for value in PERSONAL:
                assert value.lower() not in text, value
        if keeps_timeline:
            published = [e for e in harness.core.timeline.claim(1000) if e.customer_id == grace.id]
            assert [(e.type, e.data) for e in published] == [(EventType.ERASED, {})]
        assert harness.core.customers.get(ada.id) == ada
        with pytest.raises(CustomerNotFound):
            harness.core.privacy.erase(grace.id)
