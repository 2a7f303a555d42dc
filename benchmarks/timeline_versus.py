"""The timeline's cost: the same calls with and without their events, and the outbox's speed.

    PYTHONPATH=src python -m benchmarks.timeline_versus sqlite [N]
    PYTHONPATH=src python -m benchmarks.timeline_versus postgres [N]   # a throwaway server
    PYTHONPATH=src python -m benchmarks.timeline_versus postgres [N] --bare-batches

"Without" is the same code on the same database with the transactions' event log
swapped for :class:`~customer_core.port_defaults.NoEventLog` and their customer writes
for :class:`~customer_core.port_defaults.ChangeThenAppend` on it (0.1's statements: the
change and nothing else). Per call: ``register`` (a cheap Argon2 hasher: the hash is
not what is compared), ``update``, ``block``; in bulk: ``import_many`` of N customers
and ``recalculate_all`` of them with orders for half. Each is timed ROUNDS times per
mode, alternating; the best round counts. Prints the seconds and the with/without
ratio (targets: 1.15 per call, 1.25 import, 1.3 recalculate). On PostgreSQL it then
drains N events with 4 concurrent claimers (``claim(500)`` + ``ack``) and prints
events per second and whether any event reached two claimers.
"""

from __future__ import annotations

import atexit
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import OrdersTable, _storage
from customer_core.port_defaults import ChangeThenAppend, NoEventLog
from customer_core.services._lifetime_value import LifetimeValue

ROUNDS = 3
PER_CALL = 300
HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
HASH = "$2y$04$mgApMypM3qyyQMjMLA9mD.0/A43ysUUOQM.TfbCnfg.gt7UEv1pk."
CLAIMERS = 4
TARGETS = {"register": 1.15, "update": 1.15, "block": 1.15, "import_many": 1.25}
TARGETS["recalculate_all"] = 1.3


def database(backend: str) -> str:
    """A SQLAlchemy URL of an empty database."""
    if backend == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'versus.db'}"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from servers import start_postgres

    server = start_postgres()
    atexit.register(server.stop)
    url: str = server.create_database("timeline")
    return url


#: ``--bare-batches``: "without" recalculates each batch as 0.1 did, without the reads of
#: the totals before and after it that the timeline's events need.
BARE_BATCHES = "--bare-batches" in sys.argv


@contextmanager
def without_events() -> Iterator[None]:
    """Every transaction opened meanwhile keeps no timeline (the 0.1 statements)."""
    original = _storage.SQLAlchemyTransaction.__init__
    batch = LifetimeValue._next_batch

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.events = NoEventLog()
        # The customer writes alone (on PostgreSQL they would carry their event's INSERT).
        self.changes = ChangeThenAppend(self.customers, self.events)

    def bare_batch(self: LifetimeValue, after_id: int, size: int, tx: Any) -> Any:
        return tx.totals.recalculate_after(after_id, size, self._context.now())

    _storage.SQLAlchemyTransaction.__init__ = init  # type: ignore[method-assign]
    if BARE_BATCHES:
        LifetimeValue._next_batch = bare_batch  # type: ignore[method-assign]
    try:
        yield
    finally:
        _storage.SQLAlchemyTransaction.__init__ = original  # type: ignore[method-assign]
        LifetimeValue._next_batch = batch  # type: ignore[method-assign]


