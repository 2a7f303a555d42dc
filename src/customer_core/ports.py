"""The Protocols the services talk to; adapters implement them.

A service opens one :class:`Transaction` per call through :class:`Storage`.
Everything it reads and writes goes through the repositories of that
transaction, so an adapter can keep the whole call on one connection and
commit or roll back as one. Values handed to a repository are already
validated and normalised by :mod:`customer_core.rules`; no driver error leaves a
transaction untranslated (an adapter translates each into :mod:`customer_core.errors`
once, where it knows best: SQL in its ``Storage.transaction``).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Literal, Protocol, overload

import attrs

from customer_core._segment._nodes import Segment
from customer_core.anonymization import Anonymization
from customer_core.model import (
    Address,
    AddressType,
    Customer,
    ListedCustomer,
    Note,
    OrderTotals,
)
from customer_core.rfm import RfmScore
from customer_core.timeline import CustomerEvent, EventType, NewEvent

__all__ = [
    "AddressRepository",
    "Analytics",
    "Anonymizer",
    "Clock",
    "Credentials",
    "CustomerImports",
    "CustomerQuery",
    "CustomerRepository",
    "CustomerSegments",
    "EventLog",
    "Keyset",
    "NewAddress",
    "NewCustomer",
    "NewCustomers",
    "NewNote",
    "NoteRepository",
    "OrderLedger",
    "RecordedChanges",
    "ResetToken",
    "ResetTokens",
    "SortKey",
    "Storage",
    "TotalMode",
    "TotalsWriter",
    "Transaction",
]

SortKey = Literal["id", "name", "created_at", "lifetime_value", "last_order_at", "total_orders"]


class Clock(Protocol):
    """Tells the time; services truncate it to whole seconds, as the SQL schema stores it."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@attrs.frozen
class NewCustomer:
    """A customer to insert: validated fields plus the password hash (never a password)."""

    name: str
    email: str
    password_hash: str = attrs.field(repr=False)
    phone: str | None
    avatar: str | None
    is_blocked: bool
    created_at: datetime
    updated_at: datetime

    def row(self) -> dict[str, object]:
        """The stored :class:`Customer`'s fields but ``id``: these plus no orders yet.

        Derived from the two classes' fields, so a new customer field is written once.
        """
        values: dict[str, object] = attrs.asdict(OrderTotals.empty(), recurse=False)
        for field in attrs.fields(Customer):
            if field.name in NEW_CUSTOMER_FIELDS:
                values[field.name] = getattr(self, field.name)
        return values


#: The fields a :class:`NewCustomer` shares with :class:`Customer` (all but the hash).
NEW_CUSTOMER_FIELDS = frozenset(f.name for f in attrs.fields(NewCustomer)) - {"password_hash"}
#: :class:`NewCustomer`'s fields in their order (its positional arguments).
NEW_CUSTOMER_ORDER = tuple(f.name for f in attrs.fields(NewCustomer))


