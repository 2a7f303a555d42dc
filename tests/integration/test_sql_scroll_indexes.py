"""``create_scroll_indexes``: what it creates on each database, idempotently, and that
PostgreSQL's planner seeks a deep scroll page through it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from host_shop import open_shop

from customer_core import CursorPage, CustomerCore, ValidationError
from customer_core.adapters.sqlalchemy import create_scroll_indexes

#: Plans of PostgreSQL's (the other databases get no name index): run on it alone.
POSTGRES_ONLY = pytest.mark.parametrize(
    "backend",
    [pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.sql], id="postgres")],
    indirect=True,
)


@pytest.fixture
def shop(fresh_database_url: str) -> Iterator[tuple[CustomerCore, sa.Engine]]:
    """A core with the host's tables on a fresh database."""
    with open_shop(fresh_database_url) as (core, _orders, engine, _):
        yield core, engine


def _selects_sent(
    engine: sa.Engine, action: Callable[[], CursorPage[Any]]
) -> tuple[CursorPage[Any], list[tuple[str, object]]]:
    """What ``action`` returned, and the SELECT statements (with parameters) it sent."""
    sent: list[tuple[str, object]] = []

    def record(_c: object, _cur: object, statement: str, params: object, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        return action(), sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _index_names(engine: sa.Engine) -> set[str]:
    return {index["name"] or "" for index in sa.inspect(engine).get_indexes("customers")}


def test_creates_the_indexes_the_database_can_use_twice_safely(
    shop: tuple[CustomerCore, sa.Engine],
) -> None:
    """(key, id) indexes everywhere, (lower(name), id) on PostgreSQL only; twice is harmless."""
    _core, engine = shop
    first = create_scroll_indexes(engine)
    again = create_scroll_indexes(engine)
    assert first == again
    names = _index_names(engine)
    assert {
        "customers_lifetime_value_desc_id_index",
        "customers_total_orders_desc_id_index",
    } <= names
    assert ("customers_lower_name_id_index" in names) == (engine.dialect.name == "postgresql")
    create_scroll_indexes(engine, sorts=["lifetime_value", "id", "-created_at"])
    assert "customers_lifetime_value_id_index" in _index_names(engine)


def test_bad_sorts(shop: tuple[CustomerCore, sa.Engine]) -> None:
    """Unknown sort keys (or one string) are a ValidationError on ``sorts``; nothing is created."""
    _core, engine = shop
    before = _index_names(engine)
    for bad in (["email"], "name", ["--name"], [7]):
        with pytest.raises(ValidationError) as raised:
            create_scroll_indexes(engine, sorts=bad)
        assert set(raised.value.errors) == {"sorts"}
    assert _index_names(engine) == before


@POSTGRES_ONLY
def test_postgresql_seeks_a_deep_name_page(shop: tuple[CustomerCore, sa.Engine]) -> None:
    """With the index, PostgreSQL plans the scroll's own statement for a deep page sorted by
    name as a scan of that index (from the cursor, not from the start)."""
    core, engine = shop
    hashed = core.password_hasher.hash("not used by the test")
    core.customers.import_many(
        {"name": f"Name {n:05}", "email": f"c{n}@x.io", "password_hash": hashed}
        for n in range(3_000)
    )
    create_scroll_indexes(engine, sorts=["name"])
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE customers")
    cursor = None
    for _ in range(150):
        cursor = core.customers.scroll(sort="name", limit=15, after=cursor).next
    page, sent = _selects_sent(
        engine, lambda: core.customers.scroll(sort="name", limit=15, after=cursor)
    )
    assert page.items[0].customer.name == "Name 02250"
    (statement, params), *_ = sent
    with engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN " + statement, params).all()  # type: ignore[arg-type]
    assert "customers_lower_name_id_index" in "\n".join(str(row[0]) for row in plan)


def _removed_by_filter(plan: object) -> int:
    """The rows every node of an ``EXPLAIN (ANALYZE, FORMAT JSON)`` plan read and dropped."""
    if isinstance(plan, list):
        return sum(_removed_by_filter(node) for node in plan)
    if not isinstance(plan, dict):
        return 0
    own = int(plan.get("Rows Removed by Filter", 0))
    return own + sum(_removed_by_filter(value) for value in plan.values())


@POSTGRES_ONLY
def test_postgresql_deep_page_inside_ties_reads_no_tie_before_it(
    shop: tuple[CustomerCore, sa.Engine],
) -> None:
    """3 000 customers with the same lifetime value: a page 150 pages deep into
    ``-lifetime_value`` reads the rows it shows, not the 2 250 ties before the cursor."""
    core, engine = shop
    hashed = core.password_hasher.hash("not used by the test")
    core.customers.import_many(
        {"name": f"C {n}", "email": f"c{n}@x.io", "password_hash": hashed} for n in range(3_000)
    )
    create_scroll_indexes(engine, sorts=["-lifetime_value"])
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE customers")
    cursor = None
    for _ in range(150):
        cursor = core.customers.scroll(sort="-lifetime_value", limit=15, after=cursor).next
    page, sent = _selects_sent(
        engine, lambda: core.customers.scroll(sort="-lifetime_value", limit=15, after=cursor)
    )
    assert len(page.items) == 15
    (statement, params), *_ = sent
    with engine.connect() as connection:
        explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + statement
        plan = connection.exec_driver_sql(explain, params).scalar_one()  # type: ignore[arg-type]
    assert _removed_by_filter(plan) < 100


def test_a_page_after_an_id_cursor_is_page_ones_statement_with_one_more_condition(
    shop: tuple[CustomerCore, sa.Engine],
) -> None:
    """The id sort's page after a cursor is one range: no subquery wraps it (building one
    cost as much Python on each call as the server's whole work), the same rows follow."""
    core, engine = shop
    hashed = core.password_hasher.hash("not used by the test")
    core.customers.import_many(
        {"name": f"C {n}", "email": f"c{n}@x.io", "password_hash": hashed} for n in range(40)
    )
    first, first_sent = _selects_sent(engine, lambda: core.customers.scroll(sort="id", limit=15))
    after, after_sent = _selects_sent(
        engine, lambda: core.customers.scroll(sort="id", limit=15, after=first.next)
    )
    ids = [item.customer.id for item in [*first.items, *after.items]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 30
    (page_one, _), *_ = first_sent
    (deep, _), *_ = after_sent
    assert deep.upper().count("SELECT") == page_one.upper().count("SELECT")
