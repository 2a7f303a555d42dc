"""3. Search: ``customers.search(text, page=...)`` against hand-written SQL with the same result.

The hand-written reference is what a developer would write: a ``count(*)``
and a page query with each row's orders counted by a correlated subquery,
matching ``lower(name) like '%text%' or lower(email) like '%text%'``. On
SQLite that is the built-in ``lower()`` (the data is ASCII, so the result is
the same as the library's unicode ``cc_lower``). Each case is checked to
return the same page and total from both.

Cases: a broad text (a tenth of the customers) on page 1 and on a deep page,
and a selective text (one customer) on page 1. On PostgreSQL all three are
measured again after ``create_performance_indexes`` (``pg_trgm`` GIN indexes).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from benchmarks.data import BROAD_TEXT, selective_text
from benchmarks.databases import Database
from benchmarks.results import Result, Results
from benchmarks.scale import Scale

__all__ = ["run"]

TARGET_RATIO = 1.3
TARGET_SELECTIVE_MS = 15.0
PER_PAGE = 15

WHERE = "lower(c.name) like :p or lower(c.email) like :p"
COUNT = f"select count(*) from customers as c where {WHERE}"
PAGE = f"""
select c.*, (select count(*) from orders as o where o.customer_id = c.id) as orders_count
from customers as c where {WHERE} order by c.id limit :limit offset :offset
"""

Answer = tuple[int, list[tuple[int, int]]]


def _hand_written(database: Database, text: str, page: int) -> Answer:
    from sqlalchemy import text as sql

    pattern = {"p": f"%{text}%"}
    with database.engine.connect() as connection:
        total = int(connection.execute(sql(COUNT), pattern).scalar_one())
        offset = (page - 1) * PER_PAGE
        rows = connection.execute(sql(PAGE), {**pattern, "limit": PER_PAGE, "offset": offset})
        return total, [(int(row.id), int(row.orders_count)) for row in rows]


def _library(database: Database, text: str, page: int) -> Answer:
    found = database.core.customers.search(text, page=page, per_page=PER_PAGE)
    return found.total, [(item.customer.id, item.orders_count) for item in found.items]


def _samples(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each contender, interleaved, ``rounds`` calls each."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, action in contenders.items():
            start = time.perf_counter()
            action()
            samples[name].append(time.perf_counter() - start)
    return samples


def _cases(database: Database, scale: Scale) -> list[tuple[str, str, int]]:
    selective = selective_text(database.customers)
    return [
        ("broad text, page 1", BROAD_TEXT, 1),
        (f"broad text, page {scale.deep_page:,}", BROAD_TEXT, scale.deep_page),
        ("selective text, page 1", selective, 1),
    ]


def _measure(database: Database, scale: Scale, results: Results, label: str) -> None:
    backend = database.backend
    rounds = max(3, scale.repeats * 3) if label == "trigram" else max(1, scale.repeats)
    for case, text, page in _cases(database, scale):
        expected = _hand_written(database, text, page)
        got = _library(database, text, page)
        if got != expected:
            raise AssertionError(f"search {case!r}: library {got} != hand-written {expected}")
        contenders: dict[str, Callable[[], Any]] = {
            "library": partial(_library, database, text, page),
            "hand": partial(_hand_written, database, text, page),
        }
        samples = _samples(contenders, rounds)
        library_ms = statistics.median(samples["library"]) * 1000
        ratio = min(samples["library"]) / min(samples["hand"])
        note = (
            f"{label}; {expected[0]:,} matches; hand-written {min(samples['hand']) * 1000:.1f} ms"
        )
        metric = f"{case}, {label}"
        results.add(
            Result(
                "search",
                backend,
                f"{metric}: library / hand-written",
                ratio,
                "x",
                target=f"≤ {TARGET_RATIO}×",
                passed=ratio <= TARGET_RATIO if scale.judge else None,
                note=note,
            )
        )
        selective_target = label == "trigram" and case.startswith("selective")
        results.add(
            Result(
                "search",
                backend,
                f"{metric}: library latency (median)",
                library_ms,
                "ms",
                target=f"≤ {TARGET_SELECTIVE_MS:g} ms" if selective_target else "",
                passed=(library_ms <= TARGET_SELECTIVE_MS if scale.judge else None)
                if selective_target
                else None,
                note=f"{database.customers:,} customers",
            )
        )


def _trigram_indexes(database: Database) -> list[str]:
    """``create extension pg_trgm``, then the adapter's opt-in indexes; the statements run."""
    from customer_core.adapters.sqlalchemy import create_performance_indexes

    with database.engine.begin() as connection:
        connection.exec_driver_sql("create extension if not exists pg_trgm")
    statements: list[str] = create_performance_indexes(database.engine)
    database.maintain()
    return statements


def run(database: Database, scale: Scale, results: Results) -> None:
    """Every case without extra indexes; on PostgreSQL again with the trigram indexes."""
    _measure(database, scale, results, "no extra index")
    if database.is_postgres:
        statements = _trigram_indexes(database)
        if not any("trgm" in s for s in statements):
            raise AssertionError("pg_trgm is not installed: no trigram index was created")
        _measure(database, scale, results, "trigram")
