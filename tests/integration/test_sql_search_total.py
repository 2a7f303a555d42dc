"""``search(total="estimate")`` and ``total=None`` in SQL: what each sends and counts past the cap.

Below ``ESTIMATE_CAP`` every storage counts exactly (the contract suite checks that);
here the estimate of a result larger than the cap: PostgreSQL's planner estimate
(after ANALYZE, close to the truth), a count that stops at the cap elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from host_shop import open_shop

from customer_core import CustomerCore
from customer_core.adapters.sqlalchemy._estimate import ESTIMATE_CAP

ROWS = ESTIMATE_CAP + 2_000


@pytest.fixture
def big(fresh_database_url: str) -> Iterator[tuple[CustomerCore, sa.Engine]]:
    """A core on a fresh database holding ROWS customers (ANALYZEd on PostgreSQL)."""
    with open_shop(fresh_database_url) as (core, _orders, engine, _):
        hashed = core.password_hasher.hash("not used by the test")
        core.customers.import_many(
            (
                {"name": f"C {n}", "email": f"c{n}@x.io", "password_hash": hashed}
                for n in range(ROWS)
            ),
            batch_size=2_000,
        )
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE customers")
        yield core, engine


def _statements(engine: sa.Engine) -> tuple[list[str], object]:
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "SET ")):
            sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    return sent, record


def test_estimate_past_the_cap(big: tuple[CustomerCore, sa.Engine]) -> None:
    """PostgreSQL: the planner's estimate, near the truth; elsewhere the cap; has_more holds."""
    core, engine = big
    page = core.customers.search(per_page=15, total="estimate")
    assert page.total is not None
    assert page.has_more
    assert len(page.items) == 15
    if engine.dialect.name == "postgresql":
        assert abs(page.total - ROWS) <= ROWS // 5
    else:
        assert page.total == ESTIMATE_CAP


def test_postgresql_estimate_reads_the_plan(big: tuple[CustomerCore, sa.Engine]) -> None:
    """On PostgreSQL the estimate is an EXPLAIN, not a count; elsewhere a count with a LIMIT."""
    core, engine = big
    sent, record = _statements(engine)
    try:
        core.customers.search("c 1", total="estimate")
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    joined = "\n".join(sent)
    if engine.dialect.name == "postgresql":
        assert "EXPLAIN (FORMAT JSON)" in joined
    else:
        assert "LIMIT" in joined.upper()
        assert "count(" in joined.lower()


def test_no_count_sends_no_count(big: tuple[CustomerCore, sa.Engine]) -> None:
    """``total=None`` is one statement that counts no matches (only each row's orders):
    the page and one row more."""
    core, engine = big
    sent, record = _statements(engine)
    try:
        page = core.customers.search("C 1", total=None, per_page=20)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert len(sent) == 1
    assert "matches" not in sent[0].lower()  # the exact search's count of all matches
    assert (page.total, page.has_more, len(page.items)) == (None, True, 20)
