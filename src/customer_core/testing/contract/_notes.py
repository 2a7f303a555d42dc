"""The contract of internal notes about customers."""

from __future__ import annotations

import pytest

from customer_core.errors import CustomerNotFound, NoteNotFound, ValidationError
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import customer, snapshot

__all__ = ["NotesContract"]


class NotesContract:
    """``core.notes``: add, list, edit, remove."""

    def test_add_returns_the_stored_note(self, harness: Harness) -> None:
        """An added note carries its customer, author, trimmed text and times of now."""
        ada = customer(harness)
        note = harness.core.notes.add(
            ada.id, author_id=harness.author_id, text="  Prefers email \n"
        )
        assert note.customer_id == ada.id
        assert note.author_id == harness.author_id
        assert note.text == "Prefers email"
        assert note.created_at == harness.clock.now().replace(microsecond=0)
        assert note.updated_at == note.created_at
        assert harness.core.notes.list(ada.id) == [note]

    def test_text_keeps_inner_line_breaks(self, harness: Harness) -> None:
        """Line breaks inside a note's text are kept."""
        ada = customer(harness)
        note = harness.core.notes.add(ada.id, author_id=harness.author_id, text="line 1\nline 2")
        assert harness.core.notes.list(ada.id)[0].text == "line 1\nline 2" == note.text

    def test_list_is_newest_first(self, harness: Harness) -> None:
        """Notes list by created_at descending."""
        ada = customer(harness)
        old = harness.core.notes.add(ada.id, author_id=harness.author_id, text="old")
        harness.clock.advance(5)
        new = harness.core.notes.add(ada.id, author_id=harness.author_id, text="new")
        assert [n.id for n in harness.core.notes.list(ada.id)] == [new.id, old.id]

    def test_same_time_notes_list_by_id_descending(self, harness: Harness) -> None:
        """Notes written in the same second list by id descending."""
        ada = customer(harness)
        made = [
            harness.core.notes.add(ada.id, author_id=harness.author_id, text=f"n{i}").id
            for i in range(3)
        ]
        assert [n.id for n in harness.core.notes.list(ada.id)] == sorted(made, reverse=True)

    def test_edit_is_by_created_at_not_updated_at(self, harness: Harness) -> None:
        """Editing an old note does not move it ahead of newer notes."""
        ada = customer(harness)
        old = harness.core.notes.add(ada.id, author_id=harness.author_id, text="old")
        harness.clock.advance(5)
        new = harness.core.notes.add(ada.id, author_id=harness.author_id, text="new")
        harness.clock.advance(5)
        harness.core.notes.edit(old.id, "old, edited")
        assert [n.id for n in harness.core.notes.list(ada.id)] == [new.id, old.id]

    def test_list_shows_only_the_customers_notes(self, harness: Harness) -> None:
        """A customer's list holds none of another customer's notes."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        harness.core.notes.add(bob.id, author_id=harness.author_id, text="about bob")
        assert harness.core.notes.list(ada.id) == []

    def test_edit_replaces_the_text(self, harness: Harness) -> None:
        """``edit`` trims and stores the new text, stamps updated_at and keeps created_at."""
        ada = customer(harness)
        note = harness.core.notes.add(ada.id, author_id=harness.author_id, text="first")
        later = harness.clock.advance(30)
        edited = harness.core.notes.edit(note.id, "  second  ")
        assert edited.text == "second"
        assert edited.created_at == note.created_at
        assert edited.updated_at == later.replace(microsecond=0)
        assert (edited.id, edited.author_id) == (note.id, note.author_id)
        assert harness.core.notes.list(ada.id) == [edited]

    def test_remove_deletes_the_note(self, harness: Harness) -> None:
        """A removed note is no longer listed and can no longer be edited."""
        ada = customer(harness)
        keep = harness.core.notes.add(ada.id, author_id=harness.author_id, text="keep")
        gone = harness.core.notes.add(ada.id, author_id=harness.author_id, text="gone")
        harness.core.notes.remove(gone.id)
        assert harness.core.notes.list(ada.id) == [keep]
        with pytest.raises(NoteNotFound):
            harness.core.notes.edit(gone.id, "again")

    def test_unknown_note_raises(self, harness: Harness) -> None:
        """Editing or removing a note id nobody has raises NoteNotFound."""
        ada = customer(harness)
        note = harness.core.notes.add(ada.id, author_id=harness.author_id, text="x")
        with pytest.raises(NoteNotFound):
            harness.core.notes.edit(note.id + 1000, "y")
        with pytest.raises(NoteNotFound):
            harness.core.notes.remove(note.id + 1000)

    def test_add_to_unknown_customer_raises(self, harness: Harness) -> None:
        """A note for a missing customer raises CustomerNotFound."""
        with pytest.raises(CustomerNotFound):
            harness.core.notes.add(424242, author_id=harness.author_id, text="x")

    @pytest.mark.parametrize("text", ["", "   ", "\n\t ", "x" * 65_536])
    def test_add_rejects_bad_text(self, harness: Harness, text: str) -> None:
        """Blank or over-long text is a ValidationError on ``text``, and nothing is stored."""
        ada = customer(harness)
        before = snapshot(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.notes.add(ada.id, author_id=harness.author_id, text=text)
        assert "text" in caught.value.errors
        assert snapshot(harness) == before

    def test_text_of_65535_characters_is_accepted(self, harness: Harness) -> None:
        """A note of exactly 65 535 characters is stored whole."""
        ada = customer(harness)
        note = harness.core.notes.add(ada.id, author_id=harness.author_id, text="é" * 65_535)
        assert harness.core.notes.list(ada.id)[0].text == "é" * 65_535 == note.text

    def test_edit_rejects_blank_text(self, harness: Harness) -> None:
        """Editing to blank text is a ValidationError on ``text`` and keeps the old text."""
        ada = customer(harness)
        note = harness.core.notes.add(ada.id, author_id=harness.author_id, text="keep me")
        with pytest.raises(ValidationError) as caught:
            harness.core.notes.edit(note.id, "  ")
        assert "text" in caught.value.errors
        assert harness.core.notes.list(ada.id) == [note]

    def test_unknown_author_is_a_validation_error(self, harness: Harness) -> None:
        """Where the storage knows the host's users, an unknown author fails on ``author_id``."""
        if harness.unknown_author_id is None:
            pytest.skip("this storage does not know the host's users")
        ada = customer(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.notes.add(ada.id, author_id=harness.unknown_author_id, text="x")
        assert "author_id" in caught.value.errors
        assert harness.core.notes.list(ada.id) == []
