"""The invariant machine's state and helpers, shared by its groups of rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from typing import ClassVar

import attrs
import pytest
from hypothesis.stateful import Bundle, RuleBasedStateMachine

from customer_core.errors import CustomerCoreError
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import snapshot
from customer_core.testing.stateful._common import (
    HarnessFactory,
    ModelAddress,
    ModelOrder,
    open_harness,
    outcome,
)

__all__ = ["ADDRESSES", "CUSTOMERS", "ORDERS", "InvariantState", "customer_states"]

# Hypothesis keys bundles by name, so every group of rules shares these.
CUSTOMERS = Bundle("customers")
ADDRESSES = Bundle("addresses")
ORDERS = Bundle("orders")


class InvariantState(RuleBasedStateMachine):
    """A harness from ``factory`` and the machine's own model of what it should hold."""

    factory: ClassVar[HarnessFactory]

    def __init__(self) -> None:
        super().__init__()
        self._stack = ExitStack()
        self.harness = open_harness(type(self).factory, self._stack)
        self.emails: dict[int, str] = {}
        self.address_model: dict[int, ModelAddress] = {}
        self.order_model: dict[int, ModelOrder] = {}
        self.next_order_id = 1
        #: Each customer's state as the last timeline check saw it (see ``changed_customers``).
        self.seen_states: dict[int, object] = {}
        #: Events a step owes beyond the changes the state shows: changes a rule undid
        #: within its step, and changes of no visible state (reset tokens, the hash).
        self.undone_events: Counter[int] = Counter()
        #: Each customer's current reset token and when it was issued (``ResetRules``).
        self.tokens: dict[int, tuple[str, datetime]] = {}
        #: Tokens used up, replaced or dropped: none redeems any more.
        self.used_tokens: list[str] = []

    def teardown(self) -> None:
        """Close what the factory opened."""
        self._stack.close()

    def tick(self) -> None:
        """Move the clock, so every call gets a time of its own."""
        self.harness.clock.advance(1)

    def expect_failure(
        self,
        error: type[CustomerCoreError] | tuple[type[CustomerCoreError], ...],
        call: Callable[[], object],
    ) -> None:
        """``call`` raises ``error`` and changes nothing."""
        before = snapshot(self.harness)
        with pytest.raises(error) as caught:
            call()
        after = snapshot(self.harness)
        assert after == before, f"a failed call ({caught.value!r}) changed the state"

    def valid_or_rejected(self, field: str, call: Callable[[], object]) -> object | None:
        """Run ``call``: it succeeds or is a ValidationError on ``field`` changing nothing."""
        before = snapshot(self.harness)
        result = outcome(call)
        if result[0] == "ok":
            value: object = result[1]
            return value
        assert result[1] == "ValidationError", result
        assert field in result[2], result
        assert snapshot(self.harness) == before
        return None

    def changed_customers(self) -> set[int]:
        """The customers whose state changed since the last call: each owes one event.

        A customer's state is its row (but ``updated_at``, which a recalculation that
        changes no value still writes), its addresses and its notes; a customer that
        appeared or disappeared changed.
        """
        current = customer_states(self.harness)
        changed = {
            customer_id
            for customer_id in current.keys() | self.seen_states.keys()
            if current.get(customer_id) != self.seen_states.get(customer_id)
        }
        self.seen_states = current
        return changed

    def drop_token(self, customer_id: int) -> None:
        """The customer's reset token is gone (e-mail changed, blocked, deleted, used)."""
        dropped = self.tokens.pop(customer_id, None)
        if dropped is not None:
            self.used_tokens.append(dropped[0])

    def snapshot_now(self) -> object:
        """Everything a call could change (customers, addresses, notes, events)."""
        return snapshot(self.harness)

    def owner_of(self, email: str) -> int | None:
        """The id of the customer the model says has ``email`` (any case), or None."""
        wanted = email.lower()
        return next((cid for cid, mail in self.emails.items() if mail == wanted), None)

    def address_alive(self, address_id: int) -> bool:
        """True while the model holds the address."""
        return address_id in self.address_model


def customer_states(harness: Harness) -> dict[int, object]:
    """Every customer's row (without ``updated_at``), addresses and notes, by id."""
    seen = snapshot(harness)
    states: dict[int, list[object]] = {
        item.customer.id: [attrs.evolve(item.customer, updated_at=None)] for item in seen.customers
    }
    for row in (*seen.addresses, *seen.notes):
        states[row.customer_id].append(row)
    return {customer_id: tuple(rows) for customer_id, rows in states.items()}
