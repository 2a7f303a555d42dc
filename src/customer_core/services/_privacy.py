"""The privacy toolkit: export a person's data, anonymize them, or erase them.

Anonymization keeps the sales figures (lifetime value, orders count, last order,
``created_at``) under a customer that identifies no one
(:mod:`customer_core.anonymization`); erasure deletes the customer with all its
data and timeline, leaving one ``erased`` event that holds only the id.
"""

from __future__ import annotations

import builtins
import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from customer_core import rules
from customer_core.anonymization import Anonymization
from customer_core.errors import CustomerNotFound, DuplicateEmail
from customer_core.model import Customer
from customer_core.ports import Transaction
from customer_core.rules import Fields
from customer_core.serialization import to_dict
from customer_core.services._context import Context, customer_id_of, found, locked_customer
from customer_core.services._privacy_selection import Selection, selection_of
from customer_core.timeline import CustomerEvent, EventType, NewEvent

__all__ = ["EXPORT_FORMAT", "MAX_BATCH", "Privacy", "Progress"]

Progress = Callable[[int, int], object]
"""Called as ``progress(done, total)`` while ``anonymize_many`` runs."""

#: Customers per transaction of ``anonymize_many`` at most: its IN lists stay far below
#: every database's limit of bound parameters.
MAX_BATCH = 10_000

#: The version of :meth:`Privacy.export`'s layout, written into every export.
EXPORT_FORMAT = 1

logger = logging.getLogger("customer_core.privacy")

#: Events read per statement while exporting a timeline.
_EVENT_PAGE = 1000


