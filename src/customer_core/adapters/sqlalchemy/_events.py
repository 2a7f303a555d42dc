"""The timeline and outbox on SQL: the ``customer_events`` table.

The outbox's claim locks the rows it leases with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL and MySQL/MariaDB, so concurrent claimers each take other rows
without waiting; on SQLite every write transaction begins ``IMMEDIATE``, so
the single writer serializes claims (SQLAlchemy renders no ``FOR UPDATE`` there).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from customer_core.adapters.sqlalchemy._dialects import driver_placeholder
from customer_core.adapters.sqlalchemy._types import read_time
from customer_core.clock import stored_time
from customer_core.timeline import CustomerEvent, EventType, NewEvent
from sqlalchemy import (
    BigInteger,
    Connection,
    Insert,
    Row,
    Select,
    Table,
    Text,
    and_,
    cast,
    column,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

if TYPE_CHECKING:
    from customer_core.adapters.sqlalchemy._customers import SQLAlchemyImports

__all__ = ["SQLAlchemyEventLog"]

#: Ids per statement of ``ack`` (bound parameters stay far below every driver's limit).
CHUNK = 1000


class SQLAlchemyEventLog:
    """An :class:`~customer_core.ports.EventLog` on the ``customer_events`` table."""

    def __init__(
        self,
        connection: Connection,
        table: Table,
        customers: Table,
        *,
        imports: SQLAlchemyImports | None = None,
    ) -> None:
        self._conn = connection
        self._t = table
        self._customers = customers
        self._imports = imports

    def append(self, event: NewEvent) -> None:
        """One INSERT; nobody reads the new id back (no RETURNING, no ``nextval`` fetched
        first on PostgreSQL).

        On PostgreSQL as SQL for the driver: a call's latency there is mostly Python, and
        SQLAlchemy's compiled-cache look-up of an ``insert()`` costs about as much as the
        driver's whole execute (docs/performance.md, "The timeline's cost").
        """
        marker = driver_placeholder(self._conn)
        if self._conn.dialect.name != "postgresql" or marker is None:
            self._conn.execute(self._t.insert().inline(), _row(event))
            return
        table = self._conn.dialect.identifier_preparer.format_table(self._t)
        self._conn.exec_driver_sql(
            f"INSERT INTO {table} (customer_id, type, actor_id, data, occurred_at)"
            f" VALUES ({', '.join([marker] * 5)})",
            (
                event.customer_id,
                event.type.value,
                event.actor_id,
                json.dumps(event.data, ensure_ascii=False),
                stored_time(event.occurred_at).replace(tzinfo=None),
            ),
        )

    def append_many(self, events: Sequence[NewEvent]) -> None:
        """One INSERT for all: on PostgreSQL of one JSON document (:meth:`_json_insert`),
        else an executemany."""
        if not events:
            return
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(self._json_insert(events))
            return
        self._conn.execute(self._t.insert().inline(), [_row(event) for event in events])

    def _json_insert(self, events: Sequence[NewEvent]) -> Insert:
        """``INSERT … SELECT`` from ``jsonb_array_elements`` of one parameter, in order.

        psycopg's executemany adapts each row's values in Python (a thousand rows of
        ``recalculate_all``'s batch cost more than its UPDATE); ``json.dumps`` of all of
        them is C, and the server parses the document once (as ``_fast``'s bulk insert).
        """
        t = self._t.c
        document = json.dumps([_json_row(event) for event in events], ensure_ascii=False)
        rows = (
            func.jsonb_array_elements(cast(literal(document, Text()), JSONB))
            .table_valued(column("value", JSONB), with_ordinality="position")
            .render_derived()
        )
        value = rows.c.value
        query = select(
            cast(value.op("->>")(0), t.customer_id.type),
            value.op("->>")(1),
            cast(value.op("->>")(2), t.actor_id.type),
            cast(value.op("->", return_type=JSONB)(3), t.data.type),
            cast(value.op("->>")(4), t.occurred_at.type),
        ).order_by(rows.c.position)
        columns = ["customer_id", "type", "actor_id", "data", "occurred_at"]
        return self._t.insert().from_select(columns, query)

    def append_imported(
        self, emails: Sequence[str], actor_id: int | None, occurred_at: datetime
    ) -> None:
        """One INSERT … SELECT over the customers just inserted with these e-mails: from
        their ids when the import's INSERT returned them (PostgreSQL), else read back."""
        if not emails:
            return
        values = [
            literal(EventType.IMPORTED.value, self._t.c.type.type),
            literal(actor_id, self._t.c.actor_id.type),
            literal({}, self._t.c.data.type),
            literal(occurred_at, self._t.c.occurred_at.type),
        ]
        added = None if self._imports is None else self._imports.last_added
        query: Select[Any]
        if added is not None and added[0] == list(emails):
            # One array parameter: no IN list of a thousand e-mails to plan and look up.
            ids = (
                func.unnest(literal(sorted(added[1]), ARRAY(BigInteger)))
                .table_valued("id")
                .render_derived()
            )
            query = select(ids.c.id, *values)
        else:
            c = self._customers.c
            query = select(c.id, *values).where(c.email.in_(list(emails)))
        columns = ["customer_id", "type", "actor_id", "data", "occurred_at"]
        self._conn.execute(self._t.insert().from_select(columns, query))

    def list(
        self, customer_id: int, types: Sequence[EventType] | None, offset: int, limit: int
    ) -> tuple[builtins.list[CustomerEvent], int]:
        """A page and the count, newest first."""
        t = self._t.c
        where = [t.customer_id == customer_id]
        if types is not None:
            where.append(t.type.in_([str(kind) for kind in types]))
        rows = self._conn.execute(
            select(*self._columns())
            .where(*where)
            .order_by(t.occurred_at.desc(), t.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        total = self._conn.execute(select(func.count()).select_from(self._t).where(*where))
        return [_event(row) for row in rows], int(total.scalar_one())

    def claim(
        self, limit: int, now: datetime, lease_until: datetime
    ) -> builtins.list[CustomerEvent]:
        """Lock the oldest claimable rows (skipping rows another claimer holds), then lease them."""
        t = self._t.c
        claimable = select(*self._columns()).where(
            t.published_at.is_(None), or_(t.leased_until.is_(None), t.leased_until <= now)
        )
        rows = self._conn.execute(
            claimable.order_by(t.id).limit(limit).with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        self._conn.execute(self._t.update().where(t.id.in_(ids)).values(leased_until=lease_until))
        return [_event(row) for row in rows]

    def ack(self, event_ids: Sequence[int], now: datetime) -> int:
        """UPDATE the unpublished ones, a thousand ids per statement."""
        t = self._t.c
        done = 0
        for start in range(0, len(event_ids), CHUNK):
            chunk = list(event_ids[start : start + CHUNK])
            result = self._conn.execute(
                self._t.update()
                .where(and_(t.id.in_(chunk), t.published_at.is_(None)))
                .values(published_at=now, leased_until=None)
            )
            done += result.rowcount
        return done

    def scrub(self, customer_ids: Sequence[int], keep: Sequence[EventType]) -> None:
        """One UPDATE per thousand customers: ``data`` becomes ``{}`` but for ``keep``'s types."""
        t = self._t.c
        kept = [kind.value for kind in keep]
        for start in range(0, len(customer_ids), CHUNK):
            chunk = list(customer_ids[start : start + CHUNK])
            where = [t.customer_id.in_(chunk)]
            if kept:
                where.append(t.type.not_in(kept))
            self._conn.execute(self._t.update().where(*where).values(data={}))

    def purge(self, customer_id: int) -> None:
        """One DELETE of the customer's events."""
        self._conn.execute(self._t.delete().where(self._t.c.customer_id == customer_id))

    def _columns(self) -> builtins.list[Any]:
        t = self._t.c
        return [t.id, t.customer_id, t.type, t.actor_id, t.data, t.occurred_at]


def _row(event: NewEvent) -> dict[str, Any]:
    return {
        "customer_id": event.customer_id,
        "type": event.type.value,
        "actor_id": event.actor_id,
        "data": event.data,
        "occurred_at": event.occurred_at,
    }


def _json_row(event: NewEvent) -> list[Any]:
    """An event as the JSON array :meth:`SQLAlchemyEventLog._json_insert` reads: the time as
    the naive UTC text the column stores (whole seconds, as its type binds it)."""
    occurred = stored_time(event.occurred_at).replace(tzinfo=None)
    return [
        event.customer_id,
        event.type.value,
        event.actor_id,
        event.data,
        occurred.isoformat(" "),
    ]


def _event(row: Row[Any]) -> CustomerEvent:
    occurred = read_time(row.occurred_at)
    assert occurred is not None  # the column is NOT NULL
    return CustomerEvent(
        id=int(row.id),
        customer_id=int(row.customer_id),
        type=EventType(row.type),
        actor_id=None if row.actor_id is None else int(row.actor_id),
        data=dict(row.data),
        occurred_at=occurred,
    )
