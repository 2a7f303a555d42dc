"""Notes in SQL, with authors checked against the host's users table when there is one."""

from __future__ import annotations

import builtins
from datetime import datetime

from customer_core.adapters.sqlalchemy._errors import (
    driver_cause,
    is_foreign_key_violation,
    translating,
)
from customer_core.adapters.sqlalchemy._guard import check_lengths, inserted_id
from customer_core.adapters.sqlalchemy._rows import note_from
from customer_core.errors import NoteNotFound, ValidationError
from customer_core.model import Note
from customer_core.ports import NewNote
from sqlalchemy import Connection, Table, column, delete, exc, insert, select, table, update

__all__ = ["SQLAlchemyNoteRepository"]

FIELDS = {"note": "text", "user_id": "author_id"}
UNKNOWN_AUTHOR = "is not a known user"


class SQLAlchemyNoteRepository:
    """A :class:`~customer_core.ports.NoteRepository` on one connection.

    ``users_table`` is the host's users table when it exists in the database
    (the storage finds out once), else None: then any author id is accepted.
    """

    def __init__(self, connection: Connection, table: Table, users_table: str | None) -> None:
        self._conn = connection
        self._n = table
        self._users = users_table

    def add(self, note: NewNote) -> Note:
        """Insert; ``ValidationError`` on ``author_id`` when the author is not a host user."""
        values = {
            "customer_id": note.customer_id,
            "user_id": note.author_id,
            "note": note.text,
            "created_at": note.created_at,
            "updated_at": note.updated_at,
        }
        check_lengths(self._conn.dialect, self._n, values, FIELDS)
        if not self._is_user(note.author_id):
            raise ValidationError.single("author_id", UNKNOWN_AUTHOR)
        with translating(FIELDS):
            try:
                statement = insert(self._n).values(values)
                if self._conn.dialect.insert_returning:
                    return note_from(self._conn.execute(statement.returning(*self._n.c)).one())
                result = self._conn.execute(statement)
            except exc.DBAPIError as error:
                # A user deleted between the check and the insert: the FK still says no.
                if is_foreign_key_violation(error):
                    raise ValidationError.single("author_id", UNKNOWN_AUTHOR) from driver_cause(
                        error
                    )
                raise
        return self._get(inserted_id(result))

    def find(self, note_id: int) -> Note | None:
        """The note with this id, or None."""
        row = self._conn.execute(select(self._n).where(self._n.c.id == note_id)).first()
        return None if row is None else note_from(row)

    def list(self, customer_id: int) -> builtins.list[Note]:
        """The customer's notes, newest first (``created_at``, then id, descending)."""
        n = self._n.c
        query = (
            select(self._n)
            .where(n.customer_id == customer_id)
            .order_by(n.created_at.is_(None), n.created_at.desc(), n.id.desc())
        )
        return [note_from(row) for row in self._conn.execute(query)]

    def update(self, note_id: int, text: str, updated_at: datetime) -> Note:
        """Replace the text."""
        values = {"note": text, "updated_at": updated_at}
        check_lengths(self._conn.dialect, self._n, values, FIELDS)
        statement = update(self._n).where(self._n.c.id == note_id).values(values)
        with translating(FIELDS):
            if self._conn.dialect.update_returning:
                row = self._conn.execute(statement.returning(*self._n.c)).first()
                if row is None:
                    raise NoteNotFound(note_id)
                return note_from(row)
            self._conn.execute(statement)
        return self._get(note_id)

    def remove(self, note_id: int) -> None:
        """Delete the note."""
        self._conn.execute(delete(self._n).where(self._n.c.id == note_id))

    def _is_user(self, author_id: int) -> bool:
        if self._users is None:
            return True
        users = table(self._users, column("id"))
        found = self._conn.execute(select(users.c.id).where(users.c.id == author_id)).first()
        return found is not None

    def _get(self, note_id: int) -> Note:
        note = self.find(note_id)
        if note is None:
            raise NoteNotFound(note_id)
        return note
