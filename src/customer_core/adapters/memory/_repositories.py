"""The in-memory repositories: dict look-ups, and every write through the journal."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from customer_core._accents import fold_accents
from customer_core.adapters.memory._journal import Journal, Tables
from customer_core.adapters.memory._keyset import after_position
from customer_core.adapters.memory._ledger import InMemoryOrderLedger
from customer_core.adapters.memory._segments import segment_filter
from customer_core.errors import DuplicateEmail
from customer_core.model import (
    Address,
    AddressType,
    Customer,
    ListedCustomer,
    Note,
)
from customer_core.ports import (
    Credentials,
    CustomerQuery,
    Keyset,
    NewAddress,
    NewCustomer,
    NewNote,
)

__all__ = ["InMemoryAddressRepository", "InMemoryCustomerRepository", "InMemoryNoteRepository"]

SORT_VALUES: dict[str, Callable[[Customer], Any]] = {
    "id": lambda c: c.id,
    "name": lambda c: c.name.lower(),
    "created_at": lambda c: c.created_at,
    "lifetime_value": lambda c: c.lifetime_value,
    "last_order_at": lambda c: c.last_order_at,
    "total_orders": lambda c: c.total_orders,
}


class InMemoryCustomerRepository:
    """Customers by id, with an index of lower-cased e-mails."""

    def __init__(self, tables: Tables, journal: Journal, orders: InMemoryOrderLedger) -> None:
        self._t = tables
        self._journal = journal
        self._orders = orders

    def add(self, customer: NewCustomer) -> Customer:
        """Insert; ``DuplicateEmail`` when the e-mail is taken."""
        if customer.email in self._t.emails:
            raise DuplicateEmail(customer.email)
        stored = Customer(id=self._t.new_id("customer"), **customer.row())  # type: ignore[arg-type]
        self._journal.set(self._t.customers, stored.id, stored)
        self._journal.set(self._t.hashes, stored.id, customer.password_hash)
        self._journal.set(self._t.emails, stored.email.lower(), stored.id)
        # The newest id is the highest; a rollback leaves it behind for readers to skip.
        self._t.customer_ids.append(stored.id)
        # Ids of rolled-back adds linger too; without this only deletes would compact.
        self._t.compact_customer_ids()
        return stored

    def find(self, customer_id: int) -> Customer | None:
        """The customer, or None."""
        return self._t.customers.get(customer_id)

    def lock(self, customer_id: int) -> Customer | None:
        """The storage's lock is held for the whole transaction already."""
        return self.find(customer_id)

    def find_by_email(self, email: str) -> Customer | None:
        """O(1) through the e-mail index."""
        customer_id = self._t.emails.get(email.lower())
        return None if customer_id is None else self._t.customers[customer_id]

    def find_credentials(self, email: str) -> Credentials | None:
        """The customer and its hash."""
        customer = self.find_by_email(email)
        if customer is None:
            return None
        return Credentials(customer=customer, password_hash=self._t.hashes[customer.id])

    def update(self, customer_id: int, changes: Mapping[str, object]) -> Customer:
        """Replace the customer with the changed copy, keeping the e-mail index right."""
        old = self._t.customers[customer_id]
        new = attrs.evolve(old, **changes)  # type: ignore[arg-type]
        if new.email.lower() != old.email.lower():
            if new.email.lower() in self._t.emails:
                raise DuplicateEmail(new.email)
            self._journal.delete(self._t.emails, old.email.lower())
            self._journal.set(self._t.emails, new.email.lower(), customer_id)
        self._journal.set(self._t.customers, customer_id, new)
        return new

    def set_password_hash(self, customer_id: int, password_hash: str, updated_at: datetime) -> None:
        """Replace the stored hash."""
        self._journal.set(self._t.hashes, customer_id, password_hash)
        self.update(customer_id, {"updated_at": updated_at})

    def delete(self, customer_id: int) -> None:
        """Delete the customer with its addresses and notes."""
        customer = self._t.customers[customer_id]
        for address_id in builtins.list(self._t.addresses_of.get(customer_id, ())):
            self._journal.delete(self._t.addresses, address_id)
        for note_id in builtins.list(self._t.notes_of.get(customer_id, ())):
            self._journal.delete(self._t.notes, note_id)
        for index in (self._t.addresses_of, self._t.notes_of):
            if customer_id in index:
                self._journal.delete(index, customer_id)
        self._journal.delete(self._t.emails, customer.email.lower())
        self._journal.delete(self._t.hashes, customer_id)
        self._journal.delete(self._t.customers, customer_id)
        self._journal.on_roll_back(lambda: self._t.restore_customer_id(customer_id))
        self._t.compact_customer_ids()

    def search(self, query: CustomerQuery) -> tuple[builtins.list[ListedCustomer], int | None]:
        """Filter references, sort the matches, slice one page.

        Every match is at hand, so an ``"estimate"`` is the exact count.
        """
        in_segment = segment_filter(self._t, query.segment)
        matches = [c for c in self._t.customers.values() if _matches(c, query) and in_segment(c)]
        ordered = _ordered(matches, query.sort, query.descending)
        if query.after is not None:
            position = query.after
            if query.sort == "name" and isinstance(position.value, str):
                # Names sort lower-cased (SORT_VALUES); the cursor holds the stored name.
                position = Keyset(position.value.lower(), position.id)
            ordered = after_position(ordered, SORT_VALUES[query.sort], position, query.descending)
        page = ordered[query.offset : query.offset + query.limit]
        items = [ListedCustomer(customer=c, orders_count=self._orders.count(c.id)) for c in page]
        return items, None if query.total is None else len(matches)

    def count(self) -> int:
        """How many customers there are."""
        return len(self._t.customers)

    def ids_after(self, after_id: int, limit: int) -> builtins.list[int]:
        """From the sorted id index: a bisection, then at most ``limit`` live ids.

        So a whole ``recalculate_all`` is O(n) plus a bisection per batch, not a
        sort per batch.
        """
        return self._t.customer_ids_above(after_id, limit)


