"""The demo: a short story of a shop's customers, told through the public API.

``python -m customer_core demo`` runs it on a throwaway SQLite file (the
embedded default) when SQLAlchemy is installed, and in memory otherwise.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from customer_core._core import CustomerCore
from customer_core.errors import CustomerBlocked, DuplicateEmail, ValidationError
from customer_core.events import OrderPlaced, OrderStatusChanged
from customer_core.model import Customer

__all__ = ["MEMORY", "run"]

MEMORY = "memory:"
"""The ``url`` that keeps the demo in memory."""

Say = Callable[[str], object]


def run(url: str | None = None, *, say: Say = print) -> CustomerCore:
    """Tell the story on ``url``; returns the core.

    By default the story runs on a new SQLite file in a temp dir, removed when
    the core is garbage-collected or the process exits (in memory when
    SQLAlchemy is not installed); :data:`MEMORY` keeps it in memory.
    """
    core, where, record, deliver = _open(url)
    say(f"customer_core demo, on {where}\n")
    ada, grace = _register(core, say)
    _addresses(core, ada, say)
    core.notes.add(ada.id, author_id=1, text="Asked for gift wrapping on every order.")
    say(f"Note on Ada: {core.notes.list(ada.id)[0].text!r}\n")
    _orders(core, ada, grace, record, deliver, say)
    _search(core, say)
    _block(core, grace, say)
    return core


def _open(url: str | None) -> tuple[CustomerCore, str, Callable[..., None], Callable[[int], None]]:
    """A core and two functions that play the host's part: record an order, deliver it."""
    try:
        from customer_core.testing.sql import HostTables, SQLOrderRecorder
    except ImportError:  # no SQLAlchemy: stay in memory
        url = MEMORY
    if url == MEMORY:
        embedded = CustomerCore.in_memory(default_region="GB")
        ledger = embedded.orders
        return embedded, "the in-memory adapter", ledger.record, _deliver(ledger.set_status)
    folder = None
    if url is None:
        folder = tempfile.mkdtemp(prefix="customer-core-demo-")
        url = f"sqlite:///{Path(folder) / 'shop.db'}"
    # The demo plays the host too: a Laravel-style shop with orders and admin users.
    host = HostTables.define()
    core = CustomerCore.from_url(url, orders=host.orders_spec, default_region="GB")
    core.create_schema()
    from customer_core.adapters.sqlalchemy import SQLAlchemyStorage

    assert isinstance(core.storage, SQLAlchemyStorage)
    engine = core.storage.engine
    host.create(engine, user_ids=[1])
    recorder = SQLOrderRecorder(engine, host)
    where = url
    if folder is not None:
        # Nothing to keep: a demo run must not leave a folder behind in the temp dir.
        weakref.finalize(core, shutil.rmtree, folder, ignore_errors=True)
        where += " (a throwaway file, removed at the end; --url keeps the story)"
    return core, where, recorder.record, _deliver(recorder.set_status)


def _deliver(set_status: Callable[[int, str], None]) -> Callable[[int], None]:
    return lambda order_id: set_status(order_id, "delivered")


def _register(core: CustomerCore, say: Say) -> tuple[Customer, Customer]:
    ada = core.customers.register(
        name="Ada Lovelace",
        email="Ada@Example.com",
        password="analytical engine",
        phone="020 7946 0958",
    )
    grace = core.customers.register(
        name="Grace Hopper", email="grace@example.com", password="cobol-1959!"
    )
    say(f"Registered {ada.name} <{ada.email}> (phone stored as {ada.phone})")
    say(f"Registered {grace.name} <{grace.email}>")
    try:
        core.customers.register(name="Impostor", email="ADA@example.COM", password="whatever123")
    except DuplicateEmail:
        say("A second sign-up as ADA@example.COM is refused: e-mails are unique in any case")
    try:
        core.customers.register(name=" ", email="not-an-email", password="short")
    except ValidationError as error:
        say(f"Bad input names every field: {', '.join(error.errors)}")
    logged_in = core.customers.authenticate("ada@EXAMPLE.com", "analytical engine")
    say(f"{logged_in.name} logs in with her password (stored only as an Argon2id hash)\n")
    return ada, grace


def _addresses(core: CustomerCore, ada: Customer, say: Say) -> None:
    home: dict[str, Any] = {
        "full_name": "Ada Lovelace",
        "phone": "020 7946 0958",
        "address_line1": "12 St James's Square",
        "city": "London",
        "state": "Greater London",
        "zip_code": "SW1Y 4JH",
        "country": "gb",
    }
    first = core.addresses.add(ada.id, type="shipping", **home)
    core.addresses.add(
        ada.id, type="shipping", **{**home, "address_line1": "Ockham Park", "city": "Ockham"}
    )
    say(f"Ada's first shipping address is her default: {first.address_line1}, {first.city}")
    second = core.addresses.list(ada.id, "shipping")[1]
    core.addresses.set_default(second.id)
    default = core.addresses.default(ada.id, "shipping")
    assert default is not None
    say(f"She makes {default.address_line1}, {default.city} the default; still exactly one default")


def _orders(
    core: CustomerCore,
    ada: Customer,
    grace: Customer,
    record: Callable[..., None],
    deliver: Callable[[int], None],
    say: Say,
) -> None:
    placed = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    plan = [(101, ada, "120.50"), (102, ada, "79.50"), (103, grace, "42.00"), (104, ada, "15.00")]
    for number, (order_id, customer, amount) in enumerate(plan):
        record(
            order_id=order_id,
            customer_id=customer.id,
            total_amount=Decimal(amount),
            placed_at=placed + timedelta(days=number),
        )
        core.handle(OrderPlaced(customer_id=customer.id, order_id=order_id))
    say("The shop places four orders: Ada's 101 (120.50), 102 (79.50) and 104 (15.00),")
    say("Grace's 103 (42.00); each OrderPlaced event reaches the library")
    for order_id, customer in [(101, ada), (102, ada), (103, grace)]:
        deliver(order_id)
        core.handle(
            OrderStatusChanged(customer_id=customer.id, order_id=order_id, status="delivered")
        )
    say("It delivers 101, 102 and 103; Ada's 104 is still pending, and only delivered")
    say("orders count towards a lifetime value:")
    for customer in (core.customers.get(ada.id), core.customers.get(grace.id)):
        kind = "a repeat customer" if customer.is_repeat else "not yet a repeat customer"
        say(
            f"{customer.name}: lifetime value {customer.lifetime_value}, "
            f"{_plural(customer.total_orders, 'delivered order')}, {kind}"
        )
    say("")


def _search(core: CustomerCore, say: Say) -> None:
    page = core.customers.search("EXAMPLE.com", sort="-lifetime_value")
    say(f"Search 'EXAMPLE.com' by lifetime value: {page.total} found")
    for listed in page.items:
        c = listed.customer
        say(
            f"  {c.name:<14} {c.lifetime_value:>8}  orders placed: {listed.orders_count}"
            f" ({c.total_orders} delivered)"
        )
    say("")


def _block(core: CustomerCore, grace: Customer, say: Say) -> None:
    core.customers.block(grace.id)
    try:
        core.customers.authenticate("grace@example.com", "cobol-1959!")
    except CustomerBlocked:
        say("Grace is blocked: her right password now gets CustomerBlocked")
    say(f"Blocked customers: {core.customers.search(blocked=True).total}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
