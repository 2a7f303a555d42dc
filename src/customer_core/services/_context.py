"""What every service needs: storage, clock, hasher, the default phone region, the reset
tokens' lifetime, and the one way to run a transaction (writes retried after a lost lock,
reads without a write lock)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import attrs

from customer_core.anonymization import is_anonymized_email
from customer_core.clock import stored_time
from customer_core.errors import (
    CustomerNotFound,
    NotFound,
    StorageConflict,
    StorageUnavailable,
    ValidationError,
)
from customer_core.model import Customer
from customer_core.passwords import PasswordHasher
from customer_core.ports import Clock, Storage, Transaction
from customer_core.rules import Fields, record_id
from customer_core.services._cursor import cursor_key as _cursor_key
from customer_core.timeline import EventType, NewEvent

__all__ = [
    "ANONYMIZED_MESSAGE",
    "Context",
    "RetryPolicy",
    "checked_id",
    "customer_id_of",
    "found",
    "locked_customer",
    "not_anonymized",
    "writable_customer",
]

#: The ValidationError message (on ``customer_id``) for a change an anonymized customer refuses.
ANONYMIZED_MESSAGE = "is anonymized: its personal data, addresses, notes and log-in cannot change"

T = TypeVar("T")


@attrs.frozen
class RetryPolicy:
    """How often and how patiently a write transaction that lost a lock is run again.

    ``attempts`` runs in all; before attempt *n* + 1 a pause drawn uniformly from
    ``0 .. min(max_delay, base_delay * 2**n)`` seconds ("full jitter"), so that
    the transactions that deadlocked each other do not meet again in step.
    """

    attempts: int = 4
    base_delay: float = 0.01
    max_delay: float = 0.5
    sleep: Callable[[float], object] = time.sleep

    def pause(self, failed: int) -> float:
        """The pause after ``failed`` failed attempts (drawn at random, see above)."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**failed))