def _matches(customer: Customer, query: CustomerQuery) -> bool:
    if query.blocked is not None and customer.is_blocked != query.blocked:
        return False
    if query.repeat is not None and customer.is_repeat != query.repeat:
        return False
    text = query.text
    fold = fold_accents if query.ignore_accents else str.lower
    return text is None or text in fold(customer.name) or text in fold(customer.email)


def _ordered(customers: Iterable[Customer], key: str, descending: bool) -> list[Customer]:
    """Sort by ``key`` with ties by id ascending; empty values last in both directions."""
    value = SORT_VALUES[key]
    by_id = sorted(customers, key=lambda c: c.id)
    present = [c for c in by_id if value(c) is not None]
    empty = [c for c in by_id if value(c) is None]
    # sort() is stable, also with reverse=True, so equal values keep id order.
    present.sort(key=value, reverse=descending)
    return present + empty


class InMemoryAddressRepository:
    """Addresses by id, with each customer's address ids."""

    def __init__(self, tables: Tables, journal: Journal) -> None:
        self._t = tables
        self._journal = journal

    def add(self, address: NewAddress) -> Address:
        """Insert and index the address."""
        stored = Address(id=self._t.new_id("address"), **attrs.asdict(address, recurse=False))
        self._journal.set(self._t.addresses, stored.id, stored)
        owned = self._owned(stored.customer_id)
        self._journal.set(owned, stored.id, None)
        return stored

    def find(self, address_id: int) -> Address | None:
        """The address, or None."""
        return self._t.addresses.get(address_id)

    def list(self, customer_id: int, type: AddressType | None = None) -> builtins.list[Address]:
        """Defaults first, then by id."""
        owned = self._t.addresses_of.get(customer_id, {})
        found = [self._t.addresses[i] for i in owned]
        chosen = [a for a in found if type is None or a.type == type]
        return sorted(chosen, key=lambda a: (not a.is_default, a.id))

    def update(self, address_id: int, changes: Mapping[str, object]) -> Address:
        """Replace the address with the changed copy."""
        new = attrs.evolve(self._t.addresses[address_id], **changes)  # type: ignore[arg-type]
        self._journal.set(self._t.addresses, address_id, new)
        return new

    def clear_default(self, customer_id: int, type: AddressType, updated_at: datetime) -> None:
        """Unset the default flag on the customer's addresses of this type."""
        for address in self.list(customer_id, type):
            if address.is_default:
                self.update(address.id, {"is_default": False, "updated_at": updated_at})

    def remove(self, address_id: int) -> None:
        """Delete and unindex the address."""
        address = self._t.addresses[address_id]
        self._journal.delete(self._owned(address.customer_id), address_id)
        self._journal.delete(self._t.addresses, address_id)

    def _owned(self, customer_id: int) -> dict[int, None]:
        owned = self._t.addresses_of.get(customer_id)
        if owned is None:
            owned = {}
            self._journal.set(self._t.addresses_of, customer_id, owned)
        return owned


class InMemoryNoteRepository:
    """Notes by id, with each customer's note ids."""

    def __init__(self, tables: Tables, journal: Journal) -> None:
        self._t = tables
        self._journal = journal

    def add(self, note: NewNote) -> Note:
        """Insert and index the note (any author id is accepted: there is no users table)."""
        stored = Note(id=self._t.new_id("note"), **attrs.asdict(note, recurse=False))
        self._journal.set(self._t.notes, stored.id, stored)
        owned = self._t.notes_of.get(stored.customer_id)
        if owned is None:
            owned = {}
            self._journal.set(self._t.notes_of, stored.customer_id, owned)
        self._journal.set(owned, stored.id, None)
        return stored

    def find(self, note_id: int) -> Note | None:
        """The note, or None."""
        return self._t.notes.get(note_id)

    def list(self, customer_id: int) -> builtins.list[Note]:
        """Newest first: ``created_at``, then id, descending."""
        notes = [self._t.notes[i] for i in self._t.notes_of.get(customer_id, {})]
        return sorted(notes, key=lambda n: (n.created_at, n.id), reverse=True)

    def update(self, note_id: int, text: str, updated_at: datetime) -> Note:
        """Replace the text."""
        new = attrs.evolve(self._t.notes[note_id], text=text, updated_at=updated_at)
        self._journal.set(self._t.notes, note_id, new)
        return new

    def remove(self, note_id: int) -> None:
        """Delete and unindex the note."""
        note = self._t.notes[note_id]
        self._journal.delete(self._t.notes_of[note.customer_id], note_id)
        self._journal.delete(self._t.notes, note_id)
