"""Accent-insensitive search against the accent-sensitive one, on the same rows.

    PYTHONPATH=src python -m benchmarks.accents postgres --customers 100000
    PYTHONPATH=src python -m benchmarks.accents sqlite --customers 100000
    PYTHONPATH=src python -m benchmarks.accents mariadb --customers 100000

Builds the benchmarks' usual database (``Backend.build``: customers and orders
from the fixed seed; MariaDB, which ``Backend`` does not serve, the same rows
through ``executemany`` on the test suite's throwaway server), then gives every
tenth customer accents in the name and in the e-mail's local part (``a e i o u``
-> ``á é î õ ü``), so a tenth of the rows are not ASCII. Cases, each timed
interleaved (median and best of ``--rounds``), each checked to return the same
page and total both ways:

- selective: one accented customer's e-mail stem; accent-sensitive with the
  stored (accented) stem, accent-insensitive with its plain ASCII form;
- broad: ``@mail3.example`` (a tenth of the customers), page 1.

On PostgreSQL every case runs first with no extra index, then after
``create_performance_indexes`` (``pg_trgm``: trigram indexes on ``lower(x)``
and on the accent-folded ``x``). Targets (issue 14): accent-insensitive
selective search ≤ 15 ms at 1 000 000 customers on PostgreSQL with the
indexes, and within 1.3× of the accent-sensitive one.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from benchmarks.databases import Backend, Database

ACCENTS = str.maketrans("aeiou", "áéîõü")
PER_PAGE = 15
TARGET_MS = 15.0
TARGET_RATIO = 1.3

Answer = tuple[int, list[int]]


def accent_every_tenth(database: Database) -> None:
    """Accents in the name and the e-mail's local part of customers 10, 20, 30, …"""
    from sqlalchemy import text

    with database.engine.begin() as connection:
        rows = connection.execute(text("select id, name, email from customers where id % 10 = 0"))
        changes = [
            {
                "id": row.id,
                "name": row.name.translate(ACCENTS),
                "email": _accented_email(row.email),
            }
            for row in rows
        ]
        connection.execute(
            text("update customers set name = :name, email = :email where id = :id"), changes
        )
    _maintain(database)


def _maintain(database: Database) -> None:
    """Fresh planner statistics (MariaDB spells it ``ANALYZE TABLE``)."""
    if database.backend != "mariadb":
        database.maintain()
        return
    with database.engine.begin() as connection:
        connection.exec_driver_sql("analyze table customers, orders")


def _accented_email(email: str) -> str:
    local, domain = email.split("@")
    return f"{local.translate(ACCENTS)}@{domain}"


