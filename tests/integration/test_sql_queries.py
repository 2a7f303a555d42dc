"""The SQL the adapter sends: a bounded number of statements, and Python's case folding."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
import sqlalchemy as sa
from host_shop import open_shop

from customer_core import CustomerCore, DuplicateEmail
from customer_core.testing.sql import SQLOrderRecorder

T = TypeVar("T")


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


def _counted(engine: sa.Engine, call: Callable[[], T]) -> tuple[T, list[str]]:
    """What ``call`` returns and the statements it sent."""
    counter = StatementCounter(engine)
    try:
        return call(), counter.statements
    finally:
        counter.close()


def test_search_page_is_one_statement_whatever_its_size(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """A page of 25 with orders counts and the total is one query: never one per row, and
    the total comes from the same snapshot as the items."""
    core, orders, engine = shop
    _populate(core, orders, 25)
    page, statements = _counted(
        engine, lambda: core.customers.search(per_page=25, sort="-total_orders")
    )
    assert len(page.items) == 25
    assert page.total == 25
    assert {item.orders_count for item in page.items} == {1}
    assert len(statements) == 1, statements


def test_search_past_the_end_still_counts(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """A page past the end counts in the same one statement (the count's row, LEFT JOINed
    to no page row): its total and the items come from one snapshot too."""
    core, orders, engine = shop
    _populate(core, orders, 3)
    page, statements = _counted(engine, lambda: core.customers.search(page=5, per_page=2))
    assert (list(page.items), page.total, page.last_page) == ([], 3, 2)
    assert len(statements) == 1, statements
    empty, statements = _counted(engine, lambda: core.customers.search("nobody"))
    assert (list(empty.items), empty.total) == ([], 0)
    assert len(statements) == 1, statements


def test_register_and_change_email_send_few_statements(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """register: at most one e-mail probe and the INSERT (plus a read-back without RETURNING);
    change_email: the lock, the probe, the DELETE of reset tokens mailed to the old address,
    the UPDATE (and a read-back); each then the INSERT of its timeline event. The
    uniqueness check is the storage's alone, so no SELECT is sent twice."""
    core, _, engine = shop
    core.customers.register(name="Warm", email="warm@x.io", password="p" * 12)  # pool warm-up
    ada, statements = _counted(
        engine, lambda: core.customers.register(name="Ada", email="ada@x.io", password="p" * 12)
    )
    assert len(statements) <= 4, statements
    assert len(statements) == len(set(statements)), statements
    moved, statements = _counted(engine, lambda: core.customers.change_email(ada.id, "ada@y.io"))
    assert moved.email == "ada@y.io"
    # 4 (lock, probe, UPDATE, event), plus the reset tokens' DELETE, plus MariaDB's read-back.
    assert len(statements) <= 6, statements
    assert len(statements) == len(set(statements)), statements
    with pytest.raises(DuplicateEmail):
        core.customers.change_email(ada.id, "WARM@x.io")
    with pytest.raises(DuplicateEmail):
        core.customers.register(name="Ada", email="Ada@Y.io", password="p" * 12)


