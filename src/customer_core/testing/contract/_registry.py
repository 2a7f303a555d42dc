"""The customer registry's contract: registration, profile changes, blocking, deletion."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import attrs
import pytest

from customer_core.errors import (
    AddressNotFound,
    CustomerNotFound,
    DuplicateEmail,
    NoteNotFound,
    ValidationError,
)
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import PASSWORD, address, customer, snapshot

__all__ = ["RegistryContract", "RegistryValidationContract"]


class RegistryContract:
    """``core.customers``: register, get, find_by_email, update, change_email, block, delete."""

    def test_register_returns_the_new_customer(self, harness: Harness) -> None:
        """A registered customer comes back with its fields, no orders, and times of now."""
        now = harness.clock.now()
        ada = harness.core.customers.register(
            name="Ada Lovelace", email="ada@example.com", password=PASSWORD
        )
        assert ada.name == "Ada Lovelace"
        assert ada.email == "ada@example.com"
        assert ada.phone is None
        assert ada.avatar is None
        assert ada.is_blocked is False
        assert ada.lifetime_value == Decimal("0.00")
        assert ada.total_orders == 0
        assert ada.last_order_at is None
        assert ada.is_repeat is False
        assert ada.created_at == now.replace(microsecond=0)
        assert ada.updated_at == ada.created_at

    def test_get_returns_what_register_returned(self, harness: Harness) -> None:
        """``get`` reads back exactly the customer ``register`` returned."""
        ada = customer(harness, phone="+442079460958", avatar="https://img.example.com/a.png")
        assert harness.core.customers.get(ada.id) == ada

    def test_get_unknown_raises_customer_not_found(self, harness: Harness) -> None:
        """``get`` of an id nobody has raises CustomerNotFound."""
        ada = customer(harness)
        with pytest.raises(CustomerNotFound):
            harness.core.customers.get(ada.id + 1000)

    def test_registered_customers_get_distinct_ids(self, harness: Harness) -> None:
        """Two registrations produce two customers with different ids."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        assert ada.id != bob.id
        assert harness.core.customers.get(bob.id).email == "bob@example.com"

    def test_register_trims_the_name(self, harness: Harness) -> None:
        """Surrounding whitespace of the name is not stored."""
        ada = customer(harness, name="  Ada Lovelace \t")
        assert harness.core.customers.get(ada.id).name == "Ada Lovelace"

    def test_register_lower_cases_the_email(self, harness: Harness) -> None:
        """The e-mail is stored lower-cased."""
        ada = customer(harness, email="Ada.Lovelace@Example.COM")
        assert harness.core.customers.get(ada.id).email == "ada.lovelace@example.com"

    def test_register_stores_the_phone_as_e164(self, harness: Harness) -> None:
        """An international number with spaces is stored in E.164 form."""
        ada = customer(harness, phone="+44 20 7946 0958")
        assert harness.core.customers.get(ada.id).phone == "+442079460958"

    def test_register_stores_an_http_avatar(self, harness: Harness) -> None:
        """An https avatar URL is stored as given."""
        ada = customer(harness, avatar="https://cdn.example.com/avatars/ada.png")
        assert (
            harness.core.customers.get(ada.id).avatar == "https://cdn.example.com/avatars/ada.png"
        )

    def test_register_duplicate_email_in_other_case_raises(self, harness: Harness) -> None:
        """Registering an e-mail another customer has, in any case, raises DuplicateEmail."""
        customer(harness, email="ada@example.com")
        before = snapshot(harness)
        with pytest.raises(DuplicateEmail):
            customer(harness, "other", email="ADA@Example.com")
        assert snapshot(harness) == before

    def test_find_by_email_ignores_case(self, harness: Harness) -> None:
        """``find_by_email`` finds the customer whatever the case of the e-mail asked for."""
        ada = customer(harness, email="ada@example.com")
        assert harness.core.customers.find_by_email("ADA@EXAMPLE.com") == ada

    def test_find_by_email_unknown_returns_none(self, harness: Harness) -> None:
        """``find_by_email`` of an e-mail nobody has returns None."""
        customer(harness)
        assert harness.core.customers.find_by_email("nobody@example.com") is None

    def test_update_changes_only_the_given_keywords(self, harness: Harness) -> None:
        """Updating the name keeps phone and avatar as they were."""
        ada = customer(harness, phone="+442079460958", avatar="https://img.example.com/a.png")
        updated = harness.core.customers.update(ada.id, name="Augusta Ada King")
        assert updated.name == "Augusta Ada King"
        assert updated.phone == "+442079460958"
        assert updated.avatar == "https://img.example.com/a.png"
        assert harness.core.customers.get(ada.id) == updated

    def test_update_none_clears_phone_and_avatar(self, harness: Harness) -> None:
        """Passing None for phone and avatar clears them and keeps the name."""
        ada = customer(harness, phone="+442079460958", avatar="https://img.example.com/a.png")
        updated = harness.core.customers.update(ada.id, phone=None, avatar=None)
        assert (updated.phone, updated.avatar, updated.name) == (None, None, ada.name)
        assert harness.core.customers.get(ada.id) == updated

    def test_update_stamps_updated_at_and_keeps_created_at(self, harness: Harness) -> None:
        """An update moves ``updated_at`` to now and leaves ``created_at``."""
        ada = customer(harness)
        later = harness.clock.advance(3600)
        updated = harness.core.customers.update(ada.id, name="Ada K.")
        assert updated.created_at == ada.created_at
        assert updated.updated_at == later.replace(microsecond=0)

    def test_update_unknown_customer_raises(self, harness: Harness) -> None:
        """Updating a customer that does not exist raises CustomerNotFound."""
        with pytest.raises(CustomerNotFound):
            harness.core.customers.update(424242, name="Nobody")

    def test_update_rejects_a_blank_name(self, harness: Harness) -> None:
        """An update to a blank name is a ValidationError on ``name``."""
        ada = customer(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.update(ada.id, name="   ")
        assert "name" in caught.value.errors
        assert harness.core.customers.get(ada.id) == ada

    def test_change_email_stores_it_lower_cased(self, harness: Harness) -> None:
        """The new e-mail is stored lower-cased and the old one no longer finds the customer."""
        ada = customer(harness, email="ada@example.com")
        changed = harness.core.customers.change_email(ada.id, "Countess@Lovelace.ORG")
        assert changed.email == "countess@lovelace.org"
        assert harness.core.customers.find_by_email("countess@lovelace.org") == changed
        assert harness.core.customers.find_by_email("ada@example.com") is None

    def test_change_email_to_anothers_email_in_other_case_raises(self, harness: Harness) -> None:
        """Taking another customer's e-mail, in any case, raises DuplicateEmail."""
        customer(harness, "ada")
        bob = customer(harness, "bob")
        before = snapshot(harness)
        with pytest.raises(DuplicateEmail):
            harness.core.customers.change_email(bob.id, "ADA@example.COM")
        assert snapshot(harness) == before

    def test_change_email_to_own_email_in_other_case_is_allowed(self, harness: Harness) -> None:
        """A customer's own e-mail in another case is not a duplicate of itself."""
        ada = customer(harness, email="ada@example.com")
        changed = harness.core.customers.change_email(ada.id, "ADA@EXAMPLE.COM")
        assert changed.email == "ada@example.com"

    def test_change_email_rejects_an_invalid_address(self, harness: Harness) -> None:
        """A malformed e-mail is a ValidationError on ``email``."""
        ada = customer(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.change_email(ada.id, "not-an-email")
        assert "email" in caught.value.errors

    def test_change_email_of_unknown_customer_raises(self, harness: Harness) -> None:
        """Changing the e-mail of a missing customer raises CustomerNotFound."""
        with pytest.raises(CustomerNotFound):
            harness.core.customers.change_email(424242, "new@example.com")

    def test_block_sets_the_flag_and_is_idempotent(self, harness: Harness) -> None:
        """Blocking sets ``is_blocked``; blocking again leaves it set."""
        ada = customer(harness)
        assert harness.core.customers.block(ada.id).is_blocked is True
        assert harness.core.customers.block(ada.id).is_blocked is True
        assert harness.core.customers.get(ada.id).is_blocked is True

    def test_unblock_clears_the_flag_and_is_idempotent(self, harness: Harness) -> None:
        """Unblocking clears ``is_blocked``; unblocking again leaves it clear."""
        ada = customer(harness)
        harness.core.customers.block(ada.id)
        assert harness.core.customers.unblock(ada.id).is_blocked is False
        assert harness.core.customers.unblock(ada.id).is_blocked is False
        assert harness.core.customers.get(ada.id).is_blocked is False

    def test_block_unknown_customer_raises(self, harness: Harness) -> None:
        """Blocking a missing customer raises CustomerNotFound."""
        with pytest.raises(CustomerNotFound):
            harness.core.customers.block(424242)

    def test_delete_removes_the_customer(self, harness: Harness) -> None:
        """After ``delete`` the customer can be neither got nor found by e-mail."""
        ada = customer(harness)
        harness.core.customers.delete(ada.id)
        with pytest.raises(CustomerNotFound):
            harness.core.customers.get(ada.id)
        assert harness.core.customers.find_by_email(ada.email) is None

    def test_delete_takes_addresses_and_notes_along(self, harness: Harness) -> None:
        """Deleting a customer deletes its addresses and notes, and no one else's."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        ada_address = address(harness, ada.id)
        ada_note = harness.core.notes.add(ada.id, author_id=harness.author_id, text="VIP")
        bob_address = address(harness, bob.id)
        bob_note = harness.core.notes.add(bob.id, author_id=harness.author_id, text="new")
        harness.core.customers.delete(ada.id)
        with pytest.raises(AddressNotFound):
            harness.core.addresses.get(ada_address.id)
        with pytest.raises(NoteNotFound):
            harness.core.notes.edit(ada_note.id, "still here?")
        assert harness.core.addresses.get(bob_address.id) == bob_address
        assert harness.core.notes.list(bob.id) == [bob_note]

    def test_delete_frees_the_email(self, harness: Harness) -> None:
        """Once a customer is deleted its e-mail can be registered again."""
        ada = customer(harness)
        harness.core.customers.delete(ada.id)
        again = customer(harness)
        assert again.email == ada.email
        assert harness.core.customers.find_by_email(ada.email) == again

    def test_stored_times_are_whole_utc_seconds(self, harness: Harness) -> None:
        """``created_at`` and ``updated_at`` are aware UTC datetimes without microseconds."""
        harness.clock.advance(0.75)
        ada = customer(harness)
        for moment in (ada.created_at, ada.updated_at):
            assert moment is not None
            assert moment.tzinfo is not None
            assert moment.utcoffset() == timedelta(0)
            assert moment.microsecond == 0
        assert ada.created_at == harness.clock.now().astimezone(UTC).replace(microsecond=0)

    def test_customer_is_immutable(self, harness: Harness) -> None:
        """A returned Customer cannot be changed in place."""
        ada = customer(harness)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            ada.name = "Mallory"  # type: ignore[misc]

    def test_customer_carries_no_password(self, harness: Harness) -> None:
        """No field of a Customer holds the password or anything derived from it."""
        ada = customer(harness)
        names = {field.name for field in attrs.fields(type(ada))}
        assert not {n for n in names if "password" in n or "hash" in n}
        assert PASSWORD not in repr(ada)
        assert "$argon2" not in repr(ada)
        assert "$2y$" not in repr(ada)


class RegistryValidationContract:
    """``core.customers`` input rules: each bad field is a ValidationError naming it."""

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("name", ""),
            ("name", "   "),
            ("name", "x" * 256),
            ("email", "not-an-email"),
            ("email", "a@b@example.com"),
            ("email", "ada@"),
            ("email", "a" * 244 + "@example.com"),
            ("password", "short7!"),
            ("password", "p" * 1025),
            ("phone", "12"),
            ("phone", "+44 20"),
            ("phone", "not a phone"),
            ("avatar", "ftp://example.com/a.png"),
            ("avatar", "javascript:alert(1)"),
            ("avatar", "avatar.png"),
            ("avatar", "https://example.com/" + "a" * 240),
        ],
    )
    def test_register_rejects_a_bad_field(self, harness: Harness, field: str, value: str) -> None:
        """One bad field is a ValidationError naming that field, and nothing is stored."""
        before = snapshot(harness)
        with pytest.raises(ValidationError) as caught:
            customer(harness, **{field: value})
        assert field in caught.value.errors
        assert isinstance(caught.value.errors[field], str)
        assert snapshot(harness) == before

    @pytest.mark.parametrize(
        ("field", "value", "stored"),
        [
            ("name", "x" * 255, "x" * 255),
            ("name", "A", "A"),
            ("password", "p" * 8, None),
            ("password", "p" * 1024, None),
            ("email", "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com", None),
        ],
    )
    def test_register_accepts_boundary_values(
        self, harness: Harness, field: str, value: str, stored: str | None
    ) -> None:
        """Values at the edges of the allowed lengths are accepted."""
        registered = customer(harness, **{field: value})
        if stored is not None:
            assert getattr(registered, field) == stored

    def test_register_reports_each_bad_field(self, harness: Harness) -> None:
        """A call with several bad fields names each of them in one ValidationError."""
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.register(name=" ", email="nope", password="short")
        assert {"name", "email", "password"} <= set(caught.value.errors)

    def test_update_rejects_a_bad_phone(self, harness: Harness) -> None:
        """Updating the phone to an impossible number is a ValidationError on ``phone``."""
        ada = customer(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.update(ada.id, phone="+44 1")
        assert "phone" in caught.value.errors
        assert harness.core.customers.get(ada.id) == ada

    def test_update_rejects_a_non_http_avatar(self, harness: Harness) -> None:
        """Updating the avatar to a non-http(s) URL is a ValidationError on ``avatar``."""
        ada = customer(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.update(ada.id, avatar="file:///etc/passwd")
        assert "avatar" in caught.value.errors
        assert harness.core.customers.get(ada.id) == ada

    def test_change_password_rejects_a_short_password(self, harness: Harness) -> None:
        """A new password under 8 characters is a ValidationError on ``password``."""
        ada = customer(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.change_password(ada.id, "1234567")
        assert "password" in caught.value.errors
        assert harness.core.customers.authenticate(ada.email, PASSWORD) == ada
