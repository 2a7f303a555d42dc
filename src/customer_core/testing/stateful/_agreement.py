"""The agreement machine: the same random calls on two harnesses give the same answers."""

from __future__ import annotations

import string
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, cast

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from customer_core.errors import CustomerNotFound
from customer_core.events import OrderPlaced, OrderStatusChanged
from customer_core.testing import strategies
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import ADDRESS, snapshot
from customer_core.testing.stateful._common import (
    DEFAULT_SETTINGS,
    PASSWORD,
    SORTS,
    STATUSES,
    HarnessFactory,
    Outcome,
    open_harness,
    outcome,
    plain,
    pooled_emails,
)
from customer_core.testing.stateful._reset_rules import NEW_PASSWORD
from customer_core.timeline import CustomerEvent

__all__ = ["CustomerCoreAgreement", "make_agreement_machine"]

# Names in one case style only, so every collation sorts them alike.
_AGREEMENT_NAMES = st.lists(
    st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6).map(str.capitalize),
    min_size=1,
    max_size=2,
).map(" ".join)
_SEARCH_TEXT = st.none() | st.text(alphabet="adbeo%_\\'@. ", max_size=4)


class CustomerCoreAgreement(RuleBasedStateMachine):
    """The same random calls on a reference and a candidate harness give the same results."""

    customers = Bundle("customers")
    addresses = Bundle("addresses")
    notes = Bundle("notes")
    orders = Bundle("orders")
    reference_factory: ClassVar[HarnessFactory]
    candidate_factory: ClassVar[HarnessFactory]

    def __init__(self) -> None:
        super().__init__()
        self._stack = ExitStack()
        self.reference = open_harness(type(self).reference_factory, self._stack)
        self.candidate = open_harness(type(self).candidate_factory, self._stack)
        assert self.reference.clock.now() == self.candidate.clock.now(), (
            "both harnesses' clocks must start at the same moment"
        )
        self.order_customers: dict[int, int] = {}
        #: The last reset token each harness issued, by lower-cased e-mail.
        self.reset_tokens: dict[str, tuple[str, str]] = {}

    def teardown(self) -> None:
        self._stack.close()

    def both(self, call: Callable[[Harness], object]) -> Outcome:
        """Run ``call`` on both harnesses (clocks moved alike) and require equal outcomes."""
        self.reference.clock.advance(1)
        self.candidate.clock.advance(1)
        expected = outcome(lambda: call(self.reference))
        actual = outcome(lambda: call(self.candidate))
        assert actual == expected, f"candidate {actual!r} != reference {expected!r}"
        return expected

    def created_id(self, outcome: Outcome) -> Any:
        if outcome[0] == "ok" and isinstance(outcome[1], dict):
            return outcome[1]["id"]
        return multiple()

    # -- customers -----------------------------------------------------

    @rule(
        target=customers,
        name=_AGREEMENT_NAMES,
        email=pooled_emails(),
        phone=st.none() | strategies.phones_e164(),
    )
    def register(self, name: str, email: str, phone: str | None) -> Any:
        return self.created_id(
            self.both(
                lambda h: h.core.customers.register(
                    name=name, email=email, password=PASSWORD, phone=phone
                )
            )
        )

    @rule(customer_id=customers)
    def get(self, customer_id: int) -> None:
        self.both(lambda h: h.core.customers.get(customer_id))

    @rule(email=pooled_emails())
    def find_by_email(self, email: str) -> None:
        self.both(lambda h: h.core.customers.find_by_email(email))

    @rule(customer_id=customers, name=_AGREEMENT_NAMES | st.just(" "), clear=st.booleans())
    def update(self, customer_id: int, name: str, clear: bool) -> None:
        if clear:
            self.both(lambda h: h.core.customers.update(customer_id, phone=None))
        else:
            self.both(lambda h: h.core.customers.update(customer_id, name=name))

    @rule(customer_id=customers, email=pooled_emails())
    def change_email(self, customer_id: int, email: str) -> None:
        self.both(lambda h: h.core.customers.change_email(customer_id, email))

    @rule(
        email=pooled_emails(),
        password=st.sampled_from([PASSWORD, NEW_PASSWORD, "wrong password"]),
    )
    def authenticate(self, email: str, password: str) -> None:
        self.both(lambda h: h.core.customers.authenticate(email, password))

    @rule(email=pooled_emails(), then=st.sampled_from([None, "own", "none"]))
    def request_password_reset(self, email: str, then: str | None) -> None:
        """Both get a token or neither; each harness keeps its own (they are random)."""
        issued: dict[int, str | None] = {}

        def call(harness: Harness) -> bool:
            issued[id(harness)] = harness.core.customers.request_password_reset(email)
            return issued[id(harness)] is not None

        if self.both(call) == ("ok", True):
            pair = (issued[id(self.reference)], issued[id(self.candidate)])
            self.reset_tokens[email.lower()] = cast(tuple[str, str], pair)
        if then is not None:
            self.reset_password(email, then)

    @rule(email=pooled_emails(), which=st.sampled_from(["own", "own", "none"]))
    def reset_password(self, email: str, which: str) -> None:
        """Redeem the last token each harness issued to ``email`` (used or not), or none."""
        pair = self.reset_tokens.get(email.lower()) if which == "own" else None

        def call(harness: Harness) -> object:
            token = "no-such-token" if pair is None else pair[harness is self.candidate]
            return harness.core.customers.reset_password(email, token, NEW_PASSWORD)

        self.both(call)

    @rule(seconds=st.sampled_from([61, 3601]))
    def time_passes(self, seconds: int) -> None:
        """Past the reset throttle, or past the tokens' TTL, on both clocks."""
        self.reference.clock.advance(seconds)
        self.candidate.clock.advance(seconds)

    @rule(customer_id=customers, blocked=st.booleans())
    def block_or_unblock(self, customer_id: int, blocked: bool) -> None:
        if blocked:
            self.both(lambda h: h.core.customers.block(customer_id))
        else:
            self.both(lambda h: h.core.customers.unblock(customer_id))

    @rule(customer_id=customers)
    def delete(self, customer_id: int) -> None:
        self.both(lambda h: h.core.customers.delete(customer_id))

    @rule(
        text=_SEARCH_TEXT,
        page=st.integers(0, 3),
        per_page=st.sampled_from([0, 1, 2, 15, 101]),
        blocked=st.sampled_from([None, True, False]),
        repeat=st.sampled_from([None, True, False]),
        sort=st.sampled_from(SORTS).flatmap(lambda k: st.sampled_from([k, "-" + k])),
    )
    def search(
        self,
        text: str | None,
        page: int,
        per_page: int,
        blocked: bool | None,
        repeat: bool | None,
        sort: str,
    ) -> None:
        self.both(
            lambda h: h.core.customers.search(
                text, page=page, per_page=per_page, blocked=blocked, repeat=repeat, sort=sort
            )
        )

    @rule(
        locals_=st.lists(st.sampled_from(["eve", "fay", "ada", "gus"]), max_size=3),
        batch_size=st.integers(1, 3),
    )
    def import_many(self, locals_: list[str], batch_size: int) -> None:
        hashed = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
        records = [
            {"name": local.title(), "email": f"{local}@example.com", "password_hash": hashed}
            for local in locals_
        ]
        self.both(lambda h: h.core.customers.import_many(records, batch_size=batch_size))

    # -- addresses -----------------------------------------------------

    @rule(
        target=addresses,
        customer_id=customers,
        kind=st.sampled_from(["shipping", "billing"]),
        is_default=st.booleans(),
        country=st.sampled_from(["GB", "fr", "ZZ"]),
    )
    def add_address(self, customer_id: int, kind: str, is_default: bool, country: str) -> Any:
        fields = {**ADDRESS, "type": kind, "is_default": is_default, "country": country}
        return self.created_id(self.both(lambda h: h.core.addresses.add(customer_id, **fields)))

    @rule(customer_id=customers, kind=st.sampled_from([None, "shipping", "billing"]))
    def list_addresses(self, customer_id: int, kind: str | None) -> None:
        self.both(lambda h: h.core.addresses.list(customer_id, kind))

    @rule(customer_id=customers, kind=st.sampled_from(["shipping", "billing"]))
    def default_address(self, customer_id: int, kind: str) -> None:
        self.both(lambda h: h.core.addresses.default(customer_id, kind))

    @rule(address_id=addresses)
    def set_default(self, address_id: int) -> None:
        self.both(lambda h: h.core.addresses.set_default(address_id))

    @rule(address_id=addresses, city=st.sampled_from(["York", " ", "Bath"]))
    def update_address(self, address_id: int, city: str) -> None:
        self.both(lambda h: h.core.addresses.update(address_id, city=city))

    @rule(address_id=addresses)
    def remove_address(self, address_id: int) -> None:
        self.both(lambda h: h.core.addresses.remove(address_id))

    # -- notes ---------------------------------------------------------

    @rule(target=notes, customer_id=customers, text=st.sampled_from(["hi", "  ", "a\nb"]))
    def add_note(self, customer_id: int, text: str) -> Any:
        return self.created_id(
            self.both(lambda h: h.core.notes.add(customer_id, author_id=h.author_id, text=text))
        )

    @rule(customer_id=customers)
    def list_notes(self, customer_id: int) -> None:
        self.both(lambda h: h.core.notes.list(customer_id))

    @rule(note_id=notes, text=st.sampled_from(["edited", ""]))
    def edit_note(self, note_id: int, text: str) -> None:
        self.both(lambda h: h.core.notes.edit(note_id, text))

    @rule(note_id=notes)
    def remove_note(self, note_id: int) -> None:
        self.both(lambda h: h.core.notes.remove(note_id))

    # -- orders --------------------------------------------------------

    @rule(
        target=orders,
        customer_id=customers,
        amount=strategies.order_amounts(),
        status=st.sampled_from(STATUSES),
        placed=strategies.placed_at(),
    )
    def record_order(self, customer_id: int, amount: Decimal, status: str, placed: datetime) -> Any:
        try:
            self.reference.core.customers.get(customer_id)
        except CustomerNotFound:
            return multiple()  # a host has no orders of customers that do not exist
        order_id = len(self.order_customers) + 1
        for harness in (self.reference, self.candidate):
            harness.orders.record(
                order_id=order_id,
                customer_id=customer_id,
                total_amount=amount,
                status=status,
                placed_at=placed,
            )
        self.order_customers[order_id] = customer_id
        self.both(lambda h: h.core.handle(OrderPlaced(customer_id=customer_id, order_id=order_id)))
        return order_id

    @rule(order_id=orders, status=st.sampled_from(STATUSES))
    def set_status(self, order_id: int, status: str) -> None:
        customer_id = self.order_customers[order_id]
        for harness in (self.reference, self.candidate):
            harness.orders.set_status(order_id, status)
        self.both(
            lambda h: h.core.handle(OrderStatusChanged(customer_id=customer_id, order_id=order_id))
        )

    @rule(order_ids=st.lists(orders, max_size=4))
    def handle_many(self, order_ids: list[int]) -> None:
        events = [OrderPlaced(customer_id=self.order_customers[o], order_id=o) for o in order_ids]
        self.both(lambda h: h.core.handle_many(events))

    @rule(customer_id=customers)
    def recalculate(self, customer_id: int) -> None:
        self.both(lambda h: h.core.ltv.recalculate(customer_id))

    @rule(batch_size=st.integers(1, 4))
    def recalculate_all(self, batch_size: int) -> None:
        self.both(lambda h: h.core.ltv.recalculate_all(batch_size=batch_size))

    @invariant()
    def same_state(self) -> None:
        expected = snapshot(self.reference)
        actual = snapshot(self.candidate)
        for part in ("customers", "addresses", "notes"):
            assert plain(getattr(actual, part)) == plain(getattr(expected, part)), part
        # Event ids may differ (a PostgreSQL sequence skips the ids of a rolled-back
        # insert); everything else agrees, in the same order.
        assert [_without_id(e) for e in actual.events] == [
            _without_id(e) for e in expected.events
        ], "events"


def _without_id(event: CustomerEvent) -> object:
    return plain(attrs.evolve(event, id=0))


def make_agreement_machine(
    reference: HarnessFactory, candidate: HarnessFactory
) -> type[RuleBasedStateMachine]:
    """A machine sending every call to both harnesses and requiring the same answers.

    Both factories must give empty storages whose clocks start at the same
    moment (``FrozenClock()`` does), so that ids and times agree too.
    """
    machine = cast(
        type[CustomerCoreAgreement],
        type(
            "CustomerCoreAgreement",
            (CustomerCoreAgreement,),
            {
                "reference_factory": staticmethod(reference),
                "candidate_factory": staticmethod(candidate),
                "__module__": __name__,
            },
        ),
    )
    machine.TestCase.settings = DEFAULT_SETTINGS
    return machine