class NewCustomers(Sequence[NewCustomer]):
    """New customers held a column at a time: what the bulk import hands
    :meth:`CustomerImports.add_many`.

    ``columns[field][row]`` for every field of :class:`NewCustomer`, in its order, every
    list as long. It is a ``Sequence[NewCustomer]`` (a row is made when read), so an
    adapter that takes the customers one by one works unchanged; one that writes
    columns reads ``columns`` and makes no object per row.
    """

    __slots__ = ("columns",)

    def __init__(self, columns: Mapping[str, builtins.list[Any]]) -> None:
        self.columns = {field: columns[field] for field in NEW_CUSTOMER_ORDER}

    @classmethod
    def of(cls, customers: Sequence[NewCustomer]) -> NewCustomers:
        """The same customers, a column at a time."""
        if isinstance(customers, NewCustomers):
            return customers
        return cls({field: [getattr(c, field) for c in customers] for field in NEW_CUSTOMER_ORDER})

    def __len__(self) -> int:
        return len(self.columns["email"])

    def __iter__(self) -> Iterator[NewCustomer]:
        return map(NewCustomer, *self.columns.values())

    @overload
    def __getitem__(self, index: int) -> NewCustomer: ...

    @overload
    def __getitem__(self, index: slice) -> NewCustomers: ...

    def __getitem__(self, index: int | slice) -> NewCustomer | NewCustomers:
        if isinstance(index, slice):
            return NewCustomers({f: values[index] for f, values in self.columns.items()})
        return NewCustomer(*(values[index] for values in self.columns.values()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NewCustomers):
            return self.columns == other.columns
        return isinstance(other, Sequence) and builtins.list(self) == builtins.list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # No hash, and no list of a thousand e-mails.
        return f"<NewCustomers: {len(self)}>"


@attrs.frozen
class Credentials:
    """A customer together with its stored password hash, for authentication only."""

    customer: Customer
    password_hash: str = attrs.field(repr=False)


@attrs.frozen
class NewAddress:
    """An address to insert; ``is_default`` is already decided by the service."""

    customer_id: int
    type: AddressType
    is_default: bool
    full_name: str
    phone: str
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    zip_code: str
    country: str
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class NewNote:
    """A note to insert."""

    customer_id: int
    author_id: int
    text: str
    created_at: datetime
    updated_at: datetime


TotalMode = Literal["exact", "estimate"] | None


@attrs.frozen
class Keyset:
    """A position in a search's order: the sort value of the last row seen, and its id.

    ``value`` is what the sort compares: an ``int`` for ``id`` and ``total_orders``,
    the name as stored (``str``; adapters fold it as they fold the column), a
    ``Decimal`` lifetime value, an aware ``datetime``, or None for an empty value
    (which sorts last in both directions). A row comes after the position when its
    value comes later in the sort's direction, or is equal and its id is greater.
    """

    value: object
    id: int


@attrs.frozen
class CustomerQuery:
    """A validated search: ``text`` is matched literally (no wildcards), case-insensitively.

    ``text`` is already lower-cased (``str.lower``); adapters compare it with the
    lower-cased name and e-mail. With ``ignore_accents``, ``text`` is already
    accent-folded too and adapters compare it with the accent-folded name and
    e-mail (:func:`customer_core.rules.fold_accents`).
    """

    text: str | None
    blocked: bool | None
    repeat: bool | None
    sort: SortKey
    descending: bool
    offset: int
    limit: int
    #: Only customers in this segment, already resolved against the clock (no
    #: ``within``/``older_than`` left); None: no segment.
    segment: Segment | None = None
    ignore_accents: bool = False
    #: How ``search`` counts the matches: ``"exact"``; ``"estimate"`` (the storage's
    #: cheap guess: a planner estimate, or a count that stops at a cap); None: no count.
    total: TotalMode = "exact"
    #: Keyset paging (``scroll``): only the rows after this position of the sort order.
    after: Keyset | None = None


class CustomerRepository(Protocol):
    """Customers in storage: the required core every adapter implements.

    The e-mail handed in is always lower-cased. Lifetime-value writes and the
    bulk import have ports of their own (:class:`TotalsWriter`,
    :class:`CustomerImports`) with defaults built on this one.
    """

    def add(self, customer: NewCustomer) -> Customer:
        """Insert; raises ``DuplicateEmail`` if a stored e-mail equals it ignoring case.

        The adapter owns this check (the service does not look first): for
        example one look-up, with a unique index deciding a race.
        """
        ...

    def find(self, customer_id: int) -> Customer | None:
        """The customer with this id, or None."""
        ...

    def lock(self, customer_id: int) -> Customer | None:
        """Like ``find``, and hold the customer's row until the transaction ends.

        Services lock the customer before changing its addresses or totals, so
        concurrent calls for one customer run one after the other.
        """
        ...

    def find_by_email(self, email: str) -> Customer | None:
        """The customer whose e-mail equals ``email`` ignoring case, or None."""
        ...

    def find_credentials(self, email: str) -> Credentials | None:
        """The customer and its password hash, by e-mail ignoring case."""
        ...

    def update(self, customer_id: int, changes: Mapping[str, object]) -> Customer:
        """Write the given columns (names of :class:`Customer` fields) and return the result.

        Raises ``DuplicateEmail`` when ``email`` equals another customer's ignoring case
        (the adapter's check, as for :meth:`add`).
        """
        ...

    def set_password_hash(self, customer_id: int, password_hash: str, updated_at: datetime) -> None:
        """Replace the stored hash."""
        ...

    def delete(self, customer_id: int) -> None:
        """Delete the customer with its addresses and notes."""
        ...

    def search(self, query: CustomerQuery) -> tuple[list[ListedCustomer], int | None]:
        """One page of matches with their orders counts, and the number of all matches.

        Both from one snapshot of the storage, so that ``total`` agrees with the page.
        The number follows ``query.total``: None when it is None, the storage's
        estimate when it is ``"estimate"`` (the service corrects an estimate the page
        contradicts). With ``query.after`` the page starts after that position
        (``query.offset`` is then 0).
        """
        ...

    def count(self) -> int:
        """How many customers are stored."""
        ...

    def ids_after(self, after_id: int, limit: int) -> list[int]:
        """The ids of the first ``limit`` customers with ids above ``after_id``, ascending."""
        ...


class TotalsWriter(Protocol):
    """Lifetime-value writes: one customer's totals, or a group's recomputed from the orders.

    Optional fast path: :class:`customer_core.port_defaults.LedgerTotals` implements it
    on any :class:`CustomerRepository` and :class:`OrderLedger` (a lock, the ledger's
    totals and an ``update`` per customer); the SQL adapter overrides the group
    methods with one set-based UPDATE per group.
    """

    def save(self, customer_id: int, totals: OrderTotals, updated_at: datetime) -> Customer:
        """Store the lifetime-value fields of a locked customer and return it."""
        ...

    def recalculate_after(
        self, after_id: int, limit: int, updated_at: datetime
    ) -> tuple[int, int] | None:
        """Recompute the totals of the next ``limit`` customers with ids above ``after_id``.

        The totals have the semantics of :meth:`OrderLedger.totals`. Returns
        ``(highest id handled, how many customers were handled)``, or None when
        there was none left.
        """
        ...

    def recalculate_changes_after(
        self, after_id: int, limit: int, updated_at: datetime
    ) -> tuple[int, int, dict[int, OrderTotals], dict[int, OrderTotals]] | None:
        """:meth:`recalculate_after`, and the stored totals of the batch's customers before
        and after it, by id (the timeline's ``lifetime_value_changed`` events): read with
        the batch's locks where the storage can (PostgreSQL: the locking SELECT and the
        UPDATE's ``RETURNING``). None when there was none left."""
        ...

    def recalculate_ids(self, ids: Sequence[int], updated_at: datetime) -> list[int]:
        """Recompute the totals of the customers among ``ids``; returns the ids found, ascending.

        ``ids`` are valid ids (the service drops ids no row can have); they may
        repeat, and ids of no customer are skipped. The customers found are
        locked (in id order, where the storage has row locks) before their
        orders are read, as :meth:`CustomerRepository.lock` does for one, and get
        the totals :meth:`OrderLedger.totals` gives, stamped ``updated_at``. The
        service hands in up to a thousand ids at once.
        """
        ...

    def current(self, ids: Sequence[int]) -> dict[int, OrderTotals]:
        """The stored lifetime-value fields of the customers among ``ids`` (one read where
        the storage allows): the before and after of a recalculation's timeline events."""
        ...


class CustomerImports(Protocol):
    """The bulk import's writes and look-ups.

    Optional fast path: :class:`customer_core.port_defaults.OneByOneImports` implements
    it on any :class:`CustomerRepository` (an ``add`` and a ``find_by_email`` per
    customer); the SQL adapter overrides both with multi-row statements.
    """

    def add_many(self, customers: Sequence[NewCustomer]) -> int:
        """Insert all or none; the service has checked them; returns how many.

        The import hands a :class:`NewCustomers` (a sequence of them, held a column at a
        time): an adapter may read its ``columns`` rather than make each row."""
        ...

    def existing_emails(self, emails: Sequence[str]) -> set[str]:
        """Those of ``emails`` (lower-cased) that some stored customer uses, ignoring case."""
        ...


class CustomerSegments(Protocol):
    """Segments run by the storage: an optional port, as ``segments`` on a transaction.

    Every segment handed in is resolved (no relative times). Without the port, the
    services use :class:`customer_core.port_defaults.ScanningSegments`, built on
    the required repositories and the in-memory evaluation (correct everywhere,
    but it reads every customer); the SQL, in-memory and Django storages run them natively.
    """

    def search(self, query: CustomerQuery) -> tuple[list[ListedCustomer], int | None]:
        """Like ``CustomerRepository.search``, honouring ``query.segment``."""
        ...

    def count(self, segment: Segment) -> int:
        """How many customers are in ``segment``."""
        ...

    def after(self, segment: Segment, after_id: int, limit: int) -> list[Customer]:
        """The next ``limit`` customers of ``segment`` with an id above ``after_id``, by id."""
        ...


class AddressRepository(Protocol):
    """Addresses in storage."""

    def add(self, address: NewAddress) -> Address:
        """Insert and return the address."""
        ...

    def find(self, address_id: int) -> Address | None:
        """The address with this id, or None."""
        ...

    def list(self, customer_id: int, type: AddressType | None = None) -> list[Address]:
        """The customer's addresses: defaults first, then by id."""
        ...

    def update(self, address_id: int, changes: Mapping[str, object]) -> Address:
        """Write the given columns (names of :class:`Address` fields) and return the result."""
        ...

    def clear_default(self, customer_id: int, type: AddressType, updated_at: datetime) -> None:
        """Unset the default flag of every address of this customer and type."""
        ...

    def remove(self, address_id: int) -> None:
        """Delete the address."""
        ...


class NoteRepository(Protocol):
    """Notes in storage."""

    def add(self, note: NewNote) -> Note:
        """Insert; raises ``ValidationError`` on ``author_id`` when the storage knows the
        host's users and the author is not one of them."""
        ...

    def find(self, note_id: int) -> Note | None:
        """The note with this id, or None."""
        ...

    def list(self, customer_id: int) -> list[Note]:
        """The customer's notes, newest first (``created_at``, then id, descending)."""
        ...

    def update(self, note_id: int, text: str, updated_at: datetime) -> Note:
        """Replace the text."""
        ...

    def remove(self, note_id: int) -> None:
        """Delete the note."""
        ...


class OrderLedger(Protocol):
    """The host's orders, read only.

    An order counts for the lifetime value when it is *delivered*; it counts
    for ``last_order_at`` unless it is *cancelled*; every order counts for
    ``orders_count`` whatever its status.
    """

    def totals(self, customer_id: int) -> OrderTotals:
        """The customer's lifetime-value inputs, as of now."""
        ...

    def count(self, customer_id: int) -> int:
        """How many orders the customer has, whatever their status."""
        ...


@attrs.frozen
class ResetToken:
    """A stored password-reset token: the e-mail it was issued to, its hash, when it was made.

    ``created_at`` is None when another writer left the column empty (such a token
    counts as expired).
    """

    email: str
    token_hash: str = attrs.field(repr=False)
    created_at: datetime | None


class ResetTokens(Protocol):
    """Password-reset tokens in storage, at most one per e-mail, stored only as hashes.

    The e-mail is the customer's as stored (Laravel keys its table the same way).
    """

    def find(self, email: str) -> ResetToken | None:
        """The newest token issued to ``email``, or None."""
        ...

    def replace(self, token: ResetToken) -> None:
        """Drop every token of ``token.email`` and store this one."""
        ...

    def delete(self, email: str) -> None:
        """Drop every token of ``email``."""


class EventLog(Protocol):
    """The customer timeline and its outbox, written in the caller's transaction.

    Events outlive their customer (no foreign key): the outbox still delivers
    the events of a customer deleted before they were published.
    """

    def append(self, event: NewEvent) -> None:
        """Store one event."""
        ...

    def append_many(self, events: Sequence[NewEvent]) -> None:
        """Store many events (one multi-row statement where the storage has them)."""
        ...

    def append_imported(
        self, emails: Sequence[str], actor_id: int | None, occurred_at: datetime
    ) -> None:
        """Store one ``imported`` event (empty data) for each customer with one of ``emails``.

        ``emails`` are lower-cased e-mails of customers the caller has just inserted
        in this transaction: set-based where the storage allows (an INSERT … SELECT).
        """
        ...

    def list(
        self, customer_id: int, types: Sequence[EventType] | None, offset: int, limit: int
    ) -> tuple[list[CustomerEvent], int]:
        """One page of the customer's events, newest first (``occurred_at``, then id,
        descending), and how many there are in all (of ``types``, when given)."""
        ...

    def claim(
        self, limit: int, now: datetime, lease_until: datetime
    ) -> builtins.list[CustomerEvent]:
        """Lease up to ``limit`` unpublished events whose lease has ended, oldest first.

        Concurrent claimers never get the same event while its lease holds
        (``FOR UPDATE SKIP LOCKED`` where the database has it).
        """
        ...

    def ack(self, event_ids: Sequence[int], now: datetime) -> int:
        """Mark these events published; returns how many were not published before."""
        ...

    def scrub(self, customer_ids: Sequence[int], keep: Sequence[EventType]) -> None:
        """Clear the ``data`` (to ``{}``) of these customers' events, published or not,
        except events of the types in ``keep``; ids, types, actors and times stay."""
        ...

    def purge(self, customer_id: int) -> None:
        """Delete every event of the customer, published or not."""
        ...


class RecordedChanges(Protocol):
    """Customer writes together with their timeline event, in the caller's transaction.

    Optional fast path: :class:`customer_core.port_defaults.ChangeThenAppend` implements
    it on :class:`CustomerRepository` and :class:`EventLog` (the write, then
    :meth:`EventLog.append`); the SQL adapter sends both as one statement on PostgreSQL
    (a data-modifying CTE), so that a change costs one round trip, not two. A write
    that fails stores no event.
    """

    def add(self, customer: NewCustomer, event: NewEvent) -> Customer:
        """:meth:`CustomerRepository.add`, and store ``event`` for the new customer (its
        ``customer_id`` is replaced by the new customer's id)."""
        ...

    def update(self, customer_id: int, changes: Mapping[str, object], event: NewEvent) -> Customer:
        """:meth:`CustomerRepository.update`, and store ``event``."""
        ...


class Anonymizer(Protocol):
    """The privacy service's writes: customers anonymized a batch at a time.

    Optional fast path: :class:`customer_core.port_defaults.OneByOneAnonymizer`
    implements it on the other repositories of a transaction (a lock and a few
    writes per customer); the SQL adapter overrides it with a constant number of
    set-based statements per batch, whatever its size.
    """

    def pending(self, ids: Sequence[int]) -> builtins.list[int]:
        """Lock the customers among ``ids`` (in id order, where the storage has row locks)
        and return, ascending, those that still hold something :meth:`anonymize` would
        change: a name, e-mail, phone, avatar or password hash not yet the anonymized
        one, a block not set, an address, or a note text not yet replaced.

        ``ids`` are valid ids; they may repeat, and ids of no customer are skipped.
        """
        ...

    def anonymize(self, ids: Sequence[int], values: Anonymization) -> None:
        """Anonymize the locked customers ``ids`` (ascending, all stored): write
        :meth:`Anonymization.customer_changes` and the password hash, delete their
        addresses and reset tokens, replace their notes' text, and scrub their events
        (:meth:`EventLog.scrub`). Their order figures and ``created_at`` stay."""
        ...


class Analytics(Protocol):
    """RFM scores of the stored customers, as :mod:`customer_core.rfm` defines them.

    Optional fast path: :class:`customer_core.port_defaults.ScanAnalytics` implements
    it on any :class:`CustomerRepository` (reads every customer, scores in Python);
    the SQL adapter computes the scores with ``NTILE(5)`` window functions.
    """

    def rfm(self, segment: Segment | None = None) -> Iterator[RfmScore]:
        """The scores of every scored customer (of ``segment``'s, when given: the quintiles
        are then over those alone), by customer id ascending.

        ``segment`` is already resolved against the clock (``customer_core._segment.resolve``).
        Streams where the storage can (a server-side cursor): memory stays bounded
        at any number of customers while the caller consumes the iterator.
        """
        ...

    def rfm_summary(self, segment: Segment | None = None) -> dict[str, int]:
        """How many scored customers (of ``segment``) carry each label (labels no one
        carries left out)."""
        ...


class Transaction(Protocol):
    """One unit of work: the repositories, all on the same connection."""

    @property
    def customers(self) -> CustomerRepository:
        """The customers."""
        ...

    @property
    def addresses(self) -> AddressRepository:
        """The addresses."""
        ...

    @property
    def notes(self) -> NoteRepository:
        """The notes."""
        ...

    @property
    def orders(self) -> OrderLedger:
        """The host's orders, read in the same transaction."""
        ...

    @property
    def totals(self) -> TotalsWriter:
        """Lifetime-value writes (default: ``LedgerTotals(customers, orders)``)."""
        ...

    @property
    def imports(self) -> CustomerImports:
        """The bulk import (default: ``OneByOneImports(customers)``)."""
        ...

    @property
    def reset_tokens(self) -> ResetTokens:
        """Password-reset tokens."""
        ...

    @property
    def events(self) -> EventLog:
        """The customer timeline and outbox, written in this transaction."""
        ...

    @property
    def changes(self) -> RecordedChanges:
        """Customer writes with their event (default: ``ChangeThenAppend(customers, events)``)."""
        ...

    @property
    def privacy(self) -> Anonymizer:
        """Anonymization's writes (default: ``OneByOneAnonymizer`` on this transaction)."""
        ...

    @property
    def analytics(self) -> Analytics:
        """RFM scores (default: ``ScanAnalytics(customers, addresses)``)."""
        ...


class Storage(Protocol):
    """Opens transactions: commit when the block succeeds, roll back on any exception."""

    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> AbstractContextManager[Transaction]:
        """A new unit of work; ``read_only`` promises it writes nothing.

        An adapter may then take no write lock (SQLite starts a deferred ``BEGIN``
        instead of ``BEGIN IMMEDIATE``); writing in it may fail. ``may_lag`` (with
        ``read_only``) says the caller accepts data a read replica's lag behind: an
        adapter with replicas may serve it there; one without ignores it.

        Optional, looked up by name: ``single_statement(*, may_lag=False)``, a read-only
        unit like ``transaction(read_only=True, may_lag=...)`` for work that sends one
        statement; an adapter may run it without a transaction block (the SQL one does
        on PostgreSQL). Without it the services use ``transaction``.
        """
        ...

    def create_schema(self) -> None:
        """Create what the storage needs and is missing; never alter what exists."""
        ...
