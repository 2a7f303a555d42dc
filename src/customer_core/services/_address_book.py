"""The address book: shipping and billing addresses, one default per type.

The invariant: for each (customer, type) exactly one address is the default
while the customer has any of that type. Every change locks the customer's
row first, so concurrent calls for one customer run one after the other and
cannot both make a default.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from customer_core import rules
from customer_core.errors import AddressNotFound, CustomerNotFound, ValidationError
from customer_core.model import Address, AddressType
from customer_core.ports import NewAddress, Transaction
from customer_core.rules import Fields
from customer_core.services._context import (
    Context,
    checked_id,
    customer_id_of,
    found,
    locked_customer,
    not_anonymized,
    writable_customer,
)
from customer_core.timeline import EventType

__all__ = ["AddressBook"]


def _rules(region: str | None) -> dict[str, Callable[[object], Any]]:
    """The rule of each changeable field of an address."""
    return {
        "full_name": rules.required_text,
        "phone": rules.required_phone(region),
        "address_line1": rules.required_text,
        "address_line2": rules.optional_text,
        "city": rules.required_text,
        "state": rules.required_text,
        "zip_code": rules.required_text,
        "country": rules.country,
    }


class AddressBook:
    """Adds, lists, changes and removes customers' addresses, keeping one default per type."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._rules = _rules(context.default_region)

    def add(
        self,
        customer_id: int,
        *,
        type: AddressType | str,
        full_name: str,
        phone: str,
        address_line1: str,
        city: str,
        state: str,
        zip_code: str,
        country: str,
        address_line2: str | None = None,
        is_default: bool = False,
    ) -> Address:
        """Add an address; the first of its type, or ``is_default=True``, makes it the default."""
        given = {
            "full_name": full_name,
            "phone": phone,
            "address_line1": address_line1,
            "address_line2": address_line2,
            "city": city,
            "state": state,
            "zip_code": zip_code,
            "country": country,
        }
        fields = Fields()
        kind = fields.check("type", rules.address_type, type)
        wanted_default = fields.check("is_default", rules.flag, is_default)
        values = {
            name: fields.check(name, self._rules[name], value) for name, value in given.items()
        }
        fields.done()
        now = self._context.now()

        def work(tx: Transaction) -> Address:
            customer = writable_customer(tx, customer_id)
            has_default = self._default(tx, customer.id, kind) is not None
            if wanted_default and has_default:
                tx.addresses.clear_default(customer.id, kind, now)
            new = NewAddress(
                customer_id=customer.id,
                type=kind,
                is_default=wanted_default or not has_default,
                created_at=now,
                updated_at=now,
                **values,
            )
            added = tx.addresses.add(new)
            data = {"address_id": added.id, "type": str(kind), "is_default": added.is_default}
            self._context.record(tx, customer.id, EventType.ADDRESS_ADDED, data)
            return added

        return self._context.write(work)

    def get(self, address_id: int) -> Address:
        """The address with this id; ``AddressNotFound`` if there is none."""
        number = _address_id(address_id)

        def work(tx: Transaction) -> Address:
            return _found(tx, number)

        return self._context.read(work)

    def list(
        self, customer_id: int, type: AddressType | str | None = None
    ) -> builtins.list[Address]:
        """The customer's addresses (of one type if given): the defaults first, then by id."""
        kind = _optional_type(type)
        number = customer_id_of(customer_id)

        def work(tx: Transaction) -> builtins.list[Address]:
            if tx.customers.find(number) is None:
                raise CustomerNotFound(customer_id)
            return tx.addresses.list(number, kind)

        return self._context.read(work)

    def default(self, customer_id: int, type: AddressType | str) -> Address | None:
        """The customer's default address of this type, or None if it has none."""
        kind = _optional_type(type, required=True)
        number = customer_id_of(customer_id)

        def work(tx: Transaction) -> Address | None:
            if tx.customers.find(number) is None:
                raise CustomerNotFound(customer_id)
            assert kind is not None
            return self._default(tx, number, kind)

        return self._context.read(work)

    def set_default(self, address_id: int) -> Address:
        """Make this address the default of its type (idempotent)."""
        number = _address_id(address_id)

        def work(tx: Transaction) -> Address:
            address = self._locked(tx, number, writing=True)
            if address.is_default:
                return address
            now = self._context.now()
            tx.addresses.clear_default(address.customer_id, address.type, now)
            updated = tx.addresses.update(address.id, {"is_default": True, "updated_at": now})
            data = {"address_id": address.id, "type": str(address.type)}
            self._context.record(tx, address.customer_id, EventType.DEFAULT_ADDRESS_CHANGED, data)
            return updated

        return self._context.write(work)

    def update(self, address_id: int, **changes: object) -> Address:
        """Change the given fields (not ``type``); ``is_default=True`` moves the default."""
        number = _address_id(address_id)
        fields = Fields()
        values: dict[str, object] = {}
        make_default = False
        for name, value in changes.items():
            if name == "is_default":
                make_default = bool(fields.check(name, rules.flag, value))
                if value is False:
                    fields.errors[name] = "cannot be unset; make another address the default"
            elif name == "type":
                fields.errors[name] = "cannot be changed; remove the address and add a new one"
            elif name in self._rules:
                values[name] = fields.check(name, self._rules[name], value)
            else:
                fields.errors[name] = "is not a field of an address"
        fields.done()

        def work(tx: Transaction) -> Address:
            address = self._locked(tx, number, writing=True)
            changed = [name for name, value in values.items() if getattr(address, name) != value]
            if make_default and not address.is_default:
                changed.append("is_default")
            if not changed:
                # Nothing differs: nothing is written, so the timeline gets no event.
                return address
            now = self._context.now()
            written = {**values, "updated_at": now}
            if make_default and not address.is_default:
                tx.addresses.clear_default(address.customer_id, address.type, now)
                written["is_default"] = True
            updated = tx.addresses.update(address.id, written)
            data = {"address_id": address.id, "fields": changed}
            self._context.record(tx, address.customer_id, EventType.ADDRESS_UPDATED, data)
            return updated

        return self._context.write(work)

    def remove(self, address_id: int) -> None:
        """Remove the address; if it was the default, the newest one left of its type takes over."""
        number = _address_id(address_id)

        def work(tx: Transaction) -> None:
            address = self._locked(tx, number)
            tx.addresses.remove(address.id)
            data: dict[str, object] = {"address_id": address.id, "type": str(address.type)}
            rest = []
            if address.is_default:
                rest = tx.addresses.list(address.customer_id, address.type)
            if rest:
                newest = max(rest, key=lambda other: other.id)
                changes = {"is_default": True, "updated_at": self._context.now()}
                tx.addresses.update(newest.id, changes)
                data["new_default_address_id"] = newest.id
            self._context.record(tx, address.customer_id, EventType.ADDRESS_REMOVED, data)

        self._context.write(work)

    def _locked(self, tx: Transaction, address_id: int, *, writing: bool = False) -> Address:
        """The address, read again after its customer's row is locked; ``writing``: a change
        to it, refused for an anonymized customer (a removal is not)."""
        address = _found(tx, address_id)
        customer = locked_customer(tx, address.customer_id)
        if writing:
            not_anonymized(customer)
        return _found(tx, address_id)

    @staticmethod
    def _default(tx: Transaction, customer_id: int, kind: AddressType) -> Address | None:
        addresses = tx.addresses.list(customer_id, kind)
        return addresses[0] if addresses and addresses[0].is_default else None


def _address_id(value: object) -> int:
    return checked_id(value, "address_id", AddressNotFound)


def _found(tx: Transaction, address_id: int) -> Address:
    return found(tx.addresses.find(address_id), AddressNotFound, address_id)


def _optional_type(value: object, *, required: bool = False) -> AddressType | None:
    if value is None and not required:
        return None
    try:
        return rules.address_type(value)
    except rules.Invalid as error:
        raise ValidationError.single("type", str(error)) from None
