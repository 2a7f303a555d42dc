"""The SQL the adapter sends: a bounded number of statements, and Python's case folding."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from host_shop import open_shop

from customer_core import CustomerCore, DuplicateEmail
from customer_core.testing.sql import SQLOrderRecorder


@pytest.fixture
def shop(fresh_database_url: str) -> Iterator[tuple[CustomerCore, SQLOrderRecorder, sa.Engine]]:
    """A core with the host's tables on a fresh database."""
    with open_shop(fresh_database_url) as (core, orders, engine, _):
        yield core, orders, engine


class StatementCounter:
    """Counts the statements an engine executes (not BEGIN/COMMIT, nor the
    per-transaction SET LOCAL lock_timeout: test_sql_locks counts that one)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._record)
        self._engine = engine

    def _record(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "SET ")):
            self.statements.append(statement)

    def close(self) -> None:
        sa.event.remove(self._engine, "before_cursor_execute", self._record)


def _populate(core: CustomerCore, orders: SQLOrderRecorder, count: int) -> list[int]:
    ids = []
    for i in range(count):
        customer = core.customers.register(name=f"C{i}", email=f"c{i}@x.io", password="p" * 12)
        orders.record(order_id=i + 1, customer_id=customer.id, total_amount="5", status="delivered")
        ids.append(customer.id)
    return ids


def test_search_page_is_two_statements_whatever_its_size(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """A page of 25 with orders counts is one page query plus one count: never one per row."""
    core, orders, engine = shop
    _populate(core, orders, 25)
    counter = StatementCounter(engine)
    try:
        page = core.customers.search(per_page=25, sort="-total_orders")
    finally:
        counter.close()
    assert len(page.items) == 25
    assert {item.orders_count for item in page.items} == {1}
    assert len(counter.statements) == 2, counter.statements


def test_recalculate_all_is_set_based(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """recalculate_all runs a fixed number of statements per batch, not per customer."""
    core, orders, engine = shop
    _populate(core, orders, 30)
    counter = StatementCounter(engine)
    try:
        assert core.ltv.recalculate_all(batch_size=10) == 30
    finally:
        counter.close()
    # one count, then per batch a locking select and one update, and a final empty select
    assert len(counter.statements) <= 1 + 3 * 2 + 1, counter.statements
    assert all(c.total_orders == 1 for c in (core.customers.get(i) for i in range(1, 31)))


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("ÄDA", ["Äda Ünicode"]),
        ("ünicode", ["Äda Ünicode"]),
        ("cafe", ["Cafe Plain"]),
        ("café", ["Café Accent"]),
        ("CAFÉ", ["Café Accent"]),
    ],
)
def test_search_folds_case_like_python_and_keeps_accents(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine], text: str, names: list[str]
) -> None:
    """Case folds like ``str.lower`` (SQLite too); accents are never ignored (MySQL)."""
    core, _, _ = shop
    for i, name in enumerate(["Äda Ünicode", "Cafe Plain", "Café Accent"]):
        core.customers.register(name=name, email=f"n{i}@x.io", password="p" * 12)
    assert [item.customer.name for item in core.customers.search(text).items] == names


def test_unicode_emails_compare_ignoring_case(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """A non-ASCII e-mail is found, and reserved, in any case."""
    core, _, _ = shop
    ada = core.customers.register(name="Ada", email="ÄDA@bücher.de", password="p" * 12)
    found = core.customers.find_by_email("äda@BÜCHER.de")
    assert found is not None
    assert found.id == ada.id
    with pytest.raises(DuplicateEmail):
        core.customers.register(name="Ada", email="äda@bücher.DE", password="p" * 12)