class Privacy:
    """Answers access requests (:meth:`export`) and forgets people (:meth:`anonymize`,
    :meth:`anonymize_many`, :meth:`erase`)."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def export(self, customer_id: int) -> dict[str, Any]:
        """Everything the library keeps about the customer, JSON-safe, from one snapshot.

        ``{"format": 1, "customer": …, "addresses": […], "notes": […], "timeline": […]}``
        (read under the customer's row lock, in a transaction that writes nothing: no
        change of the customer's lands between its parts)
        (the timeline oldest first). Never a password hash or reset token: no value
        serialized here holds one. ``CustomerNotFound`` if there is no such customer.
        """
        number = customer_id_of(customer_id)

        def work(tx: Transaction) -> dict[str, Any]:
            # One snapshot on every storage: the customer's row is locked, as every write of
            # its data (profile, addresses, notes, events) locks it first, so none can land
            # between the reads below. A READ COMMITTED read would see each table at its
            # own moment.
            customer = locked_customer(tx, number)
            exported = {
                "format": EXPORT_FORMAT,
                "customer": to_dict(customer),
                "addresses": [to_dict(a) for a in tx.addresses.list(number)],
                "notes": [to_dict(n) for n in reversed(tx.notes.list(number))],
                "timeline": [to_dict(e) for e in reversed(_all_events(tx, number))],
            }
            # Plain JSON types only (str enums become str): what a host writes out is what
            # a test compares.
            plain: dict[str, Any] = json.loads(json.dumps(exported))
            return plain

        # A write transaction (for the lock), so on the primary: a lagging replica could
        # miss data. It writes nothing.
        return self._context.write(work)

    def anonymize(self, customer_id: int) -> Customer:
        """Replace everything that identifies the customer; keep its sales figures.

        Name, e-mail (``anonymized-<id>-<random token>@anonymized.invalid``), phone and avatar
        are replaced, addresses and reset tokens deleted, note texts replaced,
        the data of its timeline events cleared (:data:`KEPT_EVENT_DATA` aside),
        its password hash made unusable and the customer blocked. Lifetime value,
        orders count, last order and ``created_at`` stay. Writes ``anonymized``;
        a customer with nothing left to anonymize is returned unchanged and gets
        no event. All in one transaction.
        """

        def work(tx: Transaction) -> Customer:
            customer = locked_customer(tx, customer_id)
            if not tx.privacy.pending([customer.id]):
                return customer
            self._anonymize(tx, [customer.id])
            return found(tx.customers.find(customer.id), CustomerNotFound, customer_id)

        return self._context.write(work)

    def anonymize_many(
        self,
        segment: object,
        *,
        batch_size: int = 1000,
        progress: Progress | None = None,
    ) -> int:
        """Anonymize every customer of ``segment`` as :meth:`anonymize` does; returns how many
        were anonymized (those with nothing left are skipped and not counted).

        Set-based: per batch of ``batch_size`` customers a constant number of
        statements on SQL. Each batch commits on its own, so an interrupted run
        keeps the batches it finished and a second run does the rest.
        ``progress(done, total)`` is called after each batch (``done``: customers
        looked at, ``total``: customers in the segment when the run began).
        A customer whose anonymized e-mail another row holds (only a writer past the
        library's rules can do that) does not stop the run: its batch is done again one
        customer at a time, and that customer is logged by id (a WARNING on the
        ``customer_core.privacy`` logger) and skipped; a later run tries it again.
        """
        fields = Fields()
        size = fields.check("batch_size", rules.positive(MAX_BATCH), batch_size)
        report = fields.check("progress", _progress, progress)
        fields.done()
        selection = selection_of(self._context, segment)
        # The ids are read on the primary: a lagging replica could hide customers.
        total = self._context.read(selection.count, may_lag=False)
        looked_at, anonymized, after = 0, 0, 0
        while True:
            batch = self._context.read(
                partial(selection.ids_after, after=after, limit=size), may_lag=False
            )
            if not batch:
                return anonymized
            anonymized += self._write_batch(batch, selection)
            looked_at += len(batch)
            after = batch[-1]
            if report is not None:
                report(looked_at, max(total, looked_at))

    def _write_batch(self, batch: builtins.list[int], selection: Selection) -> int:
        """Anonymize one batch in one transaction; if a customer's new e-mail is taken (a
        row some other writer gave it), the batch is done again one customer at a time,
        so that one such customer costs the run only itself: it is logged by id and left
        as it is (counted as not anonymized), and the run goes on."""
        try:
            return self._context.write(
                partial(self._anonymize_batch, ids=batch, selection=selection)
            )
        except DuplicateEmail:
            pass
        done = 0
        for customer_id in batch:
            try:
                done += self._context.write(
                    partial(self._anonymize_batch, ids=[customer_id], selection=selection)
                )
            except DuplicateEmail:
                logger.warning(
                    "customer %d not anonymized: its anonymized e-mail is taken by another row",
                    customer_id,
                )
        return done

    def _count(self, segment: object) -> int:
        """How many customers ``segment`` holds now (the CLI's confirmation count).

        SEAM: ``core.customers.count(segment)`` (engineer S) replaces it once merged.
        """
        selection = selection_of(self._context, segment)
        return self._context.read(selection.count, may_lag=False)

    def _anonymize_batch(
        self, tx: Transaction, *, ids: builtins.list[int], selection: Selection
    ) -> int:
        # Locked first, then the segment asked again: the read that chose them was earlier.
        pending = selection.still_in(tx, tx.privacy.pending(ids))
        self._anonymize(tx, pending)
        return len(pending)

    def _anonymize(self, tx: Transaction, ids: builtins.list[int]) -> None:
        """Anonymize the locked customers ``ids`` and write one ``anonymized`` each."""
        if not ids:
            return
        now = self._context.now()
        tx.privacy.anonymize(ids, Anonymization(updated_at=now))
        actor = self._context.actor_id
        tx.events.append_many([NewEvent(i, EventType.ANONYMIZED, actor, {}, now) for i in ids])

    def erase(self, customer_id: int) -> None:
        """Delete the customer with its addresses, notes, reset tokens and timeline.

        Only an ``erased`` event remains, holding the id and no data. Unlike
        ``customers.delete`` (which leaves the timeline for audit and the outbox),
        the customer's earlier events are deleted too, published or not: the
        outbox delivers ``erased`` and nothing older that was still waiting.
        ``CustomerNotFound`` if there is no such customer.
        """

        def work(tx: Transaction) -> None:
            customer = locked_customer(tx, customer_id)
            tx.reset_tokens.delete(customer.email)
            tx.customers.delete(customer.id)
            tx.events.purge(customer.id)
            self._context.record(tx, customer.id, EventType.ERASED)

        self._context.write(work)


def _all_events(tx: Transaction, customer_id: int) -> builtins.list[CustomerEvent]:
    """The customer's whole timeline, newest first, a page per statement."""
    events: builtins.list[CustomerEvent] = []
    while True:
        page, total = tx.events.list(customer_id, None, len(events), _EVENT_PAGE)
        events.extend(page)
        if not page or len(events) >= total:
            return events


def _progress(value: object) -> Progress | None:
    if value is not None and not callable(value):
        raise rules.Invalid("must be a callable or None")
    return value
