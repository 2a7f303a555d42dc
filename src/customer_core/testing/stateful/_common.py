"""What both machines share: harness factories, settings, pooled e-mails, outcomes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeAlias

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from customer_core.errors import CustomerCoreError
from customer_core.model import money
from customer_core.testing._harness import Harness

__all__ = [
    "DEFAULT_SETTINGS",
    "PASSWORD",
    "SORTS",
    "STATUSES",
    "HarnessFactory",
    "ModelAddress",
    "ModelOrder",
    "Outcome",
    "expected_totals",
    "open_harness",
    "outcome",
    "plain",
    "pooled_emails",
]

HarnessFactory: TypeAlias = Callable[[], Harness | AbstractContextManager[Harness]]
"""A callable returning a fresh, empty Harness, or a context manager yielding one."""

DEFAULT_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
"""The machines' default settings: few, short runs, so a suite stays fast."""

PASSWORD = "machine password"
STATUSES = ("pending", "delivered", "cancelled", "shipped")
SORTS = ("id", "name", "created_at", "lifetime_value", "last_order_at", "total_orders")
_LOCALS = ("ada", "bob", "cid", "dee")

Outcome: TypeAlias = tuple[Any, ...]
"""``("ok", plain result)`` or ``("error", error class name, its field errors)``."""


def open_harness(factory: HarnessFactory, stack: ExitStack) -> Harness:
    """Call ``factory`` and, if it gave a context manager, enter it on ``stack``."""
    made = factory()
    if isinstance(made, Harness):
        return made
    return stack.enter_context(made)


def _case_variants(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flags: "".join(c.upper() if f else c for c, f in zip(text, flags, strict=True))
    )


def pooled_emails() -> st.SearchStrategy[str]:
    """E-mails from a pool of four, in random case, so that collisions are frequent."""
    return st.sampled_from(_LOCALS).flatmap(lambda local: _case_variants(f"{local}@example.com"))


@attrs.define
class ModelOrder:
    """The machine's own copy of a host order."""

    customer_id: int
    amount: Decimal
    status: str
    placed_at: datetime


@attrs.define
class ModelAddress:
    """The machine's own record of an address: whose, and of which type."""

    customer_id: int
    type: str


def expected_totals(orders: Iterable[ModelOrder]) -> tuple[Decimal, int, datetime | None]:
    """Lifetime value, delivered orders and last order time, computed from the machine's copy."""
    delivered = [o for o in orders if o.status == "delivered"]
    live = [o.placed_at for o in orders if o.status != "cancelled"]
    return (
        money(sum((o.amount for o in delivered), Decimal(0))),
        len(delivered),
        max(live, default=None),
    )


def plain(value: object) -> object:
    """A result as JSON-safe values, so that two storages' answers compare field by field."""
    from customer_core import serialization

    if value is None or isinstance(value, int | str | bool):
        return value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return serialization.to_dict(value)


def outcome(call: Callable[[], object]) -> Outcome:
    """What ``call`` gave: its plain result, or the library error it raised."""
    try:
        result = call()
    except CustomerCoreError as error:
        return ("error", type(error).__name__, getattr(error, "errors", None))
    return ("ok", plain(result))