def empty(engine: sa.Engine) -> None:
    """Every table emptied. On PostgreSQL by TRUNCATE: a DELETE leaves the dead rows of the
    last round's N events (and their index entries) to the next round's per-call INSERTs
    until autovacuum comes, which charged them to the "with" mode only (1.2-1.8× at N=100 000)."""
    tables = ("customer_events", "customer_notes", "addresses", "orders", "customers")
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"truncate {', '.join(tables)}")
            return
        for table in tables:
            connection.exec_driver_sql(f"delete from {table}")


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def workload(core: CustomerCore[Any], engine: sa.Engine, count: int) -> dict[str, float]:
    """Seconds of each operation (per call for the first three), on emptied tables."""
    empty(engine)
    seconds: dict[str, float] = {}
    ids: list[int] = []

    def register() -> None:
        for i in range(PER_CALL):
            made = core.customers.register(name=f"C {i}", email=f"r{i}@x.org", password="pw-12345")
            ids.append(made.id)

    seconds["register"] = timed(register) / PER_CALL
    seconds["update"] = (
        timed(lambda: [core.customers.update(i, name="Renamed") for i in ids]) / PER_CALL
    )
    seconds["block"] = timed(lambda: [core.customers.block(i) for i in ids]) / PER_CALL
    records = [
        {"name": f"Customer {i}", "email": f"c{i}@example.com", "password_hash": HASH}
        for i in range(count)
    ]
    seconds["import_many"] = timed(lambda: core.customers.import_many(records))
    with engine.begin() as connection:
        first = connection.exec_driver_sql("select min(id) from customers").scalar_one()
        connection.exec_driver_sql(
            "insert into orders (customer_id, status, total_amount, created_at)"
            f" select id, 'delivered', 10.50, '2026-01-01 00:00:00' from customers"
            f" where (id - {first}) - 2 * ((id - {first}) / 2) = 0"
        )
    seconds["recalculate_all"] = timed(core.ltv.recalculate_all)
    return seconds


def outbox_throughput(core: CustomerCore[Any], engine: sa.Engine, count: int) -> None:
    """Drain ``count`` events with :data:`CLAIMERS` threads; print events/s and duplicates."""
    empty(engine)
    records = [
        {"name": f"Customer {i}", "email": f"o{i}@example.com", "password_hash": HASH}
        for i in range(count)
    ]
    core.customers.import_many(records)
    delivered: list[list[int]] = [[] for _ in range(CLAIMERS)]
    barrier = threading.Barrier(CLAIMERS)

    def drain(index: int) -> None:
        barrier.wait()
        while claimed := core.timeline.claim(500):
            delivered[index].extend(event.id for event in claimed)
            core.timeline.ack([event.id for event in claimed])

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(CLAIMERS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    counts = Counter(event_id for ids in delivered for event_id in ids)
    twice = sum(1 for n in counts.values() if n > 1)
    print(
        f"outbox: {len(counts)} of {count} events by {CLAIMERS} claimers in {seconds:.2f} s: "
        f"{len(counts) / seconds:,.0f} events/s; delivered twice: {twice}"
    )


def main(backend: str, count: int) -> None:
    url = database(backend)
    core = CustomerCore.from_url(
        url, orders=OrdersTable("orders"), password_hasher=HASHER, pool_size=CLAIMERS + 2
    )
    core.create_schema()
    engine: sa.Engine = core.storage.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        key = "integer primary key" if backend == "sqlite" else "serial primary key"
        connection.exec_driver_sql(
            f"create table orders (id {key}, customer_id bigint not null,"
            " status varchar(32) not null, total_amount decimal(15, 2) not null,"
            " created_at timestamp null)"
        )
    best: dict[str, dict[str, float]] = {"with": {}, "without": {}}
    for _ in range(ROUNDS):
        for mode in ("without", "with"):
            if mode == "without":
                with without_events():
                    figures = workload(core, engine, count)
            else:
                figures = workload(core, engine, count)
            for name, value in figures.items():
                best[mode][name] = min(best[mode].get(name, value), value)
    bare = ', "without" recalculating bare batches' if BARE_BATCHES else ""
    print(f"{backend}, N={count}, best of {ROUNDS}{bare}:")
    for name, target in TARGETS.items():
        with_, without = best["with"][name], best["without"][name]
        unit = "µs/call" if name in ("register", "update", "block") else "s"
        scale = 1e6 if unit == "µs/call" else 1
        ratio = with_ / without
        verdict = "ok" if ratio <= target else "OVER"
        print(
            f"  {name:<16} without {without * scale:10.3f} {unit:<8} with {with_ * scale:10.3f}"
            f"  ratio {ratio:.3f} (target ≤ {target}) {verdict}"
        )
    if backend == "postgres":
        outbox_throughput(core, engine, count)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