def test_writes_use_returning_where_the_database_has_it(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """No read-back after an INSERT or UPDATE on a database with RETURNING."""
    core, _, engine = shop
    core.customers.register(name="Warm", email="warm@x.io", password="p" * 12)
    ada, inserted = _counted(
        engine, lambda: core.customers.register(name="Ada", email="ada@x.io", password="p" * 12)
    )
    # A profile update (a block also drops the customer's reset tokens: one more statement).
    renamed, updated = _counted(engine, lambda: core.customers.update(ada.id, name="Ada L"))
    assert renamed.name == "Ada L"
    if engine.dialect.name == "postgresql":
        # The write and its timeline event are one statement (a data-modifying CTE).
        assert len(inserted) == 2, inserted  # the e-mail probe, the INSERT ... RETURNING
        assert len(updated) == 2, updated  # the lock, the UPDATE ... RETURNING
        assert all(_is_write_with_event(writes[-1]) for writes in (inserted, updated))
    else:
        # Each write is followed by the INSERT of its timeline event (whose id nobody reads).
        assert all(_is_event_insert(writes[-1]) for writes in (inserted, updated))
    if engine.dialect.insert_returning:
        assert "RETURNING" in inserted[1].upper()
    if engine.dialect.update_returning:
        assert "RETURNING" in updated[1].upper()
    address, added = _counted(
        engine,
        lambda: core.addresses.add(
            ada.id,
            type="billing",
            full_name="Ada",
            phone="+442071838750",
            address_line1="1 St James's Square",
            city="London",
            state="London",
            zip_code="SW1Y 4JH",
            country="GB",
        ),
    )
    moved, changed = _counted(engine, lambda: core.addresses.update(address.id, city="Bath"))
    assert (address.is_default, moved.city) == (True, "Bath")
    if engine.dialect.insert_returning:
        assert "RETURNING" in added[-2].upper(), added  # no read-back after the INSERT
    if engine.dialect.update_returning:
        assert "RETURNING" in changed[-2].upper(), changed


def _is_event_insert(statement: str) -> bool:
    """The INSERT of a timeline event: without RETURNING, its id is not read back."""
    text = statement.upper()
    return text.startswith("INSERT INTO CUSTOMER_EVENTS") and "RETURNING" not in text


def _is_write_with_event(statement: str) -> bool:
    """A customer's INSERT or UPDATE ... RETURNING with its event's INSERT, in one statement."""
    text = " ".join(statement.upper().split())
    return text.startswith("WITH ") and "INSERT INTO CUSTOMER_EVENTS" in text


def test_register_update_and_block_send_their_event_with_the_write_on_postgresql(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """On PostgreSQL no change of ``register``, ``update``, ``block`` or ``change_email``
    sends its timeline event in a statement of its own; the events are those the
    two-statement path writes."""
    core, _, engine = shop
    if engine.dialect.name != "postgresql":
        pytest.skip("data-modifying CTEs: PostgreSQL only")
    core.customers.register(name="Warm", email="warm@x.io", password="p" * 12)
    calls: list[Callable[[], object]] = [
        lambda: core.customers.register(name="Ada", email="ada@x.io", password="p" * 12),
        lambda: core.customers.update(2, name="Ada L", phone="+442071838750"),
        lambda: core.customers.block(2),
        lambda: core.customers.unblock(2),
        lambda: core.customers.change_email(2, "ada@y.io"),
    ]
    for call in calls:
        _, statements = _counted(engine, call)
        assert not any(_is_event_insert(s) for s in statements), statements
        assert sum(_is_write_with_event(s) for s in statements) == 1, statements
    events = core.timeline.list(2).items
    assert [(e.type, e.data) for e in reversed(events)] == [
        ("registered", {"email": "ada@x.io"}),
        ("profile_updated", {"fields": ["name", "phone"]}),
        ("blocked", {}),
        ("unblocked", {}),
        ("email_changed", {"old_email": "ada@x.io", "new_email": "ada@y.io"}),
    ]
    assert all(e.customer_id == 2 and e.actor_id is None for e in events)
    acting = core.acting_as(7)
    acting.customers.update(2, name="Ada M")
    assert core.timeline.list(2).items[0].actor_id == 7


def test_only_the_credential_look_up_reads_the_password_hash(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """Every other read and every RETURNING selects the columns it returns, not ``password``."""
    core, orders, engine = shop
    (ada_id,) = _populate(core, orders, 1)
    counter = StatementCounter(engine)
    try:
        core.customers.get(ada_id)
        core.customers.find_by_email("c0@x.io")
        core.customers.update(ada_id, name="Ada")
        core.customers.search("c")
        core.ltv.recalculate(ada_id)
        core.customers.change_email(ada_id, "ada@x.io")
        core.customers.register(name="Bob", email="bob@x.io", password="p" * 12)
        reads = list(counter.statements)
        core.customers.authenticate("bob@x.io", "p" * 12)
    finally:
        counter.close()
    selected = [_selected_columns(statement) for statement in reads]
    assert not [s for s in selected if "password" in s], reads
    assert any("password" in _selected_columns(s) for s in counter.statements[len(reads) :])


def _selected_columns(statement: str) -> str:
    """The column list of a SELECT, or of an INSERT/UPDATE's RETURNING clause (lower-cased)."""
    text = " ".join(statement.lower().split())
    if " returning " in text:
        return text.split(" returning ", 1)[1]
    if text.startswith("select"):
        return text.split(" from ", 1)[0]
    return ""


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
    # One count; per batch the ids and their totals before (the timeline's), a locking
    # select, one update, the totals after and one INSERT of the events; a final empty select.
    # (The last batch finds no ids: two statements.)
    assert len(counter.statements) <= 1 + 3 * 6 + 2, counter.statements
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


def test_a_refused_duplicate_spends_no_id(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """The probe refuses a duplicate before the INSERT: InnoDB would spend an auto-increment
    id on an INSERT its unique index rejects, and ids would then differ from the other
    storages' (the agreement machine's finding on MariaDB)."""
    core, _, _ = shop
    ada = core.customers.register(name="Ada", email="ada@x.io", password="p" * 12)
    with pytest.raises(DuplicateEmail):
        core.customers.register(name="Ada", email="ADA@x.io", password="p" * 12)
    bob = core.customers.register(name="Bob", email="bob@x.io", password="p" * 12)
    assert bob.id == ada.id + 1
