"""The customer registry: profiles, e-mails, passwords, log-in, blocking, deletion, search."""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Final, get_args

import attrs

from customer_core import passwords, rules
from customer_core._segment import Segment, as_segment
from customer_core.anonymization import is_unusable_password
from customer_core.errors import (
    CustomerBlocked,
    CustomerNotFound,
    InvalidCredentials,
    StorageError,
)
from customer_core.model import CursorPage, Customer, ListedCustomer, Page
from customer_core.ports import (
    Credentials,
    CustomerQuery,
    NewCustomer,
    SortKey,
    TotalMode,
    Transaction,
)
from customer_core.rules import Fields, Invalid
from customer_core.services._context import (
    Context,
    customer_id_of,
    found,
    locked_customer,
    not_anonymized,
    writable_customer,
)
from customer_core.services._cursor import decode as decode_cursor
from customer_core.services._importer import import_customers
from customer_core.services._paging import page_of, scroll_page, total_mode
from customer_core.services._password_reset import request_reset, reset_password
from customer_core.services._segments import count_segment, resolved, stream_segment
from customer_core.timeline import EventType

__all__ = ["UNSET", "CustomerRegistry", "Unset"]

logger = logging.getLogger("customer_core.passwords")

SORT_KEYS: Final = frozenset(get_args(SortKey))
MAX_PER_PAGE = 100
# Pages past this would overflow a database's OFFSET; nobody pages that far.
MAX_PAGE = 2**31 - 1


class Unset(enum.Enum):
    """The type of :data:`UNSET`."""

    UNSET = enum.auto()

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
"""Marks a keyword that was not passed, so that ``None`` can mean "clear"."""


def _sort(value: object) -> tuple[SortKey, bool]:
    if not isinstance(value, str) or value.removeprefix("-") not in SORT_KEYS:
        raise Invalid(f"must be one of {', '.join(sorted(SORT_KEYS))}, optionally prefixed by '-'")
    key: SortKey = value.removeprefix("-")  # type: ignore[assignment]
    return key, value.startswith("-")


def _search_text(value: object) -> str | None:
    if value is None:
        return None
    text = rules.optional_text(value)
    return None if text is None else text.lower()


def _optional_flag(value: object) -> bool | None:
    return None if value is None else rules.flag(value)


def _lookup_email(value: object) -> str | None:
    """An e-mail to look up, lower-cased; None when no stored e-mail can equal it.

    Look-ups are lenient (no syntax check) so legacy rows stay reachable.
    """
    try:
        return rules.required_text(value).lower()
    except Invalid:
        if isinstance(value, str):
            return None
        raise


def _too_costly(found: Credentials, hasher: passwords.PasswordHasher) -> bool:
    """True (and logged) when the stored hash may not be verified: never handed to argon2/bcrypt.

    That is a hash over the cost limits, or one that is not the well-formed
    hash of a known scheme (its cost could be read wrong, and a malformed hash
    fails at once, which timing would tell). A hash of a scheme the library
    does not know at all is left to the configured hasher when it claims the
    hash as its own (a host's hasher of another scheme); the library's
    hashers claim none.
    """
    password_hash = found.password_hash
    problem = passwords.cost_problem(password_hash)
    if problem is None:
        return False
    if (
        problem == passwords.MALFORMED_HASH
        and not password_hash.startswith(("$2", "$argon2"))
        and not hasher.needs_rehash(password_hash)
    ):
        return False
    logger.warning(
        "log-in of customer %d refused unverified: its stored password hash is refused (%s)",
        found.customer.id,
        problem,
    )
    return True


def _rehash_allowed(found: Credentials, password: str) -> bool:
    """False when ``password`` may not be the real one, or cannot be hashed anew.

    bcrypt reads only the first 72 bytes: ``"A" * 72 + "-other"`` verifies
    against a bcrypt hash of ``"A" * 72 + "-real"``, and a new hash of the
    typed password would lock the owner out. A password with a lone surrogate
    (``json.loads('"\\ud800"')`` makes one) verifies against a legacy hash but
    has no UTF-8 form for a new one. Both are skipped silently: a log would
    tell something of the password.
    """
    if passwords.is_bcrypt(found.password_hash) and passwords.longer_than_bcrypt_reads(password):
        return False
    return _encodable(password)


