"""``rfm_summary()`` against a hand-written NTILE query, and in memory (issue 13's target).

    PYTHONPATH=src:. python -m benchmarks.rfm_versus sqlite [N]
    PYTHONPATH=src:. python -m benchmarks.rfm_versus postgres [N]   # a throwaway server
    PYTHONPATH=src:. python -m benchmarks.rfm_versus memory [N]

N customers (default 100 000; the target is at 1 000 000) get deterministic
lifetime-value fields straight in SQL (an UPDATE from their ids: a tenth have no
delivered order, orders 1..12, amounts and last-order times spread with many ties),
so nothing but the scoring is measured. On SQL, ``core.analytics.rfm_summary()``
(the library's statement, through its transaction) and :data:`HAND_WRITTEN` (the
same result, hand-written SQL on a plain connection) are timed ROUNDS times each,
alternating; the best round counts; the results must be equal. Target: within 1.5x.
``rfm()`` consumed whole is timed too (streamed). In memory: ``rfm_summary()`` and
``rfm()`` of N customers.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from benchmarks.data import PASSWORD_HASH
from benchmarks.databases import NOW, Backend
from customer_core import CustomerCore
from customer_core.rfm import LABELS

ROUNDS = 5
TARGET = 1.5

#: The summary as one would write it by hand (PostgreSQL and SQLite alike).
HAND_WRITTEN = """
select label, count(*) from (
  select case
    when r = 5 and f >= 4 then 'Champions'
    when r in (3, 4) and f >= 4 then 'Loyal'
    when r >= 4 and f in (2, 3) then 'Potential loyalist'
    when r = 5 and f = 1 then 'New'
    when r = 4 and f = 1 then 'Promising'
    when r = 3 and f = 3 then 'Need attention'
    when r = 3 and f <= 2 then 'About to sleep'
    when r <= 2 and f = 5 then 'Can''t lose them'
    when r <= 2 and f in (3, 4) then 'At risk'
    else 'Hibernating'
  end as label
  from (
    select ntile(5) over (order by last_order_at, id) as r,
           ntile(5) over (order by total_orders, id) as f
    from customers
    where total_orders > 0 and last_order_at is not null
  ) as scored
) as labelled
group by label
"""


def spread_totals(database: Any) -> None:
    """Lifetime-value fields from each id, in one UPDATE (a tenth without a delivered order)."""
    if database.is_postgres:
        last = "timestamp '2024-01-01' + ((id * 7919) % 700) * interval '1 day'"
    else:
        last = "datetime('2024-01-01', '+' || ((id * 7919) % 700) || ' days')"
    statement = f"""
        update customers set
          total_orders = case when id % 10 = 0 then 0 else 1 + (id * 31) % 12 end,
          lifetime_value = case when id % 10 = 0 then 0 else ((id * 7) % 50000) / 100.0 end,
          last_order_at = case when id % 10 = 0 then null else {last} end
    """
    from sqlalchemy import text

    with database.engine.begin() as connection:
        connection.execute(text(statement))  # text(): the % stay modulo on every driver
    database.maintain()


def best(work: Callable[[], object]) -> tuple[float, object]:
    """The fastest of ROUNDS runs, and the (last) result."""
    times, result = [], None
    for _ in range(ROUNDS):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def on_sql(backend_name: str, customers: int) -> None:
    """The library's summary against HAND_WRITTEN on one SQL backend."""
    backend = Backend(backend_name)
    try:
        database = backend.build("rfm", customers=customers, orders=0)
        spread_totals(database)
        core = database.core

        def hand() -> dict[str, int]:
            with database.engine.connect() as connection:
                counts = dict(connection.exec_driver_sql(HAND_WRITTEN).all())
            return {label: counts[label] for label in LABELS if counts.get(label)}

        library_times, hand_times = [], []
        for _ in range(ROUNDS):  # alternating, so a noisy neighbour hurts both alike
            start = time.perf_counter()
            ours = core.analytics.rfm_summary()
            library_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            theirs = hand()
            hand_times.append(time.perf_counter() - start)
        assert ours == theirs, (ours, theirs)
        stream, scores = best(lambda: sum(1 for _ in core.analytics.rfm()))
        ratio = min(library_times) / min(hand_times)
        print(f"{backend_name} {customers} customers ({sum(ours.values())} scored)")
        print(f"  rfm_summary()   {min(library_times):8.3f} s")
        print(f"  hand-written    {min(hand_times):8.3f} s")
        print(f"  ratio           {ratio:8.2f}x (target <= {TARGET}x)")
        print(f"  rfm() streamed  {stream:8.3f} s ({scores} scores)")
    finally:
        backend.close()


def in_memory(customers: int) -> None:
    """rfm_summary() and rfm() of an in-memory core with the same fields."""
    core = CustomerCore.in_memory()
    records = [
        {"name": f"C {i}", "email": f"c{i}@example.com", "password_hash": PASSWORD_HASH}
        for i in range(1, customers + 1)
    ]
    core.customers.import_many(records)
    with core.storage.transaction() as tx:
        for i in range(1, customers + 1):
            scored = i % 10 != 0
            tx.customers.update(
                i,
                {
                    "total_orders": 1 + (i * 31) % 12 if scored else 0,
                    "lifetime_value": Decimal((i * 7) % 50000) / 100 if scored else Decimal(0),
                    "last_order_at": NOW - timedelta(days=(i * 7919) % 700) if scored else None,
                },
            )
    summary, result = best(core.analytics.rfm_summary)
    stream, scores = best(lambda: sum(1 for _ in core.analytics.rfm()))
    assert isinstance(result, dict)
    print(f"memory {customers} customers ({sum(result.values())} scored)")
    print(f"  rfm_summary()   {summary:8.3f} s")
    print(f"  rfm()           {stream:8.3f} s ({scores} scores)")


def main(argv: list[str]) -> None:
    """``rfm_versus BACKEND [N]``."""
    backend = argv[0] if argv else "sqlite"
    customers = int(argv[1]) if len(argv) > 1 else 100_000
    if backend == "memory":
        in_memory(customers)
    else:
        on_sql(backend, customers)


if __name__ == "__main__":
    main(sys.argv[1:])
