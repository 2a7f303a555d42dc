"""1. Bulk lifetime value: ``recalculate_all`` against the spec's loop and one hand-written UPDATE.

- (a) the spec's per-customer algorithm: per customer, two aggregate queries
  (sum/count of delivered orders; latest non-cancelled order) and an UPDATE,
  each customer in its own transaction. It runs on the first
  ``spec_customers`` customers only; its per-customer rate is compared.
- (b) the practical limit: ONE hand-written UPDATE for every customer. Two
  spellings are timed (a correlated row-value subquery, and a join with the
  orders aggregated by ``GROUP BY``); the faster is the reference.

Peak memory is ``ru_maxrss`` of a fresh process running ``recalculate_all``
on 100 000 and on 1 000 000 customers (see :mod:`benchmarks.probe`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.databases import NOW, Database, sqlite_time
from benchmarks.results import Result, Results
from benchmarks.scale import Scale
from benchmarks.timing import fastest, probe, timed

__all__ = ["run"]

TARGET_SPEED = 1.25
TARGET_MEMORY = 1.3

DELIVERED = "status = 'delivered'"
NOT_CANCELLED = "status <> 'cancelled'"

ROW_VALUE = f"""
update customers set (lifetime_value, total_orders, last_order_at, updated_at) = (
    select coalesce(sum(total_amount) filter (where {DELIVERED}), 0),
           count(*) filter (where {DELIVERED}),
           max(created_at) filter (where {NOT_CANCELLED}),
           :now
    from orders where orders.customer_id = customers.id)
"""

AGGREGATED = f"""
    select customer_id,
           sum(total_amount) filter (where {DELIVERED}) as ltv,
           count(*) filter (where {DELIVERED}) as delivered,
           max(created_at) filter (where {NOT_CANCELLED}) as last_at
    from orders group by customer_id
"""

JOINED = {
    "postgres": f"""
update customers as c set lifetime_value = coalesce(o.ltv, 0),
    total_orders = coalesce(o.delivered, 0), last_order_at = o.last_at, updated_at = :now
from customers as c2 left join ({AGGREGATED}) as o on o.customer_id = c2.id
where c.id = c2.id
""",
    "sqlite": f"""
update customers set lifetime_value = coalesce(x.ltv, 0),
    total_orders = coalesce(x.delivered, 0), last_order_at = x.last_at, updated_at = :now
from (select c.id, o.ltv, o.delivered, o.last_at
      from customers as c left join ({AGGREGATED}) as o on o.customer_id = c.id) as x
where x.id = customers.id
""",
}

SPEC_SUM = (
    "select coalesce(sum(total_amount), 0), count(*) from orders"
    f" where customer_id = :id and {DELIVERED}"
)
SPEC_LAST = f"select max(created_at) from orders where customer_id = :id and {NOT_CANCELLED}"
SPEC_UPDATE = (
    "update customers set lifetime_value = :ltv, total_orders = :n, last_order_at = :last,"
    " updated_at = :now where id = :id"
)

CHECKSUM = (
    "select round(sum(lifetime_value), 2), sum(total_orders), count(last_order_at),"
    " max(last_order_at) from customers"
)


def _now(database: Database) -> object:
    return sqlite_time(NOW) if database.backend == "sqlite" else NOW.replace(tzinfo=None)


def _one_statement(database: Database, sql: str) -> None:
    from sqlalchemy import text

    with database.engine.begin() as connection:
        connection.execute(text(sql), {"now": _now(database)})


def _spec_loop(database: Database, customers: int) -> None:
    """The spec's algorithm: two aggregates and an UPDATE per customer, one commit each."""
    from sqlalchemy import text

    total, last_at, write = text(SPEC_SUM), text(SPEC_LAST), text(SPEC_UPDATE)
    now = _now(database)
    with database.engine.connect() as connection:
        for customer_id in range(1, customers + 1):
            with connection.begin():
                ltv, count = connection.execute(total, {"id": customer_id}).one()
                last = connection.execute(last_at, {"id": customer_id}).scalar()
                values = {"ltv": ltv, "n": count, "last": last, "now": now, "id": customer_id}
                connection.execute(write, values)


def _checksum(database: Database) -> tuple[Any, ...]:
    from sqlalchemy import text

    with database.engine.connect() as connection:
        row = connection.execute(text(CHECKSUM)).one()
    return tuple(str(value) for value in row)


