"""The in-memory timeline and outbox: events by id, with their lease and publication times."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

import attrs

from customer_core.adapters.memory._journal import Journal, Tables
from customer_core.timeline import CustomerEvent, EventType, NewEvent

__all__ = ["InMemoryEventLog"]

# The slots of a row of Tables.events.
EVENT, LEASED_UNTIL, PUBLISHED_AT = 0, 1, 2


class InMemoryEventLog:
    """An :class:`~customer_core.ports.EventLog` in memory; the storage's lock serializes claims."""

    def __init__(self, tables: Tables, journal: Journal) -> None:
        self._tables = tables
        self._journal = journal

    def append(self, event: NewEvent) -> None:
        """Store one event with the next id."""
        event_id = self._tables.new_id("event")
        stored = CustomerEvent(
            id=event_id,
            customer_id=event.customer_id,
            type=event.type,
            actor_id=event.actor_id,
            data=event.data,
            occurred_at=event.occurred_at,
        )
        self._journal.set(self._tables.events, event_id, [stored, None, None])

    def append_many(self, events: Sequence[NewEvent]) -> None:
        """``append`` each."""
        for event in events:
            self.append(event)

    def append_imported(
        self, emails: Sequence[str], actor_id: int | None, occurred_at: datetime
    ) -> None:
        """One ``imported`` event per customer with one of ``emails``."""
        for email in emails:
            customer_id = self._tables.emails.get(email)
            if customer_id is not None:
                self.append(NewEvent(customer_id, EventType.IMPORTED, actor_id, {}, occurred_at))

    def list(
        self, customer_id: int, types: Sequence[EventType] | None, offset: int, limit: int
    ) -> tuple[builtins.list[CustomerEvent], int]:
        """Newest first, as the SQL adapter orders them."""
        wanted = None if types is None else frozenset(types)
        matching = [
            row[EVENT]
            for row in self._tables.events.values()
            if row[EVENT].customer_id == customer_id
            and (wanted is None or row[EVENT].type in wanted)
        ]
        matching.sort(key=lambda event: (event.occurred_at, event.id), reverse=True)
        return matching[offset : offset + limit], len(matching)

    def claim(
        self, limit: int, now: datetime, lease_until: datetime
    ) -> builtins.list[CustomerEvent]:
        """The oldest unpublished events whose lease has ended, leased until ``lease_until``."""
        claimed: builtins.list[CustomerEvent] = []
        for event_id, row in self._tables.events.items():  # ids ascend in insertion order
            if len(claimed) >= limit:
                break
            lease = row[LEASED_UNTIL]
            if row[PUBLISHED_AT] is None and (lease is None or lease <= now):
                self._journal.set(self._tables.events, event_id, [row[EVENT], lease_until, None])
                claimed.append(row[EVENT])
        return claimed

    def ack(self, event_ids: Sequence[int], now: datetime) -> int:
        """Mark the unpublished ones of ``event_ids`` published."""
        done = 0
        for event_id in dict.fromkeys(event_ids):
            row = self._tables.events.get(event_id)
            if row is not None and row[PUBLISHED_AT] is None:
                self._journal.set(self._tables.events, event_id, [row[EVENT], None, now])
                done += 1
        return done

    def scrub(self, customer_ids: Sequence[int], keep: Sequence[EventType]) -> None:
        """Replace the customers' events whose type is not in ``keep`` by copies with no data."""
        wanted, kept = frozenset(customer_ids), frozenset(keep)
        for event_id, row in builtins.list(self._tables.events.items()):
            event = row[EVENT]
            if event.customer_id in wanted and event.type not in kept and event.data:
                scrubbed = attrs.evolve(event, data={})
                self._journal.set(self._tables.events, event_id, [scrubbed, *row[1:]])

    def purge(self, customer_id: int) -> None:
        """Delete the customer's events."""
        for event_id, row in builtins.list(self._tables.events.items()):
            if row[EVENT].customer_id == customer_id:
                self._journal.delete(self._tables.events, event_id)
