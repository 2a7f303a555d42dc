"""The invariant machine's rules for customers and notes, and its calls that must fail."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import multiple, rule

from customer_core.errors import CustomerNotFound, DuplicateEmail, NoteNotFound, ValidationError
from customer_core.testing import strategies
from customer_core.testing.stateful._common import PASSWORD, pooled_emails
from customer_core.testing.stateful._invariant_base import CUSTOMERS, InvariantState

__all__ = ["CustomerRules"]


class CustomerRules(InvariantState):
    """Registrations, e-mail changes, blocks, deletions, notes and bad calls."""

    # -- customers -----------------------------------------------------

    @rule(target=CUSTOMERS, email=pooled_emails(), name=strategies.names())
    def register(self, email: str, name: str) -> Any:
        self.tick()
        core = self.harness.core
        if self.owner_of(email) is not None:
            self.expect_failure(
                DuplicateEmail,
                lambda: core.customers.register(name=name, email=email, password=PASSWORD),
            )
            return multiple()
        made = core.customers.register(name=name, email=email, password=PASSWORD)
        assert made.email == email.lower()
        self.emails[made.id] = made.email
        return made.id

    @rule(
        field=st.sampled_from(["name", "email", "password", "phone", "avatar"]),
        value=strategies.hostile_text(),
    )
    def register_bad(self, field: str, value: str) -> None:
        self.tick()
        fields: dict[str, Any] = {
            "name": "Valid Name",
            "email": "fresh@example.org",
            "password": PASSWORD,
        }
        fields[field] = value
        if field == "email" and self.owner_of(value.strip()) is not None:
            return
        made = self.valid_or_rejected(field, lambda: self.harness.core.customers.register(**fields))
        if isinstance(made, dict):
            # Some hostile strings are fine values; remove the customer again.
            self.harness.core.customers.delete(made["id"])
            self.undone_events[made["id"]] += 2  # registered, then erased

    @rule(customer_id=CUSTOMERS, email=pooled_emails())
    def change_email(self, customer_id: int, email: str) -> None:
        self.tick()
        core = self.harness.core
        if customer_id not in self.emails:
            self.expect_failure(
                CustomerNotFound, lambda: core.customers.change_email(customer_id, email)
            )
            return
        owner = self.owner_of(email)
        if owner is not None and owner != customer_id:
            self.expect_failure(
                DuplicateEmail, lambda: core.customers.change_email(customer_id, email)
            )
            return
        changed = core.customers.change_email(customer_id, email)
        assert changed.email == email.lower()
        if changed.email != self.emails[customer_id]:
            self.drop_token(customer_id)  # mailed to the old address
        self.emails[customer_id] = changed.email

    @rule(customer_id=CUSTOMERS, blocked=st.booleans())
    def block_or_unblock(self, customer_id: int, blocked: bool) -> None:
        self.tick()
        registry = self.harness.core.customers
        call = registry.block if blocked else registry.unblock
        if customer_id not in self.emails:
            self.expect_failure(CustomerNotFound, lambda: call(customer_id))
            return
        assert call(customer_id).is_blocked is blocked
        if blocked:
            self.drop_token(customer_id)  # none survives a block into the unblock

    @rule(customer_id=CUSTOMERS)
    def delete(self, customer_id: int) -> None:
        self.tick()
        core = self.harness.core
        if customer_id not in self.emails:
            self.expect_failure(CustomerNotFound, lambda: core.customers.delete(customer_id))
            return
        core.customers.delete(customer_id)
        del self.emails[customer_id]
        self.drop_token(customer_id)
        for address_id in [
            a for a, row in self.address_model.items() if row.customer_id == customer_id
        ]:
            del self.address_model[address_id]

    # -- other bad calls -----------------------------------------------

    @rule(customer_id=CUSTOMERS, text=st.sampled_from(["", "  ", "\n", "x" * 65_536]))
    def add_blank_note(self, customer_id: int, text: str) -> None:
        self.tick()
        notes = self.harness.core.notes
        # Which error a blank note for a deleted customer gets is not specified.
        errors = (ValidationError, CustomerNotFound)
        self.expect_failure(
            errors, lambda: notes.add(customer_id, author_id=self.harness.author_id, text=text)
        )

    @rule(customer_id=CUSTOMERS, text=strategies.note_texts())
    def add_note(self, customer_id: int, text: str) -> None:
        self.tick()
        notes = self.harness.core.notes
        if customer_id not in self.emails:
            self.expect_failure(
                CustomerNotFound,
                lambda: notes.add(customer_id, author_id=self.harness.author_id, text=text),
            )
            return
        note = notes.add(customer_id, author_id=self.harness.author_id, text=text)
        assert notes.list(customer_id)[0] == note

    @rule(page=st.sampled_from([0, 1]), per_page=st.sampled_from([0, 101]))
    def bad_search(self, page: int, per_page: int) -> None:
        self.tick()
        core = self.harness.core
        self.expect_failure(
            ValidationError, lambda: core.customers.search(page=page, per_page=per_page)
        )

    @rule()
    def missing_note(self) -> None:
        self.tick()
        notes = self.harness.core.notes
        self.expect_failure(NoteNotFound, lambda: notes.edit(2**40, "text"))