@attrs.frozen
class Context:
    """The services' shared collaborators, built once by :class:`~customer_core.CustomerCore`."""

    storage: Storage
    clock: Clock
    hasher: PasswordHasher
    default_region: str | None
    retry: RetryPolicy = RetryPolicy()
    reset_token_ttl: timedelta = timedelta(minutes=60)
    #: Who the changes are attributed to in the timeline (``core.acting_as``); None: nobody.
    actor_id: int | None = None
    #: The HMAC key of scroll cursors (``cursor_secret``; see ``services._cursor``).
    cursor_key: bytes = attrs.field(factory=lambda: _cursor_key(None))

    def now(self) -> datetime:
        """The time to stamp on a write: UTC, whole seconds (as the SQL schema keeps it)."""
        return stored_time(self.clock.now())

    def write(self, work: Callable[[Transaction], T]) -> T:
        """``work(tx)`` in a new transaction, run again while it loses a lock.

        A ``StorageConflict`` (a deadlock or a lock wait timeout, as the adapter reports it)
        rolls the attempt back whole, so running ``work`` again from the start
        is safe: it reads everything anew. After :attr:`RetryPolicy.attempts`
        conflicts the last one is raised. Every other error is raised at once.

        Inside a host's transaction (``core.using``) the first conflict is raised: only
        the host can run its whole unit of work again (the conflict may already have
        cost its transaction: MySQL/MariaDB roll a deadlock's loser back whole).
        """
        joined = getattr(self.storage, "joins_host_transaction", False)
        attempts = 1 if joined else self.retry.attempts
        failed = 0
        while True:
            try:
                with self.storage.transaction() as tx:
                    return work(tx)
            except StorageConflict:
                failed += 1
                if failed >= attempts:
                    raise
                self.retry.sleep(self.retry.pause(failed))

    def record(
        self,
        tx: Transaction,
        customer_id: int,
        type: EventType,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Write one timeline event of the change ``tx`` makes, attributed to :attr:`actor_id`.

        ``data`` is what a support agent needs (field names, ids, e-mails), never a
        password, hash or token.
        """
        tx.events.append(self.event(customer_id, type, data))

    def event(
        self, customer_id: int, type: EventType, data: dict[str, Any] | None = None
    ) -> NewEvent:
        """The timeline event of a change, attributed to :attr:`actor_id`, stamped now
        (for :attr:`Transaction.changes`, which writes it with the change)."""
        return NewEvent(customer_id, type, self.actor_id, data or {}, self.now())

    def read(
        self,
        work: Callable[[Transaction], T],
        *,
        may_lag: bool = True,
        single_statement: bool = False,
    ) -> T:
        """``work(tx)`` in a new read-only transaction (no write lock; not retried).

        ``single_statement``: ``work`` sends one statement (or statements that need no
        common snapshot): a storage with a ``single_statement`` unit (see
        :class:`~customer_core.ports.Storage`) may then run it without a transaction block.

        Every read of a service tolerates a replica's lag, and may run on one, except
        those that pass ``may_lag=False`` (``authenticate``: a just-changed password
        or block must count at once). Reads inside a write use the write's
        transaction, on the primary; ``CustomerCore.on_primary()`` forces the rest there.

        A replica lost in the middle of a read (``StorageUnavailable``) costs the read
        nothing: it runs again, once, on the primary. Only a storage that has replicas
        (a true ``replicas`` attribute) is asked twice, so a primary that is down is
        not waited for twice.
        """
        try:
            with self._reading(may_lag, single_statement) as tx:
                return work(tx)
        except StorageUnavailable:
            if not (may_lag and getattr(self.storage, "replicas", False)):
                raise
        with self._reading(False, single_statement) as tx:
            return work(tx)

    def _reading(
        self, may_lag: bool, single_statement: bool
    ) -> AbstractContextManager[Transaction]:
        """The storage's read-only unit: its ``single_statement`` one when asked and it has one."""
        if single_statement:
            statement = getattr(self.storage, "single_statement", None)
            if statement is not None:
                return cast(AbstractContextManager[Transaction], statement(may_lag=may_lag))
        return self.storage.transaction(read_only=True, may_lag=may_lag)


def checked_id(
    value: object, field: str, not_found: Callable[[object], NotFound] = CustomerNotFound
) -> int:
    """Validate an id a caller passed (``ValidationError`` on ``field`` if it is no integer);
    an id no row can have is simply not found (``not_found(value)`` is raised)."""
    fields = Fields()
    number = fields.check(field, record_id, value)
    fields.done()
    if number is None:
        raise not_found(value)
    return number


def customer_id_of(value: object, field: str = "customer_id") -> int:
    """Validate a customer id a caller passed; an id no row can have is ``CustomerNotFound``."""
    return checked_id(value, field, CustomerNotFound)


def found(row: T | None, not_found: Callable[[object], NotFound], row_id: object) -> T:
    """``row``, or ``not_found(row_id)`` raised when it is None."""
    if row is None:
        raise not_found(row_id)
    return row


def locked_customer(tx: Transaction, customer_id: object) -> Customer:
    """The customer, its row locked for the rest of the transaction; CustomerNotFound if absent."""
    number = customer_id_of(customer_id)
    return found(tx.customers.lock(number), CustomerNotFound, customer_id)


def not_anonymized(customer: Customer) -> Customer:
    """``customer``, or a ValidationError on ``customer_id`` when it was anonymized.

    Recognised by its stored e-mail (:func:`~customer_core.anonymization.is_anonymized_email`,
    which only an anonymization writes): an anonymization is final, so no change may give
    the customer personal data or a log-in back.
    """
    if is_anonymized_email(customer.email):
        raise ValidationError({"customer_id": ANONYMIZED_MESSAGE})
    return customer


def writable_customer(tx: Transaction, customer_id: object) -> Customer:
    """:func:`locked_customer`, refused by :func:`not_anonymized` when it was anonymized."""
    return not_anonymized(locked_customer(tx, customer_id))
