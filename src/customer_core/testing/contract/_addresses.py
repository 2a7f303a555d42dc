"""The address book's contract, above all: exactly one default per customer and type."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from customer_core.errors import AddressNotFound, CustomerNotFound, ValidationError
from customer_core.model import Address, AddressType
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import ADDRESS, address, customer, snapshot

__all__ = ["AddressBookContract"]


def _defaults(harness: Harness, customer_id: int, kind: str) -> list[int]:
    return [a.id for a in harness.core.addresses.list(customer_id, kind) if a.is_default]


class AddressBookContract:
    """``core.addresses``: add, get, list, default, set_default, update, remove."""

    def test_add_returns_the_stored_address(self, harness: Harness) -> None:
        """An added address comes back with its fields normalised and ``get`` returns it."""
        ada = customer(harness)
        added = address(harness, ada.id, country="gb", phone="+44 20 7946 0958")
        assert added.customer_id == ada.id
        assert added.type is AddressType.SHIPPING
        assert added.country == "GB"
        assert added.phone == "+442079460958"
        assert added.full_name == ADDRESS["full_name"]
        assert added.address_line2 is None
        assert added.created_at == harness.clock.now().replace(microsecond=0)
        assert harness.core.addresses.get(added.id) == added

    def test_add_trims_text_fields(self, harness: Harness) -> None:
        """Text fields are stored without surrounding whitespace."""
        ada = customer(harness)
        added = address(harness, ada.id, city="  London  ", address_line2="  Flat 3 ")
        assert (added.city, added.address_line2) == ("London", "Flat 3")

    def test_type_accepts_enum_and_plain_string(self, harness: Harness) -> None:
        """``type`` may be an AddressType or its plain string; both store the enum."""
        ada = customer(harness)
        by_enum = address(harness, ada.id, type=AddressType.BILLING)
        by_text = address(harness, ada.id, type="billing")
        assert by_enum.type is AddressType.BILLING
        assert by_text.type is AddressType.BILLING

    def test_first_address_of_a_type_becomes_default(self, harness: Harness) -> None:
        """The first address of a type is its default even without ``is_default``."""
        ada = customer(harness)
        first = address(harness, ada.id, is_default=False)
        assert first.is_default is True
        assert harness.core.addresses.default(ada.id, "shipping") == first

    def test_second_address_is_not_default(self, harness: Harness) -> None:
        """A second address added without ``is_default`` leaves the default where it was."""
        ada = customer(harness)
        first = address(harness, ada.id)
        second = address(harness, ada.id, city="Leeds")
        assert second.is_default is False
        assert _defaults(harness, ada.id, "shipping") == [first.id]

    def test_is_default_on_add_moves_the_default(self, harness: Harness) -> None:
        """Adding with ``is_default=True`` makes the new address the only default."""
        ada = customer(harness)
        address(harness, ada.id)
        second = address(harness, ada.id, city="Leeds", is_default=True)
        assert second.is_default is True
        assert _defaults(harness, ada.id, "shipping") == [second.id]

    def test_set_default_moves_the_default(self, harness: Harness) -> None:
        """``set_default`` makes that address the only default of its type."""
        ada = customer(harness)
        first = address(harness, ada.id)
        second = address(harness, ada.id, city="Leeds")
        moved = harness.core.addresses.set_default(second.id)
        assert moved.is_default is True
        assert moved.id == second.id
        assert _defaults(harness, ada.id, "shipping") == [second.id]
        assert harness.core.addresses.get(first.id).is_default is False

    def test_set_default_on_the_default_changes_nothing(self, harness: Harness) -> None:
        """``set_default`` of the current default keeps it the only default."""
        ada = customer(harness)
        first = address(harness, ada.id)
        address(harness, ada.id, city="Leeds")
        assert harness.core.addresses.set_default(first.id).is_default is True
        assert _defaults(harness, ada.id, "shipping") == [first.id]

    def test_types_have_separate_defaults(self, harness: Harness) -> None:
        """Shipping and billing each have their own default."""
        ada = customer(harness)
        ship = address(harness, ada.id, type="shipping")
        bill = address(harness, ada.id, type="billing")
        other_bill = address(harness, ada.id, type="billing", is_default=True)
        assert ship.is_default
        assert bill.is_default
        assert harness.core.addresses.default(ada.id, AddressType.SHIPPING) == ship
        assert _defaults(harness, ada.id, "billing") == [other_bill.id]
        assert harness.core.addresses.get(ship.id).is_default is True

    def test_customers_have_separate_defaults(self, harness: Harness) -> None:
        """One customer's default does not affect another customer's."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        ada_first = address(harness, ada.id)
        bob_first = address(harness, bob.id)
        address(harness, bob.id, is_default=True)
        assert harness.core.addresses.get(ada_first.id).is_default is True
        assert harness.core.addresses.get(bob_first.id).is_default is False

    def test_default_is_none_without_addresses_of_the_type(self, harness: Harness) -> None:
        """``default`` is None when the customer has no address of that type."""
        ada = customer(harness)
        address(harness, ada.id, type="shipping")
        assert harness.core.addresses.default(ada.id, "billing") is None

    def test_list_puts_defaults_first_then_by_id(self, harness: Harness) -> None:
        """``list`` returns the defaults first, then the rest by id."""
        ada = customer(harness)
        s1 = address(harness, ada.id, type="shipping")
        b1 = address(harness, ada.id, type="billing")
        s2 = address(harness, ada.id, type="shipping")
        s3 = address(harness, ada.id, type="shipping", is_default=True)
        b2 = address(harness, ada.id, type="billing")
        listed = [a.id for a in harness.core.addresses.list(ada.id)]
        assert listed[:2] == sorted([b1.id, s3.id])
        assert listed[2:] == [s1.id, s2.id, b2.id]

    def test_list_filters_by_type(self, harness: Harness) -> None:
        """``list`` with a type returns only that type's addresses, default first."""
        ada = customer(harness)
        s1 = address(harness, ada.id, type="shipping")
        address(harness, ada.id, type="billing")
        s2 = address(harness, ada.id, type="shipping", is_default=True)
        assert [a.id for a in harness.core.addresses.list(ada.id, "shipping")] == [s2.id, s1.id]
        assert [a.id for a in harness.core.addresses.list(ada.id, AddressType.SHIPPING)] == [
            s2.id,
            s1.id,
        ]

    def test_list_is_empty_for_a_customer_without_addresses(self, harness: Harness) -> None:
        """A customer with no addresses lists none, even when others have some."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        address(harness, bob.id)
        assert harness.core.addresses.list(ada.id) == []

    def test_removing_the_default_promotes_the_newest(self, harness: Harness) -> None:
        """Removing the default promotes the remaining address of its type with the highest id."""
        ada = customer(harness)
        first = address(harness, ada.id)
        second = address(harness, ada.id, city="Leeds")
        third = address(harness, ada.id, city="York")
        billing = address(harness, ada.id, type="billing")
        harness.core.addresses.set_default(second.id)
        harness.core.addresses.remove(second.id)
        assert _defaults(harness, ada.id, "shipping") == [third.id]
        assert harness.core.addresses.get(first.id).is_default is False
        assert harness.core.addresses.get(billing.id).is_default is True

    def test_removing_a_non_default_keeps_the_default(self, harness: Harness) -> None:
        """Removing an address that is not the default leaves the default alone."""
        ada = customer(harness)
        first = address(harness, ada.id)
        second = address(harness, ada.id, city="Leeds")
        harness.core.addresses.remove(second.id)
        assert _defaults(harness, ada.id, "shipping") == [first.id]

    def test_removing_the_last_address_leaves_no_default(self, harness: Harness) -> None:
        """After the only address of a type is removed, that type has no default."""
        ada = customer(harness)
        only = address(harness, ada.id)
        harness.core.addresses.remove(only.id)
        assert harness.core.addresses.default(ada.id, "shipping") is None
        with pytest.raises(AddressNotFound):
            harness.core.addresses.get(only.id)

    def test_update_changes_the_given_fields(self, harness: Harness) -> None:
        """``update`` changes only the fields given and stamps ``updated_at``."""
        ada = customer(harness)
        added = address(harness, ada.id)
        later = harness.clock.advance(60)
        updated = harness.core.addresses.update(added.id, city="Manchester", country="fr")
        assert (updated.city, updated.country) == ("Manchester", "FR")
        assert updated.full_name == added.full_name
        assert updated.is_default == added.is_default
        assert updated.created_at == added.created_at
        assert updated.updated_at == later.replace(microsecond=0)
        assert harness.core.addresses.get(added.id) == updated

    def test_update_cannot_change_the_type(self, harness: Harness) -> None:
        """Passing ``type`` to ``update`` is a ValidationError on ``type`` and changes nothing."""
        ada = customer(harness)
        added = address(harness, ada.id, type="shipping")
        with pytest.raises(ValidationError) as caught:
            harness.core.addresses.update(added.id, type="billing")
        assert "type" in caught.value.errors
        assert harness.core.addresses.get(added.id) == added

    def test_update_validates_the_fields(self, harness: Harness) -> None:
        """An update to a blank city is a ValidationError on ``city`` and changes nothing."""
        ada = customer(harness)
        added = address(harness, ada.id)
        with pytest.raises(ValidationError) as caught:
            harness.core.addresses.update(added.id, city="   ", full_name="New Name")
        assert "city" in caught.value.errors
        assert harness.core.addresses.get(added.id) == added

    def test_add_to_unknown_customer_raises(self, harness: Harness) -> None:
        """Adding an address for a missing customer raises CustomerNotFound."""
        with pytest.raises(CustomerNotFound):
            address(harness, 424242)

    @pytest.mark.parametrize("call", ["get", "set_default", "remove", "update"])
    def test_unknown_address_raises(self, harness: Harness, call: str) -> None:
        """Every call on an address id nobody has raises AddressNotFound."""
        ada = customer(harness)
        existing = address(harness, ada.id)
        method: Any = getattr(harness.core.addresses, call)
        options = {"city": "Leeds"} if call == "update" else {}
        with pytest.raises(AddressNotFound):
            method(existing.id + 1000, **options)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("type", "home"),
            ("full_name", "  "),
            ("full_name", "n" * 256),
            ("phone", "123"),
            ("address_line1", ""),
            ("address_line2", "x" * 256),
            ("city", ""),
            ("state", "s" * 256),
            ("zip_code", ""),
            ("country", "XX"),
            ("country", "GBR"),
            ("country", "United Kingdom"),
        ],
    )
    def test_add_rejects_a_bad_field(self, harness: Harness, field: str, value: str) -> None:
        """An address with one bad field is a ValidationError naming it, and nothing is stored."""
        ada = customer(harness)
        before = snapshot(harness)
        with pytest.raises(ValidationError) as caught:
            address(harness, ada.id, **{field: value})
        assert field in caught.value.errors
        assert snapshot(harness) == before

    def test_address_is_immutable(self, harness: Harness) -> None:
        """A returned Address cannot be changed in place."""
        added: Address = address(harness, customer(harness).id)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            added.city = "Elsewhere"  # type: ignore[misc]
