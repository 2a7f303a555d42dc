"""Anonymization on SQL: a constant number of set-based statements per batch.

:meth:`SQLAlchemyAnonymizer.pending` is one locking SELECT, and
:meth:`SQLAlchemyAnonymizer.anonymize` five statements (reset tokens, addresses,
notes, customers, events), whether the batch holds one customer or ten thousand:
each names the batch by ``id IN (...)`` (``customer_id IN (...)``), so the
statements per batch do not grow with its size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from customer_core.adapters.sqlalchemy._customers import _unique_email as unique_email
from customer_core.adapters.sqlalchemy._schema import CustomerTables
from customer_core.anonymization import (
    ANONYMIZED_EMAIL_DOMAIN,
    ANONYMIZED_EMAIL_PREFIX,
    ANONYMIZED_NOTE,
    KEPT_EVENT_DATA,
    UNUSABLE_PASSWORD_PREFIX,
    Anonymization,
    anonymized_fields,
    has_anonymized_email,
)
from customer_core.ports import EventLog
from sqlalchemy import Connection, String, cast, delete, literal, select, update

__all__ = ["SQLAlchemyAnonymizer"]

#: A placeholder token for :func:`anonymized_fields` when its e-mail is not compared.
_ANY_TOKEN = "0" * 24


class SQLAlchemyAnonymizer:
    """An :class:`~customer_core.ports.Anonymizer` on one connection."""

    def __init__(
        self,
        connection: Connection,
        tables: CustomerTables,
        events: EventLog,
        reset_table_exists: Callable[[Connection], bool],
    ) -> None:
        self._conn = connection
        self._t = tables
        self._events = events
        self._reset_table_exists = reset_table_exists

    def pending(self, ids: Sequence[int]) -> list[int]:
        """One SELECT … FOR UPDATE of the batch with what is left to anonymize per row.

        The e-mail is compared in Python (:func:`has_anonymized_email` of the id): a
        concatenation compared in SQL would meet MySQL's collation rules.
        """
        if not ids:
            return []
        batch = sorted(set(ids))
        c = self._t.customers.c
        addresses, notes = self._t.addresses.c, self._t.notes.c
        # Uncorrelated IN subqueries, each run once per batch: Laravel's schema indexes
        # addresses.customer_id and customer_notes.customer_id on MySQL only, and a
        # correlated EXISTS would scan those tables once per customer elsewhere.
        with_address = select(addresses.customer_id).where(addresses.customer_id.in_(batch))
        with_note = select(notes.customer_id).where(
            notes.customer_id.in_(batch), notes.note != ANONYMIZED_NOTE
        )
        query = (
            select(
                c.id,
                c.name,
                c.email,
                c.phone,
                c.avatar,
                c.is_blocked,
                c.password.like(f"{UNUSABLE_PASSWORD_PREFIX}%").label("unusable"),
                c.id.in_(with_address).label("has_address"),
                c.id.in_(with_note).label("has_note"),
            )
            .where(c.id.in_(batch))
            .order_by(c.id)
            .with_for_update(key_share=True)
        )
        found: list[int] = []
        for row in self._conn.execute(query):
            customer_id = int(row.id)
            stored = {
                "name": row.name,
                "phone": row.phone,
                "avatar": row.avatar,
                "is_blocked": bool(row.is_blocked),
            }
            wanted = anonymized_fields(customer_id, _ANY_TOKEN)
            del wanted["email"]  # its token is random: compared by has_anonymized_email
            if (
                stored != wanted
                or not has_anonymized_email(customer_id, row.email)
                or not row.unusable
                or row.has_address
                or row.has_note
            ):
                found.append(customer_id)
        return found

    def anonymize(self, ids: Sequence[int], values: Anonymization) -> None:
        """Five statements: reset tokens, addresses, notes, customers, then events' data."""
        if not ids:
            return
        batch = list(ids)
        c = self._t.customers.c
        if self._reset_table_exists(self._conn):
            tokens = self._t.reset_tokens
            # Keyed by the e-mail as stored (Laravel's table too); before the e-mails change.
            stored_emails = select(c.email).where(c.id.in_(batch))
            new_emails = [values.email(customer_id) for customer_id in batch]
            self._conn.execute(
                delete(tokens).where(
                    tokens.c.email.in_(stored_emails) | tokens.c.email.in_(new_emails)
                )
            )
        addresses, notes = self._t.addresses, self._t.notes
        self._conn.execute(delete(addresses).where(addresses.c.customer_id.in_(batch)))
        self._conn.execute(
            update(notes)
            .where(notes.c.customer_id.in_(batch), notes.c.note != ANONYMIZED_NOTE)
            .values(note=ANONYMIZED_NOTE, updated_at=values.updated_at)
        )
        # A row another writer gave an anonymized e-mail: DuplicateEmail, as in memory.
        taken = values.email(batch[0]) if len(batch) == 1 else "(an anonymized e-mail)"
        with unique_email(taken):
            self._conn.execute(
                update(self._t.customers)
                .where(c.id.in_(batch))
                .values(_customer_values(values, c.id))
            )
        self._events.scrub(batch, KEPT_EVENT_DATA)


def _customer_values(values: Anonymization, customer_id: Any) -> dict[str, Any]:
    """The columns of :meth:`Anonymization.customer_changes`, the e-mail computed per row
    from ``customer_id`` (the id column) as :func:`anonymized_email` makes it."""
    fields = values.customer_changes(0)
    fields["email"] = (
        literal(ANONYMIZED_EMAIL_PREFIX, String)
        + cast(customer_id, String)
        + literal(f"-{values.email_token}@{ANONYMIZED_EMAIL_DOMAIN}", String)
    )
    fields["password"] = values.password_hash
    return fields
