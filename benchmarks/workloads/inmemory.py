"""5. In memory: ``import_many``, ``get``, ``find_by_email``, ``search`` and ``recalculate_all``.

Customers arrive through ``import_many`` (a precomputed hash; nothing is
hashed), which is timed too, and orders through the ledger's ``record``. ``recalculate_all`` is
also timed at a quarter of the size, so its per-customer cost shows whether
it grows with the number of customers.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from benchmarks.data import BROAD_TEXT, SEED, import_records, order_rows, selective_text
from benchmarks.databases import CHEAP_HASHER, FixedClock
from benchmarks.results import Result, Results
from benchmarks.scale import Scale
from benchmarks.timing import timed
from customer_core import CustomerCore
from customer_core.adapters.memory import InMemoryOrderLedger

__all__ = ["run"]


def build(customers: int, orders: int) -> tuple[CustomerCore[InMemoryOrderLedger], float]:
    """An in-memory core with ``customers`` customers and ``orders`` orders; import seconds."""
    clock = FixedClock()
    core = CustomerCore.in_memory(password_hasher=CHEAP_HASHER, clock=clock)
    records = import_records(customers)
    seconds = timed(lambda: core.customers.import_many(records, batch_size=10_000))
    for row in order_rows(orders, customers):
        core.orders.record(
            order_id=row.id,
            customer_id=row.customer_id,
            total_amount=row.total_amount,
            status=row.status,
            placed_at=row.created_at,
        )
    return core, seconds


def _per_op(action: Callable[[int], object], ops: int, repeats: int) -> float:
    """Microseconds per call of ``action(i)``, the fastest of ``repeats`` rounds of ``ops``."""
    best = min(timed(lambda: [action(i) for i in range(ops)]) for _ in range(max(1, repeats)))
    return best / ops * 1e6


def run(scale: Scale, results: Results) -> None:
    """Time each operation on ``memory_customers`` customers."""
    n, ops = scale.memory_customers, scale.memory_ops
    core, import_seconds = build(n, scale.memory_orders)
    rng = random.Random(SEED)
    ids = [rng.randint(1, n) for _ in range(ops)]
    emails = [f"{c.email.upper()}" for c in (core.customers.get(i) for i in ids[:ops])]
    selective = selective_text(n)
    sizes = f"{n:,} customers, {scale.memory_orders:,} orders"
    add = results.add
    add(Result("inmemory", "memory", f"import_many of {n:,} customers", import_seconds, "s",
               note="one run, batches of 10,000, into an empty store"))  # fmt: skip

    def op(metric: str, action: Callable[[int], object], count: int) -> None:
        value = _per_op(action, count, scale.repeats)
        add(Result("inmemory", "memory", metric, value, "µs/op", note=sizes))

    op("get", lambda i: core.customers.get(ids[i]), ops)
    op("find_by_email (upper-cased)", lambda i: core.customers.find_by_email(emails[i]), ops)
    searches = max(3, ops // 1000)
    op("search broad text, page 1", lambda i: core.customers.search(BROAD_TEXT), searches)
    op("search selective text, page 1", lambda i: core.customers.search(selective), searches)
    op("search, no text, page 1", lambda i: core.customers.search(), searches)
    whole = min(timed(core.ltv.recalculate_all) for _ in range(max(1, scale.repeats)))
    add(Result("inmemory", "memory", "recalculate_all, per customer", whole / n * 1e6, "µs/op",
               note=f"{sizes}; {whole:.2f} s in all"))  # fmt: skip
    quarter = n // 4
    small, _ = build(quarter, scale.memory_orders // 4)
    part = min(timed(small.ltv.recalculate_all) for _ in range(max(1, scale.repeats)))
    add(
        Result(
            "inmemory",
            "memory",
            f"recalculate_all, per customer, at {quarter:,} customers",
            part / quarter * 1e6,
            "µs/op",
            note=f"growth per customer ×{(whole / n) / (part / quarter):.2f} for 4× the customers",
        )
    )
