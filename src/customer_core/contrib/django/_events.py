"""The timeline and outbox on the Django ORM: the ``customer_events`` table.

The same table and the same statements as the SQLAlchemy adapter's event log:
the outbox's claim locks the rows it leases with ``FOR UPDATE SKIP LOCKED``
where the database has it (PostgreSQL, MySQL 8, MariaDB 10.6), so concurrent
claimers each take other rows without waiting; SQLite has no row locks, and its
write transactions serialize as a whole (``"transaction_mode": "IMMEDIATE"``).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet

from customer_core.contrib.django._values import db_time, read_time
from customer_core.contrib.django.models import Customer as CustomerRow
from customer_core.contrib.django.models import CustomerEvent as EventRow
from customer_core.timeline import CustomerEvent, EventType, NewEvent

__all__ = ["DjangoEventLog"]

#: Ids or e-mails per statement (bound parameters stay far below every driver's limit).
CHUNK = 1000
FIELDS = ("id", "customer_id", "type", "actor_id", "data", "occurred_at")


class DjangoEventLog:
    """An :class:`~customer_core.ports.EventLog` on one Django database."""

    def __init__(self, alias: str) -> None:
        self._alias = alias
        self._rows: QuerySet[EventRow] = EventRow.objects.using(alias)

    def append(self, event: NewEvent) -> None:
        """One INSERT."""
        self._rows.create(**_row(event))

    def append_many(self, events: Sequence[NewEvent]) -> None:
        """Multi-row INSERTs (``bulk_create``) for all."""
        if events:
            self._rows.bulk_create([EventRow(**_row(event)) for event in events])

    def append_imported(
        self, emails: Sequence[str], actor_id: int | None, occurred_at: datetime
    ) -> None:
        """Per thousand e-mails, one SELECT of the new customers' ids and one multi-row INSERT."""
        customers = CustomerRow.objects.using(self._alias)
        moment = db_time(occurred_at)
        for start in range(0, len(emails), CHUNK):
            chunk = list(emails[start : start + CHUNK])
            ids = customers.filter(email__in=chunk).order_by("id").values_list("id", flat=True)
            self._rows.bulk_create(
                [
                    EventRow(
                        customer_id=customer_id,
                        type=EventType.IMPORTED.value,
                        actor_id=actor_id,
                        data={},
                        occurred_at=moment,
                    )
                    for customer_id in ids
                ]
            )

    def list(
        self, customer_id: int, types: Sequence[EventType] | None, offset: int, limit: int
    ) -> tuple[builtins.list[CustomerEvent], int]:
        """A page and the count, newest first (``occurred_at``, then id)."""
        rows = self._rows.filter(customer_id=customer_id)
        if types is not None:
            rows = rows.filter(type__in=[str(kind) for kind in types])
        page = rows.order_by("-occurred_at", "-id").values(*FIELDS)[offset : offset + limit]
        return [_event(row) for row in page], rows.count()

    def claim(
        self, limit: int, now: datetime, lease_until: datetime
    ) -> builtins.list[CustomerEvent]:
        """Lock the oldest claimable rows (skipping rows another claimer holds), then lease them."""
        moment = db_time(now)
        skip = connections[self._alias].features.has_select_for_update_skip_locked
        claimable = self._rows.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lte=moment),
            published_at__isnull=True,
        )
        rows = list(
            claimable.order_by("id").select_for_update(skip_locked=skip).values(*FIELDS)[:limit]
        )
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        self._rows.filter(id__in=ids).update(leased_until=db_time(lease_until))
        return [_event(row) for row in rows]

    def ack(self, event_ids: Sequence[int], now: datetime) -> int:
        """UPDATE the unpublished ones, a thousand ids per statement."""
        moment = db_time(now)
        done = 0
        for start in range(0, len(event_ids), CHUNK):
            chunk = list(event_ids[start : start + CHUNK])
            done += self._rows.filter(id__in=chunk, published_at__isnull=True).update(
                published_at=moment, leased_until=None
            )
        return done

    def scrub(self, customer_ids: Sequence[int], keep: Sequence[EventType]) -> None:
        """One UPDATE per thousand customers: ``data`` becomes ``{}`` but for ``keep``'s types."""
        kept = [kind.value for kind in keep]
        for start in range(0, len(customer_ids), CHUNK):
            chunk = list(customer_ids[start : start + CHUNK])
            self._rows.filter(customer_id__in=chunk).exclude(type__in=kept).update(data={})

    def purge(self, customer_id: int) -> None:
        """One DELETE of the customer's events."""
        self._rows.filter(customer_id=customer_id).delete()


def _row(event: NewEvent) -> dict[str, Any]:
    return {
        "customer_id": event.customer_id,
        "type": event.type.value,
        "actor_id": event.actor_id,
        "data": event.data,
        "occurred_at": db_time(event.occurred_at),
    }


def _event(row: Mapping[str, Any]) -> CustomerEvent:
    occurred = read_time(row["occurred_at"])
    assert occurred is not None  # the column is NOT NULL
    return CustomerEvent(
        id=int(row["id"]),
        customer_id=int(row["customer_id"]),
        type=EventType(row["type"]),
        actor_id=None if row["actor_id"] is None else int(row["actor_id"]),
        data=dict(row["data"]),
        occurred_at=occurred,
    )