def _reset(database: Database) -> None:
    from sqlalchemy import text

    with database.engine.begin() as connection:
        connection.execute(
            text("update customers set lifetime_value = 0, total_orders = 0, last_order_at = null")
        )


def run(database: Database, big: Database | None, scale: Scale, results: Results) -> None:
    """Time the three ways on ``database``; measure peak memory on it and on ``big``."""
    backend, judge = database.backend, scale.judge
    core = database.core
    contenders: dict[str, Callable[[], object]] = {
        "library": core.ltv.recalculate_all,
        "library, batches of 10,000": lambda: core.ltv.recalculate_all(batch_size=10_000),
        "row-value UPDATE": lambda: _one_statement(database, ROW_VALUE),
        "joined UPDATE": lambda: _one_statement(database, JOINED[backend]),
    }
    sums = {}
    for name, action in contenders.items():  # warm up, and check they all agree
        _reset(database)
        action()
        sums[name] = _checksum(database)
    if len(set(sums.values())) != 1:
        raise AssertionError(f"the LTV contenders disagree: {sums}")
    best = fastest(contenders, scale.repeats, between=database.maintain)
    library = best.pop("library")
    library_10k = best.pop("library, batches of 10,000")
    limit_name = min(best, key=lambda name: best[name])
    n = database.customers
    sizes = f"{n:,} customers, {database.orders:,} orders"
    add = results.add
    add(Result("ltv", backend, "recalculate_all", library, "s", note=f"{sizes}; batches of 1,000"))
    add(Result("ltv", backend, "recalculate_all(batch_size=10_000)", library_10k, "s", note=sizes))
    for name, seconds in best.items():
        add(Result("ltv", backend, f"hand-written {name}", seconds, "s", note="one statement"))
    for label, seconds in (
        ("batches of 1,000 (the default)", library),
        ("batches of 10,000", library_10k),
    ):
        ratio = seconds / best[limit_name]
        add(
            Result(
                "ltv",
                backend,
                f"library / one UPDATE (b), {label}",
                ratio,
                "x",
                target=f"≤ {TARGET_SPEED}×",
                passed=ratio <= TARGET_SPEED if judge else None,
                note=f"(b) = the {limit_name}",
            )
        )
    spec_n = min(scale.spec_customers, n)
    spec = timed(lambda: _spec_loop(database, spec_n))
    database.maintain()
    estimate = spec / spec_n * n
    add(
        Result(
            "ltv",
            backend,
            "speed-up over per-customer loop (a)",
            estimate / library,
            "x",
            note=f"(a) timed on {spec_n:,} customers ({spec:.1f} s), scaled to {n:,}",
        )
    )
    _memory(database, big, scale, results)


def _memory(database: Database, big: Database | None, scale: Scale, results: Results) -> None:
    backend = database.backend
    small = probe(["ltv", database.url])
    results.add(
        Result(
            "ltv",
            backend,
            f"peak RSS, {database.customers:,} customers",
            small["maxrss_kib"] / 1024,
            "MiB",
            note=f"of it during the run: {small['growth_kib'] / 1024:.1f} MiB;"
            f" {small['seconds']:.1f} s",
        )
    )
    if big is None:
        return
    large = probe(["ltv", big.url])
    results.add(
        Result(
            "ltv",
            backend,
            f"peak RSS, {big.customers:,} customers",
            large["maxrss_kib"] / 1024,
            "MiB",
            note=f"{big.orders:,} orders; of it during the run: "
            f"{large['growth_kib'] / 1024:.1f} MiB; {large['seconds']:.1f} s",
        )
    )
    ratio = large["maxrss_kib"] / small["maxrss_kib"]
    results.add(
        Result(
            "ltv",
            backend,
            f"peak RSS ratio {big.customers:,} / {database.customers:,} customers",
            ratio,
            "x",
            target=f"≤ {TARGET_MEMORY}×",
            passed=ratio <= TARGET_MEMORY if scale.judge else None,
            note="fresh process each (ru_maxrss)",
        )
    )
    traced = [probe(["ltv", db.url, "--traced"])["traced_peak_kib"] for db in (database, big)]
    results.add(
        Result(
            "ltv",
            backend,
            f"Python allocation peak, {database.customers:,} → {big.customers:,} customers",
            traced[1] / 1024,
            "MiB",
            note=f"tracemalloc, separate processes; {traced[0] / 1024:.2f} MiB at "
            f"{database.customers:,}",
        )
    )
