"""Segments against hand-written SQL: ``count(segment)`` and ``search(segment=…)`` page 1.

    PYTHONPATH=src python -m benchmarks.segments_versus sqlite [N]
    PYTHONPATH=src python -m benchmarks.segments_versus postgres [N]   # a throwaway server

N customers (default 100 000) with 2·N orders (:mod:`benchmarks.data`), their
lifetime values computed by ``recalculate_all``, and one address for every
third customer (countries DE, FR, GB in turn). The segment has four conditions::

    (C.lifetime_value >= 100) & C.last_order_at.within(days=180) & ~C.is_blocked
    & (C.country == "DE")

The hand-written SQL says the same the way one would write it by hand (a plain
``NOT is_blocked``, ``EXISTS`` on the addresses); the page query returns the same
15 rows with their orders counts plus the total, as ``search`` does. Both are
timed ROUNDS times, interleaved, on one warm connection each; the fastest run
counts (:func:`benchmarks.timing.fastest`). Prints milliseconds and the
library/hand ratio (target ≤ 1.3 at 1 000 000 customers).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from benchmarks.databases import NOW, Backend, Database
from benchmarks.timing import fastest
from customer_core.segments import C

ROUNDS = 11
TARGET = 1.3
SEGMENT = (
    (C.lifetime_value >= 100)
    & C.last_order_at.within(days=180)
    & ~C.is_blocked
    & (C.country == "DE")
)
HAND_WHERE = """
    c.lifetime_value >= :least and c.last_order_at >= :cutoff and not c.is_blocked
    and exists (select 1 from addresses a where a.customer_id = c.id and a.country = :country)
"""
HAND_COUNT = f"select count(*) from customers c where {HAND_WHERE}"
HAND_PAGE = f"""
    select c.id, c.name, c.email, c.lifetime_value, c.total_orders, c.last_order_at,
           (select count(*) from orders o where o.customer_id = c.id) as orders_count
    from customers c where {HAND_WHERE} order by c.id limit 15
"""


def _addresses(database: Database) -> None:
    """One address for every third customer: DE, FR, GB in turn (so DE is one in nine)."""
    countries = "case (id / 3) % 3 when 0 then 'DE' when 1 then 'FR' else 'GB' end"
    created = "'2023-01-01 00:00:00'"
    with database.engine.begin() as connection:
        # text(): SQLAlchemy doubles the % for psycopg's placeholders.
        connection.execute(
            sa.text(
                "insert into addresses (customer_id, type, is_default, full_name, phone,"
                " address_line1, city, state, zip_code, country, created_at, updated_at)"
                " select id, 'shipping', true, name, '+442079460958', '1 Street', 'City',"
                f" 'State', '12345', {countries}, {created}, {created}"
                " from customers where id % 3 = 0"
            )
        )
        connection.exec_driver_sql(
            "create index if not exists addresses_customer_id_index on addresses (customer_id)"
        )
    database.maintain()


def _parameters(backend: str) -> dict[str, Any]:
    cutoff = NOW - timedelta(days=180)
    return {
        "least": 100,
        "cutoff": cutoff.strftime("%Y-%m-%d %H:%M:%S")
        if backend == "sqlite"
        else cutoff.replace(tzinfo=None),
        "country": "DE",
    }


def main(backend_name: str, count: int) -> None:
    backend = Backend(backend_name)
    try:
        database = backend.build("segments", customers=count, orders=2 * count)
        core = database.core
        core.ltv.recalculate_all()
        _addresses(database)
        parameters = _parameters(backend_name)
        with database.engine.connect() as connection:
            hand_total = connection.execute(sa.text(HAND_COUNT), parameters).scalar_one()
            hand_ids = [row.id for row in connection.execute(sa.text(HAND_PAGE), parameters)]
            library = core.customers.search(segment=SEGMENT)
            assert core.customers.count(SEGMENT) == hand_total == library.total, "not the same"
            assert [i.customer.id for i in library.items] == hand_ids, "not the same page"

            def hand_count() -> object:
                return connection.execute(sa.text(HAND_COUNT), parameters).scalar_one()

            def hand_page() -> object:
                rows = connection.execute(sa.text(HAND_PAGE), parameters).all()
                return rows, connection.execute(sa.text(HAND_COUNT), parameters).scalar_one()

            best = fastest(
                {
                    "count library": lambda: core.customers.count(SEGMENT),
                    "count hand": hand_count,
                    "search library": lambda: core.customers.search(segment=SEGMENT),
                    "search hand": hand_page,
                },
                ROUNDS,
            )
        print(f"{backend_name}, N={count:,}, {hand_total:,} in the segment, best of {ROUNDS}:")
        for what in ("count", "search"):
            mine, hand = best[f"{what} library"], best[f"{what} hand"]
            ratio = mine / hand
            verdict = "ok" if ratio <= TARGET else "OVER"
            print(
                f"  {what:<7} library {mine * 1e3:9.2f} ms  hand {hand * 1e3:9.2f} ms"
                f"  ratio {ratio:.2f} (target ≤ {TARGET}) {verdict}"
            )
    finally:
        backend.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
