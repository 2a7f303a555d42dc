"""RFM on SQL: one statement for the summary, one streamed statement for the scores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
import sqlalchemy as sa
from host_shop import open_shop
from test_sql_queries import StatementCounter

from customer_core import CustomerCore
from customer_core.testing.sql import SQLOrderRecorder
from servers import Server

T = TypeVar("T")


@pytest.fixture
def shop(fresh_database_url: str) -> Iterator[tuple[CustomerCore, SQLOrderRecorder, sa.Engine]]:
    """A core with the host's tables on a fresh database."""
    with open_shop(fresh_database_url) as (core, orders, engine, _):
        yield core, orders, engine


def _populate(core: CustomerCore, orders: SQLOrderRecorder, count: int) -> None:
    for i in range(count):
        customer = core.customers.register(name=f"C{i}", email=f"c{i}@x.io", password="p" * 12)
        for k in range(1 + i % 3):
            orders.record(
                order_id=10 * i + k + 1,
                customer_id=customer.id,
                total_amount=str(5 + i),
                status="delivered",
            )
    core.ltv.recalculate_all()


def _counted(engine: sa.Engine, call: Callable[[], T]) -> tuple[T, list[str]]:
    counter = StatementCounter(engine)
    try:
        return call(), counter.statements
    finally:
        counter.close()


def test_summary_and_scores_are_one_statement_each(
    shop: tuple[CustomerCore, SQLOrderRecorder, sa.Engine],
) -> None:
    """The summary is one NTILE statement grouped in SQL, whatever the number of customers;
    the scores are one statement too, never one per customer."""
    core, orders, engine = shop
    _populate(core, orders, 12)
    summary, statements = _counted(engine, core.analytics.rfm_summary)
    assert sum(summary.values()) == 12
    assert len(statements) == 1, statements
    assert "ntile" in statements[0].lower()
    assert "group by" in statements[0].lower()
    scores, statements = _counted(engine, lambda: list(core.analytics.rfm()))
    assert len(scores) == 12
    assert len(statements) == 1, statements


@pytest.mark.postgres
def test_scores_stream_through_a_server_side_cursor(postgres_server: Server) -> None:
    """On PostgreSQL ``rfm()`` reads through a server-side cursor, so memory stays bounded
    at any number of customers: the cursor is open while the first scores are consumed."""
    with open_shop(postgres_server.create_database("rfm_stream")) as (core, orders, _, _):
        _populate(core, orders, 6)
        with core.storage.transaction(read_only=True) as tx:
            scores = tx.analytics.rfm()
            first = next(scores)
            connection = tx.connection  # type: ignore[attr-defined]
            cursors = connection.exec_driver_sql("select count(*) from pg_cursors").scalar()
            rest = list(scores)
        assert first.customer_id == 1
        assert len(rest) == 5
        assert cursors == 1
