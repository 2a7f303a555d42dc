"""Default implementations of the optional ports, built on the required ones.

An adapter author implements :class:`~customer_core.ports.CustomerRepository`
and :class:`~customer_core.ports.OrderLedger`; its transaction then exposes
``totals = LedgerTotals(customers, orders)`` and ``imports =
OneByOneImports(customers)`` until it has faster paths (the SQL adapter
subclasses both with set-based statements). They are as correct as the core
they stand on: every write goes through it, in the caller's transaction.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import attrs

from customer_core._segment import C, Segment, matches, needs_countries
from customer_core.anonymization import (
    ANONYMIZED_NOTE,
    KEPT_EVENT_DATA,
    Anonymization,
    anonymized_fields,
    has_anonymized_email,
    is_unusable_password,
)
from customer_core.clock import stored_time
from customer_core.errors import StorageError
from customer_core.model import Customer, ListedCustomer, OrderTotals
from customer_core.ports import (
    AddressRepository,
    CustomerQuery,
    CustomerRepository,
    CustomerSegments,
    EventLog,
    NewCustomer,
    OrderLedger,
    ResetToken,
    Transaction,
)
from customer_core.rfm import RfmInput, RfmScore, score, summarize
from customer_core.timeline import CustomerEvent, EventType, NewEvent

__all__ = [
    "ChangeThenAppend",
    "LedgerTotals",
    "NoEventLog",
    "NoResetTokens",
    "OneByOneAnonymizer",
    "OneByOneImports",
    "ScanAnalytics",
    "ScanningSegments",
    "segments_of",
    "totals_of",
]


def totals_of(customer: Customer) -> OrderTotals:
    """The lifetime-value fields a customer has stored."""
    return OrderTotals(customer.lifetime_value, customer.total_orders, customer.last_order_at)


class LedgerTotals:
    """A :class:`~customer_core.ports.TotalsWriter`: per customer, a lock, the ledger's
    totals and one ``update``."""

    def __init__(self, customers: CustomerRepository, orders: OrderLedger) -> None:
        self.customers = customers
        self.orders = orders

    def save(self, customer_id: int, totals: OrderTotals, updated_at: datetime) -> Customer:
        """Write the lifetime-value fields through ``customers.update``."""
        last = None if totals.last_order_at is None else stored_time(totals.last_order_at)
        changes = {
            "lifetime_value": totals.lifetime_value,
            "total_orders": totals.total_orders,
            "last_order_at": last,
            "updated_at": updated_at,
        }
        return self.customers.update(customer_id, changes)

    def recalculate_after(
        self, after_id: int, limit: int, updated_at: datetime
    ) -> tuple[int, int] | None:
        """The next ``limit`` customers above ``after_id``, one by one."""
        found = self._recalculate(self.customers.ids_after(after_id, limit), updated_at)
        return (found[-1], len(found)) if found else None

    def recalculate_changes_after(
        self, after_id: int, limit: int, updated_at: datetime
    ) -> tuple[int, int, dict[int, OrderTotals], dict[int, OrderTotals]] | None:
        """``current`` of the next ``limit`` ids, :meth:`recalculate_after`, ``current`` of
        those it handled."""
        before = self.current(self.customers.ids_after(after_id, limit))
        batch = self.recalculate_after(after_id, limit, updated_at)
        if batch is None:
            return None
        last, handled = batch
        return last, handled, before, self.current([i for i in before if i <= last])

    def recalculate_ids(self, ids: Sequence[int], updated_at: datetime) -> list[int]:
        """The customers among ``ids``, locked and recomputed in ascending id order."""
        return self._recalculate(sorted(set(ids)), updated_at)

    def current(self, ids: Sequence[int]) -> dict[int, OrderTotals]:
        """``find`` of each."""
        stored: dict[int, OrderTotals] = {}
        for customer_id in ids:
            found = self.customers.find(customer_id)
            if found is not None:
                stored[customer_id] = totals_of(found)
        return stored

    def _recalculate(self, ids: Sequence[int], updated_at: datetime) -> list[int]:
        found: list[int] = []
        for customer_id in ids:
            # Locked before the orders are read, as LifetimeValue.recalculate does.
            if self.customers.lock(customer_id) is not None:
                self.save(customer_id, self.orders.totals(customer_id), updated_at)
                found.append(customer_id)
        return found


class OneByOneImports:
    """A :class:`~customer_core.ports.CustomerImports`: an ``add`` or a look-up per customer."""

    def __init__(self, customers: CustomerRepository) -> None:
        self.customers = customers

    def add_many(self, customers: Sequence[NewCustomer]) -> int:
        """``add`` each; the transaction undoes them all if one fails."""
        for customer in customers:
            self.customers.add(customer)
        return len(customers)

    def existing_emails(self, emails: Sequence[str]) -> set[str]:
        """``find_by_email`` of each."""
        return {email for email in emails if self.customers.find_by_email(email) is not None}


class NoResetTokens:
    """A :class:`~customer_core.ports.ResetTokens` for a storage with no place for tokens.

    Nothing is stored, so no token is found and there is nothing to delete
    (deleting a customer or changing its e-mail works as before);
    ``request_password_reset`` raises ``StorageError`` when it would store one.
    """

    def find(self, email: str) -> ResetToken | None:
        """None: no token is ever stored."""
        return None

    def replace(self, token: ResetToken) -> None:
        """Refused: ``StorageError``."""
        raise StorageError("this storage keeps no password-reset tokens")

    def delete(self, email: str) -> None:
        """Nothing to delete."""


class ChangeThenAppend:
    """A :class:`~customer_core.ports.RecordedChanges` of two calls: the customer write,
    then :meth:`~customer_core.ports.EventLog.append` of its event (a failed write
    raises before the event is stored)."""

    def __init__(self, customers: CustomerRepository, events: EventLog) -> None:
        self._customers = customers
        self._events = events

    def add(self, customer: NewCustomer, event: NewEvent) -> Customer:
        """Add the customer, then append the event with its id."""
        added = self._customers.add(customer)
        self._events.append(attrs.evolve(event, customer_id=added.id))
        return added

    def update(self, customer_id: int, changes: Mapping[str, object], event: NewEvent) -> Customer:
        """Update the customer, then append the event."""
        updated = self._customers.update(customer_id, changes)
        self._events.append(event)
        return updated


class NoEventLog:
    """An :class:`~customer_core.ports.EventLog` for a storage that keeps no timeline yet.

    Changes write no event; reading the timeline or the outbox raises
    ``TypeError`` rather than answer as if nothing had happened.
    """

    def append(self, event: NewEvent) -> None:
        """Keep nothing."""

    def append_many(self, events: Sequence[NewEvent]) -> None:
        """Keep nothing."""

    def append_imported(
        self, emails: Sequence[str], actor_id: int | None, occurred_at: datetime
    ) -> None:
        """Keep nothing."""

    def list(
        self, customer_id: int, types: Sequence[EventType] | None, offset: int, limit: int
    ) -> tuple[list[CustomerEvent], int]:
        """Refused: this storage keeps no timeline."""
        raise TypeError(_NO_TIMELINE)

    def claim(
        self, limit: int, now: datetime, lease_until: datetime
    ) -> builtins.list[CustomerEvent]:
        """Refused: this storage keeps no outbox."""
        raise TypeError(_NO_TIMELINE)

    def ack(self, event_ids: Sequence[int], now: datetime) -> int:
        """Refused: this storage keeps no outbox."""
        raise TypeError(_NO_TIMELINE)

    def scrub(self, customer_ids: Sequence[int], keep: Sequence[EventType]) -> None:
        """Nothing kept, nothing to scrub."""

    def purge(self, customer_id: int) -> None:
        """Nothing kept, nothing to delete."""


_NO_TIMELINE = "this storage keeps no timeline (customer_events) yet"


class ScanningSegments:
    """A :class:`~customer_core.ports.CustomerSegments` on the required repositories.

    Reads every customer in id batches and keeps those :func:`customer_core._segment.matches`
    accepts (with their addresses' countries when the segment asks about them). A search
    asks the repository for all of its text and flag matches in order, then keeps the
    segment's and slices the page: the result of a native search, at the cost of a scan.
    """

    #: Customers read per batch.
    batch_size = 500

    def __init__(self, customers: CustomerRepository, addresses: AddressRepository) -> None:
        self.customers = customers
        self.addresses = addresses

    def search(self, query: CustomerQuery) -> tuple[builtins.list[ListedCustomer], int | None]:
        """The repository's search without the segment, filtered, then one page."""
        segment = query.segment
        if segment is None:
            return self.customers.search(query)
        everyone = max(1, self.customers.count())
        unpaged = attrs.evolve(query, segment=None, offset=0, limit=everyone)
        listed, _ = self.customers.search(unpaged)
        kept = [item for item in listed if self._holds(segment, item.customer)]
        return kept[query.offset : query.offset + query.limit], len(kept)

    def count(self, segment: Segment) -> int:
        """Every customer, evaluated."""
        found = 0
        after_id = 0
        while batch := self.after(segment, after_id, self.batch_size):
            found += len(batch)
            after_id = batch[-1].id
        return found

    def after(self, segment: Segment, after_id: int, limit: int) -> builtins.list[Customer]:
        """Scan ids above ``after_id`` until ``limit`` customers of the segment are found."""
        found: builtins.list[Customer] = []
        while len(found) < limit:
            ids = self.customers.ids_after(after_id, self.batch_size)
            if not ids:
                break
            for customer_id in ids:
                customer = self.customers.find(customer_id)
                if customer is not None and self._holds(segment, customer):
                    found.append(customer)
                    if len(found) == limit:
                        break
            after_id = ids[-1]
        return found

    def _holds(self, segment: Segment, customer: Customer) -> bool:
        countries = (
            {address.country for address in self.addresses.list(customer.id)}
            if needs_countries(segment)
            else ()
        )
        return matches(segment, customer, countries)


def segments_of(tx: Transaction) -> CustomerSegments:
    """The transaction's ``segments`` port, or :class:`ScanningSegments` on its repositories."""
    native: CustomerSegments | None = getattr(tx, "segments", None)
    return native if native is not None else ScanningSegments(tx.customers, tx.addresses)


#: A placeholder token for :func:`anonymized_fields` when its e-mail is not compared.
_ANY_TOKEN = "0" * 24


class OneByOneAnonymizer:
    """An :class:`~customer_core.ports.Anonymizer` on a transaction's other repositories:
    per customer a lock, a look at its addresses, notes and hash, and a write of each."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def pending(self, ids: Sequence[int]) -> builtins.list[int]:
        """Lock each (ascending) and keep those with something left to anonymize."""
        found: builtins.list[int] = []
        for customer_id in sorted(set(ids)):
            customer = self.tx.customers.lock(customer_id)
            if customer is not None and self._left(customer):
                found.append(customer_id)
        return found

    def _left(self, customer: Customer) -> bool:
        """True when ``customer`` holds something an anonymization would change."""
        if not has_anonymized_email(customer.id, customer.email):
            return True
        # The e-mail's token is random: compared apart, the other fields to their values.
        fields = anonymized_fields(customer.id, _ANY_TOKEN)
        del fields["email"]
        if any(getattr(customer, name) != value for name, value in fields.items()):
            return True
        if self.tx.addresses.list(customer.id):
            return True
        if any(note.text != ANONYMIZED_NOTE for note in self.tx.notes.list(customer.id)):
            return True
        credentials = self.tx.customers.find_credentials(customer.email.lower())
        return credentials is not None and not is_unusable_password(credentials.password_hash)

    def anonymize(self, ids: Sequence[int], values: Anonymization) -> None:
        """Each customer's reset tokens, addresses, notes, fields and hash, then the events."""
        tx = self.tx
        for customer_id in ids:
            customer = tx.customers.find(customer_id)
            if customer is None:
                continue
            # The tokens are keyed by the e-mail as stored: dropped before it changes.
            tx.reset_tokens.delete(customer.email)
            tx.reset_tokens.delete(values.email(customer_id))
            for address in tx.addresses.list(customer_id):
                tx.addresses.remove(address.id)
            for note in tx.notes.list(customer_id):
                if note.text != ANONYMIZED_NOTE:
                    tx.notes.update(note.id, ANONYMIZED_NOTE, values.updated_at)
            tx.customers.update(customer_id, values.customer_changes(customer_id))
            tx.customers.set_password_hash(customer_id, values.password_hash, values.updated_at)
        tx.events.scrub(ids, KEPT_EVENT_DATA)


class ScanAnalytics:
    """An :class:`~customer_core.ports.Analytics` on the required repositories: the scored
    customers (of the segment) read by :class:`ScanningSegments`, then scored in Python.

    Holds one small tuple per scored customer while it scores (NTILE needs them all);
    a storage with window functions does better (the SQL adapter's ``NTILE``).
    """

    #: Customers read per batch.
    BATCH = 1000

    def __init__(self, customers: CustomerRepository, addresses: AddressRepository) -> None:
        self.scan = ScanningSegments(customers, addresses)

    def rfm(self, segment: Segment | None = None) -> Iterator[RfmScore]:
        """:func:`customer_core.rfm.score` of every scored customer in ``segment``."""
        return score(self._inputs(segment))

    def rfm_summary(self, segment: Segment | None = None) -> dict[str, int]:
        """:func:`customer_core.rfm.summarize` of :meth:`rfm`."""
        return summarize(self.rfm(segment))

    def _inputs(self, segment: Segment | None) -> Iterator[RfmInput]:
        # is_scored as a segment: a delivered order and a last order date.
        scored = (C.total_orders > 0) & ~C.last_order_at.is_null()
        wanted = scored if segment is None else segment & scored
        after = 0
        while batch := self.scan.after(wanted, after, self.BATCH):
            for found in batch:
                assert found.last_order_at is not None  # the segment asks for one
                yield RfmInput(
                    found.id, found.last_order_at, found.total_orders, found.lifetime_value
                )
            after = batch[-1].id