def selective_stems(database: Database) -> tuple[str, str]:
    """(stored accented stem, its ASCII form) of one customer two-thirds into the ids."""
    from sqlalchemy import text

    target = max(10, database.customers * 2 // 3 // 10 * 10)
    with database.engine.connect() as connection:
        email = connection.execute(
            text("select email from customers where id = :id"), {"id": target}
        ).scalar_one()
    stored = email.split("@")[0][-8:] + "@"
    return stored, stored.translate(str.maketrans("áéîõü", "aeiou"))


def _search(database: Database, text: str, ignore_accents: bool) -> Answer:
    page = database.core.customers.search(text, per_page=PER_PAGE, ignore_accents=ignore_accents)
    return page.total, [item.customer.id for item in page.items]


def _timed(actions: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per call of each action, interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def measure(database: Database, label: str, rounds: int) -> list[str]:
    """Markdown rows: each case accent-sensitive and -insensitive, and their ratio."""
    stored, plain = selective_stems(database)
    cases = {"selective": (stored, plain), "broad": ("@mail3.example", "@mail3.example")}
    lines = []
    for case, (sensitive_text, folded_text) in cases.items():
        sensitive = _search(database, sensitive_text, False)
        insensitive = _search(database, folded_text, True)
        if case == "selective" and (sensitive != insensitive or sensitive[0] != 1):
            raise AssertionError(f"{case}: {sensitive} != {insensitive}")
        samples = _timed(
            {
                "sensitive": partial(_search, database, sensitive_text, False),
                "insensitive": partial(_search, database, folded_text, True),
            },
            rounds,
        )
        median = {name: statistics.median(values) for name, values in samples.items()}
        ratio = min(samples["insensitive"]) / min(samples["sensitive"])
        lines.append(
            f"| {database.backend} | {database.customers:,} | {label} | {case} "
            f"| {insensitive[0]:,} | {median['sensitive']:.1f} | {median['insensitive']:.1f} "
            f"| {ratio:.2f}× |"
        )
    return lines


def mariadb_database(customers: int) -> tuple[Database, Callable[[], None]]:
    """The benchmarks' rows in a new database on a throwaway MariaDB server; its stop."""
    from sqlalchemy import insert

    from benchmarks.databases import (
        CHEAP_HASHER,
        CUSTOMER_COLUMNS,
        ORDER_COLUMNS,
        FixedClock,
        _customer_values,
        _order_values,
        _servers_module,
    )
    from customer_core import CustomerCore
    from customer_core.adapters.sqlalchemy import engine_from_url
    from customer_core.testing.sql import HostTables

    server = _servers_module().start_mariadb()
    url = server.create_database("accents")
    engine = engine_from_url(url)
    host = HostTables.define()
    core = CustomerCore.from_engine(
        engine, orders=host.orders_spec, password_hasher=CHEAP_HASHER, clock=FixedClock()
    )
    core.create_schema()
    host.create(engine, user_ids=[1])
    tables = {"customers": _reflected(engine, "customers"), "orders": host.orders}
    loads = [
        ("customers", CUSTOMER_COLUMNS, _customer_values(customers, "mariadb")),
        ("orders", ORDER_COLUMNS, _order_values(customers, customers, "mariadb")),
    ]
    for name, columns, rows in loads:
        keys = [column.strip() for column in columns.split(",")]
        table = tables[name]
        batch: list[dict[str, object]] = []
        for row in rows:
            batch.append(dict(zip(keys, row, strict=True)))
            if len(batch) == 5_000:
                with engine.begin() as connection:
                    connection.execute(insert(table), batch)
                batch.clear()
        if batch:
            with engine.begin() as connection:
                connection.execute(insert(table), batch)
    database = Database("mariadb", url, engine, host, core, customers, customers)

    def stop() -> None:
        engine.dispose()
        server.stop()

    return database, stop


def _reflected(engine: Any, name: str) -> Any:
    from sqlalchemy import MetaData, Table

    return Table(name, MetaData(), autoload_with=engine)


def run(backend_name: str, customers: int, rounds: int) -> list[str]:
    """Build, accent, measure (PostgreSQL: without and with the performance indexes)."""
    if backend_name == "mariadb":
        database, stop = mariadb_database(customers)
        try:
            accent_every_tenth(database)
            return measure(database, "no extra index", rounds)
        finally:
            stop()
    backend = Backend(backend_name)
    try:
        database = backend.build("accents", customers=customers, orders=customers)
        accent_every_tenth(database)
        lines = measure(database, "no extra index", rounds)
        if database.is_postgres:
            from customer_core.adapters.sqlalchemy import create_performance_indexes

            with database.engine.begin() as connection:
                connection.exec_driver_sql("create extension if not exists pg_trgm")
            create_performance_indexes(database.engine)
            database.maintain()
            lines += measure(database, "performance indexes", rounds * 3)
        return lines
    finally:
        backend.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures as a Markdown table (times are medians in ms; ratio of the bests)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.accents")
    parser.add_argument("backend", choices=("postgres", "sqlite", "mariadb"))
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print("| backend | customers | indexes | case | matches | sensitive ms | ignore_accents ms "
          "| ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for line in run(args.backend, args.customers, args.rounds):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
