"""The primary's CPU time per request, without and with one read replica (90 % reads).

    python -m benchmarks.replica_cpu                      # 4 threads, 4 000 requests a run
    python -m benchmarks.replica_cpu --requests 400       # a quick look
    python -m benchmarks.replica_cpu --no-search          # the cheapest reads only

A PostgreSQL primary and a hot standby streaming from it start like the test
suite's (``tests/servers.py``: ``pg_basebackup -R``, Unix sockets, durability
off). 2 000 customers with one order each are loaded; then the same mix of
requests runs twice, on a core without replicas and on a core with the standby
as its replica: out of 10 requests, 4 ``get``, 4 ``search`` (a name fragment,
the first page) and 1 ``find_by_email`` (reads), 1 ``update`` (a write).
``--no-search`` makes the 4 searches ``get`` too: the reads are then as cheap
as they come, the worst case for what a replica saves.

What is measured is the server's own CPU time, not the client's: the user plus
system time of the primary's postmaster and of every process it runs, read
from ``/proc/<pid>/stat`` before and after each run (live processes: their own
``utime + stime``; processes that ended meanwhile: the postmaster's
``cutime + cstime``, where the kernel adds a child's times when it is reaped).
That includes the WAL sender that feeds the standby, so replication's own cost
counts against the replica run. The standby's CPU is shown beside it.
The target: primary CPU per request with the replica ≤ 0.6 × without.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from benchmarks.data import EPOCH, PASSWORD_HASH
from benchmarks.databases import CHEAP_HASHER, FixedClock, _servers_module
from customer_core import CustomerCore
from customer_core.adapters.sqlalchemy import engine_from_url
from customer_core.testing.sql import HostTables

__all__ = ["main", "server_cpu_seconds"]

CUSTOMERS = 2_000
TARGET = 0.6
TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid_file: Path) -> float:
    """CPU seconds (user + system) of a postmaster and all its processes, ended ones included."""
    postmaster = int(pid_file.read_text().split()[0])
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended between the listing and the read
            continue
        # After the command: state, ppid, ... utime (14th field), stime, cutime, cstime.
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(value) for value in fields[11:15])
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def _load(engine: sa.Engine) -> HostTables:
    host = HostTables.define()
    host.create(engine, user_ids=[1])
    core = CustomerCore.from_engine(engine, orders=host.orders_spec, password_hasher=CHEAP_HASHER)
    core.create_schema()
    core.customers.import_many(
        {"name": f"Customer {i}", "email": f"c{i}@example.com", "password_hash": PASSWORD_HASH}
        for i in range(CUSTOMERS)
    )
    placed = EPOCH + timedelta(days=1)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(host.orders),
            [
                {"id": i, "customer_id": i, "status": "delivered", "total_amount": "10.00",
                 "created_at": placed, "updated_at": placed}
                for i in range(1, CUSTOMERS + 1)
            ],
        )  # fmt: skip
        connection.exec_driver_sql("analyze")
    return host


def _request(core: CustomerCore[object], rng: random.Random, step: int, search: bool) -> None:
    number = rng.randrange(CUSTOMERS)
    kind = step % 10
    if kind < 4 or (kind < 8 and not search):
        core.customers.get(number + 1)
    elif kind < 8:
        core.customers.search(f"customer {number // 10}", per_page=15)
    elif kind == 8:
        core.customers.find_by_email(f"c{number}@example.com")
    else:
        core.customers.update(number + 1, name=f"Customer {number}")


def _run(core: CustomerCore[object], requests: int, threads: int, search: bool) -> float:
    """Run ``requests`` requests over ``threads`` threads; the wall time in seconds."""
    per_thread = requests // threads

    def worker(index: int) -> None:
        rng = random.Random(index)
        for step in range(per_thread):
            _request(core, rng, step + index, search)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replica_cpu")
    parser.add_argument("--requests", type=int, default=4_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-search", action="store_true", help="get instead of search")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run both configurations and print the figures; exit 1 if the target is missed."""
    options = _parser().parse_args(argv)
    servers = _servers_module()
    primary, standby = servers.start_postgres_pair()
    try:
        url = primary.create_database("bench")
        replica_url = standby.url(sa.make_url(url).database)
        pool = {"pool_size": options.threads, "max_overflow": 0}
        engine = engine_from_url(url, **pool)
        host = _load(engine)
        time.sleep(1)  # let the standby replay the load
        replica = engine_from_url(replica_url, **pool)
        rows = []
        requests = options.requests // options.threads * options.threads
        for label, replicas in (("no replica", []), ("one replica", [replica])):
            core = CustomerCore.from_engine(
                engine,
                orders=host.orders_spec,
                clock=FixedClock(),
                password_hasher=CHEAP_HASHER,
                replicas=replicas,
            )
            search = not options.no_search
            _run(core, min(400, requests), options.threads, search)  # warm pools and caches
            before = server_cpu_seconds(primary.pid_file), server_cpu_seconds(standby.pid_file)
            wall = _run(core, requests, options.threads, search)
            after = server_cpu_seconds(primary.pid_file), server_cpu_seconds(standby.pid_file)
            on_primary, on_standby = after[0] - before[0], after[1] - before[1]
            rows.append((label, on_primary / requests, on_standby / requests, requests / wall))
        engine.dispose()
        replica.dispose()
    finally:
        standby.stop()
        primary.stop()
    mix = "get/find_by_email" if options.no_search else "get/search/find_by_email"
    print(f"{requests} requests, {options.threads} threads, 90 % reads ({mix}), 10 % update;")
    print("server CPU per request:")
    for label, on_primary, on_standby, rate in rows:
        print(
            f"  {label:12} primary {on_primary * 1e6:8.0f} µs   standby {on_standby * 1e6:8.0f} µs"
            f"   {rate:7.0f} requests/s"
        )
    ratio = rows[1][1] / rows[0][1] if rows[0][1] else float("nan")
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"primary CPU with one replica / without: {ratio:.2f} (target <= {TARGET}: {verdict})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
