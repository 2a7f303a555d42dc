"""2. Event throughput: order events one by one through ``handle``, and in batches through
``handle_many``.

The database holds ``event_count`` orders over ``event_customers`` customers;
there is one ``OrderPlaced`` per order, in order-id order (customers come at
random). Statements are counted with a ``before_cursor_execute`` listener.
"""

from __future__ import annotations

from collections import Counter

from benchmarks.databases import Database
from benchmarks.results import Result, Results
from benchmarks.scale import Scale
from benchmarks.timing import StatementCounter, fastest
from customer_core.events import OrderPlaced

__all__ = ["run"]

TARGET_THROUGHPUT = 5.0


def _events(database: Database) -> list[OrderPlaced]:
    from sqlalchemy import text

    with database.engine.connect() as connection:
        rows = connection.execute(text("select id, customer_id from orders order by id")).all()
    return [OrderPlaced(customer_id=int(c), order_id=int(o)) for o, c in rows]


def run(database: Database, scale: Scale, results: Results) -> None:
    """Count statements per ``handle``; compare throughputs."""
    core, backend = database.core, database.backend
    events = _events(database)
    counter = StatementCounter(database.engine)
    with counter.listening():  # a storage's first call looks up the users table once
        core.handle(events[0])
        first = counter.take()
    per_event: Counter[int] = Counter()
    with counter.listening():
        for event in events:
            core.handle(event)
            per_event[counter.take()] += 1
    counts = sorted(per_event)
    shown = ", ".join(f"{k} ({v:,} events)" for k, v in sorted(per_event.items()))
    results.add(
        Result(
            "events",
            backend,
            "statements per handle",
            counts[-1],
            "stmts",
            target="constant",
            passed=len(counts) == 1,
            note=f"seen: {shown}; the storage's first call: {first}",
        )
    )

    def one_by_one() -> None:
        for event in events:
            core.handle(event)

    def batched(size: int) -> None:
        for start in range(0, len(events), size):
            core.handle_many(events[start : start + size])

    batch = scale.event_batch
    best = fastest(
        {
            "one by one": one_by_one,
            "batches": lambda: batched(batch),
            "one batch": lambda: batched(len(events)),
        },
        scale.repeats,
    )
    n = len(events)
    with counter.listening():
        batched(batch)
        many_statements = counter.take()
    customers = len({e.customer_id for e in events})
    results.add(
        Result(
            "events",
            backend,
            "handle, one by one",
            n / best["one by one"],
            "events/s",
            note=f"{n:,} events over {customers:,} customers",
        )
    )
    ratio = best["one by one"] / best["batches"]
    results.add(
        Result(
            "events",
            backend,
            f"handle_many throughput ÷ handle (batches of {batch:,})",
            ratio,
            "x",
            target=f"≥ {TARGET_THROUGHPUT:g}×",
            passed=ratio >= TARGET_THROUGHPUT if scale.judge else None,
            note=f"{n / best['batches']:,.0f} events/s; "
            f"{many_statements / (n / batch):,.0f} statements per batch",
        )
    )
    whole = best["one by one"] / best["one batch"]
    results.add(
        Result(
            "events",
            backend,
            f"handle_many throughput ÷ handle (one batch of {n:,})",
            whole,
            "x",
            note=f"{n / best['one batch']:,.0f} events/s",
        )
    )
