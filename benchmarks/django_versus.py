"""The Django adapter against the SQLAlchemy adapter, on the contract suite's own operations.

    PYTHONPATH=src python -m benchmarks.django_versus sqlite
    PYTHONPATH=src python -m benchmarks.django_versus postgres   # starts a throwaway server

Both cores run on the same database and the same tables (emptied in between), with
the host's ``orders`` table, a cheap Argon2 hasher (the hash is not what is compared)
and the same calls: ``register`` N customers, ``get`` each, ``search`` a page of text
matches, ``recalculate`` each customer with three orders. Each operation is timed
ROUNDS times per adapter, alternating; the best round counts. Prints microseconds
per call and the Django/SQLAlchemy ratio (target: at most 1.5).
"""

from __future__ import annotations

import atexit
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import OrdersTable

N = 300
ROUNDS = 3
HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
ORDERS_DDL = (
    "create table orders (id integer primary key, customer_id bigint not null,"
    " status varchar(32) not null, total_amount decimal(15, 2) not null,"
    " created_at timestamp null)"
)


def database(backend: str) -> tuple[str, dict[str, Any]]:
    """A SQLAlchemy URL and the matching Django ``DATABASES`` entry."""
    if backend == "sqlite":
        path = Path(tempfile.mkdtemp()) / "versus.sqlite3"
        entry = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {"transaction_mode": "IMMEDIATE"},
        }
        return f"sqlite:///{path}", entry
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import sqlalchemy as sa

    from servers import start_postgres

    server = start_postgres()
    atexit.register(server.stop)  # the server and its data directory go with the run
    url = server.create_database("versus")
    parsed = sa.make_url(url)
    entry = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.database,
        "USER": parsed.username or "",
        "HOST": parsed.query.get("host", parsed.host or ""),
    }
    return url, entry


def set_up_django(entry: dict[str, Any]) -> None:
    import django
    from django.conf import settings
    from django.core.management import call_command

    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "customer_core.contrib.django",
        ],
        DATABASES={"default": entry},
        USE_TZ=True,
    )
    django.setup()
    call_command("migrate", verbosity=0)


def workload(
    core: CustomerCore[Any], empty: Callable[[], None], add_orders: Callable[[list[int]], None]
) -> dict[str, float]:
    """Seconds per call of each operation, on emptied tables."""
    empty()
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    ids = [
        core.customers.register(
            name=f"Customer {i}", email=f"c{i}@example.com", password="pw-123456"
        ).id
        for i in range(N)
    ]
    seconds["register"] = (time.perf_counter() - start) / N
    start = time.perf_counter()
    for customer_id in ids:
        core.customers.get(customer_id)
    seconds["get"] = (time.perf_counter() - start) / N
    start = time.perf_counter()
    for i in range(N):
        core.customers.search(f"customer {i % 50}", per_page=15)
    seconds["search"] = (time.perf_counter() - start) / N
    add_orders(ids)
    start = time.perf_counter()
    for customer_id in ids:
        core.ltv.recalculate(customer_id)
    seconds["recalculate"] = (time.perf_counter() - start) / N
    return seconds


def main(backend: str) -> None:
    url, entry = database(backend)
    set_up_django(entry)
    from django.db import connection

    from customer_core.contrib.django import get_core

    with connection.cursor() as cursor:
        cursor.execute(ORDERS_DDL)

    def empty() -> None:
        with connection.cursor() as cursor:
            for table in ("customer_notes", "addresses", "orders", "customers"):
                cursor.execute(f"delete from {table}")

    def add_orders(ids: list[int]) -> None:
        rows = [
            (n, customer_id, "delivered" if k else "cancelled", "10.50", "2026-01-01 00:00:00")
            for n, (customer_id, k) in enumerate(((c, k) for c in ids for k in range(3)), 1)
        ]
        with connection.cursor() as cursor:
            cursor.executemany("insert into orders values (%s, %s, %s, %s, %s)", rows)

    django_core = get_core(orders="orders", password_hasher=HASHER)
    sql_core = CustomerCore.from_url(url, orders=OrdersTable("orders"), password_hasher=HASHER)
    best: dict[str, dict[str, float]] = {"django": {}, "sqlalchemy": {}}
    for _ in range(ROUNDS):
        for name, core in (("django", django_core), ("sqlalchemy", sql_core)):
            for operation, value in workload(core, empty, add_orders).items():
                best[name][operation] = min(value, best[name].get(operation, value))
    print(f"{backend}: µs per call (best of {ROUNDS} rounds of {N})")
    print(f"{'operation':<12} {'Django':>9} {'SQLAlchemy':>11} {'ratio':>6}")
    for operation, value in best["django"].items():
        other = best["sqlalchemy"][operation]
        print(f"{operation:<12} {value * 1e6:>9.0f} {other * 1e6:>11.0f} {value / other:>6.2f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
