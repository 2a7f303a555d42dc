"""The customer timeline and the outbox of its events for the host's message bus."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import timedelta

from customer_core import rules
from customer_core.errors import CustomerNotFound, ValidationError
from customer_core.model import Page
from customer_core.ports import Transaction
from customer_core.rules import Fields, Invalid
from customer_core.services._context import Context, customer_id_of
from customer_core.timeline import CustomerEvent, EventType

__all__ = ["Timeline"]

MAX_PER_PAGE = 100
MAX_PAGE = 2**31 - 1
MAX_CLAIM = 10_000
#: A lease longer than a day is a worker that forgot to ack, not a slow one.
MAX_LEASE_SECONDS = 86_400


def _types(value: object) -> tuple[EventType, ...] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise Invalid("must be a collection of event types")
    try:
        return tuple(EventType(item) for item in value)
    except ValueError:
        raise Invalid(f"must be among {', '.join(t.value for t in EventType)}") from None


class Timeline:
    """Reads a customer's timeline; claims and acknowledges events for publication (outbox)."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def list(
        self,
        customer_id: int,
        *,
        page: int = 1,
        per_page: int = 50,
        types: Iterable[EventType | str] | None = None,
    ) -> Page[CustomerEvent]:
        """A page of the customer's events, newest first (``occurred_at``, then id, descending).

        ``types`` keeps only events of those types. ``CustomerNotFound`` if the
        customer does not exist (a deleted customer's events go on in the outbox).
        """
        number = customer_id_of(customer_id)
        fields = Fields()
        page_number = fields.check("page", rules.positive(MAX_PAGE), page)
        size = fields.check("per_page", rules.positive(MAX_PER_PAGE), per_page)
        wanted = fields.check("types", _types, types)
        fields.done()
        offset = (page_number - 1) * size

        def work(tx: Transaction) -> tuple[builtins.list[CustomerEvent], int]:
            if tx.customers.find(number) is None:
                raise CustomerNotFound(customer_id)
            return tx.events.list(number, wanted, offset, size)

        items, total = self._context.read(work)
        return Page(items=items, total=total, page=page_number, per_page=size)

    def claim(self, limit: int = 100, *, lease_seconds: int = 60) -> builtins.list[CustomerEvent]:
        """Lease up to ``limit`` unpublished events, oldest first, for ``lease_seconds``.

        Concurrent claimers never get the same event while its lease holds; an
        event claimed and not acknowledged (:meth:`ack`) is claimed again after
        its lease ends, so delivery is at least once.
        """
        fields = Fields()
        size = fields.check("limit", rules.positive(MAX_CLAIM), limit)
        seconds = fields.check("lease_seconds", rules.positive(MAX_LEASE_SECONDS), lease_seconds)
        fields.done()

        def work(tx: Transaction) -> builtins.list[CustomerEvent]:
            now = self._context.now()
            return tx.events.claim(size, now, now + timedelta(seconds=seconds))

        return self._context.write(work)

    def ack(self, event_ids: Iterable[int]) -> int:
        """Mark these events published; returns how many were not published before.

        Ids of no event are skipped; an id that is not an integer is a
        ``ValidationError`` on ``event_ids.<index>`` before anything is written.
        """
        if isinstance(event_ids, str | bytes) or not isinstance(event_ids, Iterable):
            raise ValidationError.single("event_ids", "must be a collection of integers")
        fields = Fields()
        checked = [
            fields.check(f"event_ids.{index}", rules.record_id, value)
            for index, value in enumerate(event_ids)
        ]
        fields.done()
        ids = sorted({i for i in checked if i is not None})
        if not ids:
            return 0
        return self._context.write(lambda tx: tx.events.ack(ids, self._context.now()))
