"""The invariant machine: random calls, the domain's invariants checked after every step."""

from __future__ import annotations

from collections import Counter
from typing import cast

from hypothesis.stateful import RuleBasedStateMachine, invariant

from customer_core.testing.contract._support import snapshot
from customer_core.testing.stateful._address_order_rules import AddressAndOrderRules
from customer_core.testing.stateful._common import DEFAULT_SETTINGS, HarnessFactory, expected_totals
from customer_core.testing.stateful._customer_rules import CustomerRules
from customer_core.testing.stateful._invariant_base import ADDRESSES, CUSTOMERS, ORDERS
from customer_core.testing.stateful._reset_rules import ResetRules

__all__ = ["CustomerCoreInvariants", "make_invariant_machine"]


class CustomerCoreInvariants(CustomerRules, AddressAndOrderRules, ResetRules):
    """Random registrations, e-mail changes, addresses, orders, blocks, deletions, password
    resets, bad calls."""

    customers = CUSTOMERS
    addresses = ADDRESSES
    orders = ORDERS

    # -- invariants ----------------------------------------------------

    @invariant()
    def one_default_per_customer_and_type(self) -> None:
        book = self.harness.core.addresses
        for customer_id in self.emails:
            listed = book.list(customer_id)
            assert {a.id for a in listed} == {
                a for a, r in self.address_model.items() if r.customer_id == customer_id
            }
            for kind in ("shipping", "billing"):
                of_kind = [a for a in listed if a.type == kind]
                defaults = [a for a in of_kind if a.is_default]
                assert len(defaults) == (1 if of_kind else 0), (customer_id, kind, listed)
            defaults_first = sorted(listed, key=lambda a: (not a.is_default, a.id))
            assert [a.id for a in listed] == [a.id for a in defaults_first]

    @invariant()
    def one_event_per_change(self) -> None:
        # The outbox is drained: every event written since the last check, a deleted
        # customer's included. Each customer that changed owes exactly one; a failed
        # call (which changes nothing) and an idempotent one owe none.
        outbox = self.harness.core.timeline
        drained = outbox.claim(10_000)
        outbox.ack([event.id for event in drained])
        written = Counter(event.customer_id for event in drained)
        expected = Counter(self.changed_customers()) + self.undone_events
        self.undone_events = Counter()
        assert written == expected, drained

    @invariant()
    def emails_unique_regardless_of_case(self) -> None:
        listed = snapshot(self.harness).customers
        emails = [item.customer.email for item in listed]
        assert len({e.lower() for e in emails}) == len(emails)
        assert {item.customer.id: item.customer.email for item in listed} == self.emails

    @invariant()
    def lifetime_values_match_the_orders(self) -> None:
        for customer_id in self.emails:
            stored = self.harness.core.customers.get(customer_id)
            mine = [o for o in self.order_model.values() if o.customer_id == customer_id]
            assert (
                stored.lifetime_value,
                stored.total_orders,
                stored.last_order_at,
            ) == expected_totals(mine)
            assert stored.is_repeat is (stored.total_orders > 1)


def make_invariant_machine(factory: HarnessFactory) -> type[RuleBasedStateMachine]:
    """A machine checking the domain's invariants after every step on harnesses from ``factory``."""
    machine = cast(
        type[CustomerCoreInvariants],
        type(
            "CustomerCoreInvariants",
            (CustomerCoreInvariants,),
            {"factory": staticmethod(factory), "__module__": __name__},
        ),
    )
    machine.TestCase.settings = DEFAULT_SETTINGS
    return machine