def _encodable(password: str) -> bool:
    """True when ``password`` has a strict UTF-8 form (no lone surrogates)."""
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _event_of(field: str, old: object, new: object) -> tuple[EventType, dict[str, object]]:
    """The timeline event of a one-field change made by ``CustomerRegistry._set``."""
    if field == "email":
        return EventType.EMAIL_CHANGED, {"old_email": old, "new_email": new}
    return (EventType.BLOCKED if new else EventType.UNBLOCKED), {}


class CustomerRegistry:
    """Registers, finds, changes, authenticates, blocks, deletes and searches customers."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._dummy_hash: str | None = None
        self._dummy_lock = threading.Lock()

    def register(
        self,
        *,
        name: str,
        email: str,
        password: str,
        phone: str | None = None,
        avatar: str | None = None,
    ) -> Customer:
        """Create a customer; ``DuplicateEmail`` if the e-mail is taken in any case."""
        fields = Fields()
        region = self._context.default_region
        checked_name = fields.check("name", rules.name, name)
        checked_email = fields.check("email", rules.email, email)
        checked_phone = fields.check("phone", rules.phone_rule(region), phone)
        checked_avatar = fields.check("avatar", rules.avatar, avatar)
        secret = fields.check("password", rules.password, password)
        fields.done()
        now = self._context.now()
        new = NewCustomer(
            name=checked_name,
            email=checked_email,
            password_hash=self._context.hasher.hash(secret),
            phone=checked_phone,
            avatar=checked_avatar,
            is_blocked=False,
            created_at=now,
            updated_at=now,
        )
        context = self._context

        def work(tx: Transaction) -> Customer:
            # The storage owns the uniqueness check (DuplicateEmail): a unique index, or a probe.
            # The event's customer id is the new customer's (``RecordedChanges.add``).
            event = context.event(0, EventType.REGISTERED, {"email": new.email})
            return tx.changes.add(new, event)

        return context.write(work)

    def get(self, customer_id: int) -> Customer:
        """The customer with this id; ``CustomerNotFound`` if there is none."""
        number = customer_id_of(customer_id)
        customer = self._context.read(lambda tx: tx.customers.find(number), single_statement=True)
        return found(customer, CustomerNotFound, customer_id)

    def find_by_email(self, email: str) -> Customer | None:
        """The customer with this e-mail, compared case-insensitively, or None."""
        fields = Fields()
        wanted = fields.check("email", _lookup_email, email)
        fields.done()
        if wanted is None:
            return None
        return self._context.read(
            lambda tx: tx.customers.find_by_email(wanted), single_statement=True
        )

    def update(
        self,
        customer_id: int,
        *,
        name: str | Unset = UNSET,
        phone: str | Unset | None = UNSET,
        avatar: str | Unset | None = UNSET,
    ) -> Customer:
        """Change only the given profile fields; ``None`` clears phone or avatar."""
        fields = Fields()
        changes: dict[str, object] = {}
        if name is not UNSET:
            changes["name"] = fields.check("name", rules.name, name)
        if phone is not UNSET:
            region = self._context.default_region
            changes["phone"] = fields.check("phone", rules.phone_rule(region), phone)
        if avatar is not UNSET:
            changes["avatar"] = fields.check("avatar", rules.avatar, avatar)
        fields.done()

        def work(tx: Transaction) -> Customer:
            customer = writable_customer(tx, customer_id)
            changed = [name for name, value in changes.items() if getattr(customer, name) != value]
            if not changed:
                # Nothing differs: nothing is written, so the timeline gets no event.
                return customer
            event = self._context.event(customer.id, EventType.PROFILE_UPDATED, {"fields": changed})
            return tx.changes.update(
                customer.id, {**changes, "updated_at": self._context.now()}, event
            )

        return self._context.write(work)

    def change_email(self, customer_id: int, email: str) -> Customer:
        """Give the customer a new e-mail; ``DuplicateEmail`` if another customer has it."""
        fields = Fields()
        new_email = fields.check("email", rules.email, email)
        fields.done()
        # The storage owns the uniqueness check (DuplicateEmail), as for register.
        return self._set(customer_id, "email", new_email)

    def change_password(self, customer_id: int, password: str) -> None:
        """Store a new password (as a hash made by the configured hasher)."""
        number = customer_id_of(customer_id)
        fields = Fields()
        secret = fields.check("password", rules.password, password)
        fields.done()
        password_hash = self._context.hasher.hash(secret)

        def work(tx: Transaction) -> None:
            customer = writable_customer(tx, number)
            # A new password ends every reset in flight (a forwarded or leaked mail).
            tx.reset_tokens.delete(customer.email)
            tx.customers.set_password_hash(customer.id, password_hash, self._context.now())
            self._context.record(tx, customer.id, EventType.PASSWORD_CHANGED)

        self._context.write(work)

    def authenticate(self, email: str, password: str) -> Customer:
        """The customer these credentials belong to.

        Unknown e-mail and wrong password both raise ``InvalidCredentials``,
        and both spend one hash verification so timing does not tell them
        apart; so does a stored hash over the cost limits or not well-formed
        (logged, refused unread). A blocked customer with the right password raises
        ``CustomerBlocked``. A hash not of the configured scheme and
        parameters is replaced after a successful check, unless the password
        was changed meanwhile or the storage cannot be written (logged); the
        log-in succeeds either way (:doc:`/security`).
        """
        if not isinstance(password, str):
            raise InvalidCredentials()
        wanted = _lookup_email(email) if isinstance(email, str) else None
        stored = (
            None
            if wanted is None
            else self._context.read(lambda tx: tx.customers.find_credentials(wanted), may_lag=False)
        )
        hasher = self._context.hasher
        if (
            stored is None
            or len(password) > rules.MAX_PASSWORD
            # An anonymized customer's hash verifies nothing: refused unlogged (a log-in
            # form hammered with its e-mail must not flood the log), after the same work.
            or is_unusable_password(stored.password_hash)
            or _too_costly(stored, hasher)
        ):
            hasher.verify(self._timing_hash(), password[: rules.MAX_PASSWORD])
            raise InvalidCredentials()
        if not hasher.verify(stored.password_hash, password):
            raise InvalidCredentials()
        customer = stored.customer
        if customer.is_blocked:
            raise CustomerBlocked(customer.id)
        if hasher.needs_rehash(stored.password_hash) and _rehash_allowed(stored, password):
            self._rehash(customer.id, stored.password_hash, password)
        return customer

    def _rehash(self, customer_id: int, verified_hash: str, password: str) -> None:
        """Replace ``verified_hash`` by a new hash of ``password``: compare-and-set, best effort.

        The customer is locked and its stored hash read again: if it is no
        longer the hash the password was verified against (a
        ``change_password`` landed after the check), nothing is written. A
        storage that cannot take the write (read-only, a lock timeout, a
        conflict), or a hasher that fails, leaves the old hash, which still
        verifies: logged by id and error class, not raised (the error itself
        may carry the password).
        """
        try:
            new_hash = self._context.hasher.hash(password)
        except Exception as error:  # any hasher's error: it may carry the password
            logger.warning(
                "re-hash of customer %d skipped: hashing failed (%s)",
                customer_id,
                type(error).__name__,
            )
            return
        try:
            # One attempt, outside the retry policy: the old hash still verifies, and a
            # log-in should not wait out several lock timeouts for a best-effort write.
            with self._context.storage.transaction() as tx:
                locked = tx.customers.lock(customer_id)
                # The port looks e-mails up lower-cased; a legacy row may keep its case.
                current = (
                    None if locked is None else tx.customers.find_credentials(locked.email.lower())
                )
                if current is None or current.customer.id != customer_id:
                    return
                # Two stored values compared, no caller input: timing tells nothing.
                if current.password_hash != verified_hash:
                    logger.info("re-hash of customer %d skipped: its password changed", customer_id)
                    return
                tx.customers.set_password_hash(customer_id, new_hash, self._context.now())
        except StorageError as error:
            logger.warning(
                "re-hash of customer %d skipped: the storage refused the write (%s)",
                customer_id,
                type(error).__name__,
            )

    def request_password_reset(self, email: str) -> str | None:
        """A new password-reset token for the customer with ``email``; None otherwise.

        None for an unknown or blocked e-mail and for a second request within
        60 seconds (which changes nothing); every call spends one hash either
        way. The token (random, URL-safe, 256 bits) is returned once: only its
        hash, made by the configured hasher, is stored, replacing the customer's
        previous token. The host sends it to the customer; the library sends no mail.
        """
        fields = Fields()
        wanted = fields.check("email", _lookup_email, email)
        fields.done()
        return request_reset(self._context, wanted)

    def reset_password(self, email: str, token: str, password: str) -> Customer:
        """Set a new password with a token from :meth:`request_password_reset`.

        The token is valid once and for ``reset_token_ttl`` (default 60 minutes);
        a wrong, expired or used token raises ``InvalidResetToken``. Afterwards no
        token of the customer is valid. A log-in's re-hash never undoes the reset,
        nor the reset a re-hash that was still needed (:doc:`/security`).
        """
        fields = Fields()
        wanted = fields.check("email", _lookup_email, email)
        fields.done()
        return reset_password(self._context, wanted, token, password, self._timing_hash)

    def _timing_hash(self) -> str:
        """A hash of the configured scheme to verify against when the e-mail is unknown."""
        if self._dummy_hash is None:
            # Hashed outside the lock (two racing first log-ins may both hash, harmlessly):
            # the asyncio front's hasher yields to the event loop inside hash(), and a
            # thread lock held across that yield would stop every log-in on the loop's thread.
            made = self._context.hasher.hash("not a password of anyone")
            with self._dummy_lock:
                if self._dummy_hash is None:
                    self._dummy_hash = made
        return self._dummy_hash

    def block(self, customer_id: int) -> Customer:
        """Block the customer (idempotent)."""
        return self._set_blocked(customer_id, True)

    def unblock(self, customer_id: int) -> Customer:
        """Unblock the customer (idempotent)."""
        return self._set_blocked(customer_id, False)

    def _set_blocked(self, customer_id: int, blocked: bool) -> Customer:
        return self._set(customer_id, "is_blocked", blocked)

    def _set(self, customer_id: int, field: str, value: object) -> Customer:
        """Write one field under the customer's lock; a call that changes nothing writes nothing."""

        def work(tx: Transaction) -> Customer:
            customer = locked_customer(tx, customer_id)
            if field == "email" or (field == "is_blocked" and not value):
                # An anonymized customer stays blocked, under its anonymized e-mail.
                not_anonymized(customer)
            old = getattr(customer, field)
            if old == value:
                return customer
            # A token mailed to the old address must not outlive it, nor one issued before a
            # block survive into the unblock.
            if field == "email" or (field == "is_blocked" and value):
                tx.reset_tokens.delete(customer.email)
            event = self._context.event(customer.id, *_event_of(field, old, value))
            return tx.changes.update(
                customer.id, {field: value, "updated_at": self._context.now()}, event
            )

        return self._context.write(work)

    def delete(self, customer_id: int) -> None:
        """Delete the customer with its addresses and notes."""

        def work(tx: Transaction) -> None:
            customer = locked_customer(tx, customer_id)
            tx.reset_tokens.delete(customer.email)
            tx.customers.delete(customer.id)
            # The event outlives the customer (the outbox still delivers it); it holds no PII.
            self._context.record(tx, customer.id, EventType.ERASED)

        self._context.write(work)

    def import_many(
        self, records: Iterable[Mapping[str, object]], *, batch_size: int = 1000
    ) -> int:
        """Import existing customers with their password hashes; all or nothing.

        A bad record raises ``ValidationError`` naming ``"<index>.<field>"``;
        duplicates among the records or of stored customers are bad records.
        """
        return import_customers(self._context, records, batch_size=batch_size)

    def search(
        self,
        text: str | None = None,
        *,
        page: int = 1,
        per_page: int = 15,
        blocked: bool | None = None,
        repeat: bool | None = None,
        sort: str = "id",
        segment: Segment | str | None = None,
        ignore_accents: bool = False,
        total: TotalMode = "exact",
    ) -> Page[ListedCustomer]:
        """A page of customers whose name or e-mail contains ``text`` (literally, any case).

        ``segment`` (a :class:`~customer_core.segments.Segment` or its text form)
        keeps only the customers in it.

        With ``ignore_accents=True`` both sides are accent-folded first ("jose"
        finds "José", "strasse" finds "Straße"): one rule on every storage,
        :func:`customer_core.rules.fold_accents`.

        ``total`` says how the matches are counted: ``"exact"`` (a count of every
        match), ``"estimate"`` (PostgreSQL's planner estimate, a count that stops
        at 10 000 elsewhere; exact when the page shows the end) or None (no count:
        ``Page.total`` is None and ``Page.has_more`` tells whether a next page exists).
        """
        fields = Fields()
        page_number = fields.check("page", rules.positive(MAX_PAGE), page)
        size = fields.check("per_page", rules.positive(MAX_PER_PAGE), per_page)
        counting = fields.check("total", total_mode, total)
        query = self._query(fields, text, blocked, repeat, sort, segment, ignore_accents)
        query = attrs.evolve(query, offset=(page_number - 1) * size, limit=size, total=counting)
        return page_of(self._context, query, page_number)

    def scroll(
        self,
        text: str | None = None,
        *,
        after: str | None = None,
        limit: int = 15,
        sort: str = "id",
        blocked: bool | None = None,
        repeat: bool | None = None,
        segment: Segment | str | None = None,
        ignore_accents: bool = False,
    ) -> CursorPage[ListedCustomer]:
        """A page of the customers ``search`` finds, after the cursor ``after`` (keyset paging).

        The same matches in the same order as ``search`` (ties by id, empty values
        last), but each page starts where ``after`` (a previous page's ``next``)
        ended, so it costs the same at any depth and stays stable while rows are
        inserted or deleted. ``next`` is None on the last page. A cursor made for
        another sort or other filters, edited or truncated, raises
        ``ValidationError`` on ``after``. A segment's relative times
        (``within``/``older_than``) count from the clock at each page.
        """
        fields = Fields()
        size = fields.check("limit", rules.positive(MAX_PER_PAGE), limit)
        query = self._query(fields, text, blocked, repeat, sort, segment, ignore_accents)
        query = attrs.evolve(query, offset=0, limit=size, total=None)
        # The cursor belongs to the segment as written, not to this page's cut-off times.
        identity = attrs.evolve(query, segment=as_segment(segment))
        secret = self._context.cursor_key
        fields = Fields()
        position = (
            None
            if after is None
            else fields.check(
                "after", lambda cursor: decode_cursor(cursor, identity, secret), after
            )
        )
        fields.done()
        return scroll_page(self._context, query, position, secret, identity)

    def _query(
        self,
        fields: Fields,
        text: object,
        blocked: object,
        repeat: object,
        sort: object,
        segment: object,
        ignore_accents: object,
    ) -> CustomerQuery:
        """The filters and sort ``search`` and ``scroll`` share, checked (one page, no paging)."""
        needle = fields.check("text", _search_text, text)
        only_blocked = fields.check("blocked", _optional_flag, blocked)
        only_repeat = fields.check("repeat", _optional_flag, repeat)
        order = fields.check("sort", _sort, sort)
        folding = fields.check("ignore_accents", rules.flag, ignore_accents)
        fields.done()
        key, descending = order
        if folding and needle is not None:
            needle = rules.fold_accents(needle)
        return CustomerQuery(
            text=needle,
            blocked=only_blocked,
            repeat=only_repeat,
            sort=key,
            descending=descending,
            offset=0,
            limit=1,
            segment=resolved(self._context, segment),
            ignore_accents=folding,
        )

    def count(self, segment: Segment | str | None = None) -> int:
        """How many customers are in ``segment`` (a Segment or its text); all of them for None.

        Relative times (``within``/``older_than``) count from the core's clock.
        """
        return count_segment(self._context, segment)

    def stream(
        self, segment: Segment | str | None = None, *, batch_size: int = 1000
    ) -> Iterator[Customer]:
        """Every customer of ``segment`` (all for None) in id order, at any size.

        Reads ``batch_size`` customers at a time (at most 10 000), each batch its own
        short read that starts after the last id seen, so memory stays bounded and no
        transaction stays open between batches: a customer added or changed while
        the stream runs is seen if its batch is read after the change.
        """
        return stream_segment(self._context, segment, batch_size)
