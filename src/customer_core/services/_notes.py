"""Internal notes about a customer, written by the host's admin users."""

from __future__ import annotations

from customer_core import rules
from customer_core.errors import CustomerNotFound, NoteNotFound
from customer_core.model import Customer, Note
from customer_core.ports import NewNote, Transaction
from customer_core.rules import Fields
from customer_core.services._context import (
    Context,
    checked_id,
    customer_id_of,
    found,
    locked_customer,
    not_anonymized,
    writable_customer,
)
from customer_core.timeline import EventType

__all__ = ["CustomerNotes"]


class CustomerNotes:
    """Adds, lists, edits and removes notes; text is trimmed, 1–65 535 characters."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def add(self, customer_id: int, *, author_id: int, text: str) -> Note:
        """Add a note by ``author_id`` (a host user); an unknown author is a ValidationError."""
        fields = Fields()
        author = fields.check("author_id", rules.author_id, author_id)
        body = fields.check("text", rules.note_text, text)
        fields.done()
        now = self._context.now()

        def work(tx: Transaction) -> Note:
            customer = writable_customer(tx, customer_id)
            new = NewNote(
                customer_id=customer.id, author_id=author, text=body, created_at=now, updated_at=now
            )
            note = tx.notes.add(new)
            self._context.record(
                tx, customer.id, EventType.NOTE_ADDED, {"note_id": note.id, "author_id": author}
            )
            return note

        return self._context.write(work)

    def list(self, customer_id: int) -> list[Note]:
        """The customer's notes, newest first (``created_at``, then id, descending)."""
        number = customer_id_of(customer_id)

        def work(tx: Transaction) -> list[Note]:
            if tx.customers.find(number) is None:
                raise CustomerNotFound(customer_id)
            return tx.notes.list(number)

        return self._context.read(work)

    def edit(self, note_id: int, text: str) -> Note:
        """Replace the note's text."""
        number = _note_id(note_id)
        fields = Fields()
        body = fields.check("text", rules.note_text, text)
        fields.done()

        def work(tx: Transaction) -> Note:
            note, customer = _locked(tx, number)
            not_anonymized(customer)
            if note.text == body:
                return note
            edited = tx.notes.update(note.id, body, self._context.now())
            self._context.record(tx, note.customer_id, EventType.NOTE_EDITED, {"note_id": note.id})
            return edited

        return self._context.write(work)

    def remove(self, note_id: int) -> None:
        """Remove the note."""
        number = _note_id(note_id)

        def work(tx: Transaction) -> None:
            note, _ = _locked(tx, number)
            tx.notes.remove(note.id)
            self._context.record(tx, note.customer_id, EventType.NOTE_REMOVED, {"note_id": note.id})

        self._context.write(work)


def _note_id(value: object) -> int:
    return checked_id(value, "note_id", NoteNotFound)


def _found(tx: Transaction, note_id: int) -> Note:
    return found(tx.notes.find(note_id), NoteNotFound, note_id)


def _locked(tx: Transaction, note_id: int) -> tuple[Note, Customer]:
    """The note, read again after its customer's row is locked (as every other write
    locks it), and the customer: an edit cannot land after an anonymization committed."""
    note = _found(tx, note_id)
    customer = locked_customer(tx, note.customer_id)
    return _found(tx, note_id), customer
