"""A mixed load: N threads of authenticate/get/search/update/register for a while, per database.

    python -m benchmarks.load                                   # 16 threads, 20 s, all three
    python -m benchmarks.load --backend sqlite --seconds 5
    python -m benchmarks.load --markdown load.md

Each database gets 2 000 customers first (``import_many``), then every thread
loops over the operations in a fixed mix (3 authenticate, 3 get, 2 search, 1
update, 1 register out of 10) until the time is up. The figures are calls per
second over all threads and the median and 99th percentile latency of each
operation; library errors (``StorageConflict`` under lock waits, for instance)
are counted per operation, any other exception stops the run.

Password hashing is the cheapest Argon2id (1 pass, 1 MiB), so the figures are
the storage's, not the hasher's: with the default Argon2id every authenticate
and register costs tens of milliseconds of CPU more.

PostgreSQL and MariaDB are throwaway servers started like the test suite's
(``tests/servers.py``: Unix socket, durability off); SQLite is a WAL file in a
temporary directory.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.databases import _servers_module  # tests/servers.py, imported by path
from customer_core import CustomerCore
from customer_core.errors import CustomerCoreError
from customer_core.passwords import Argon2Hasher

__all__ = ["MIX", "OPERATIONS", "Figures", "main", "run_load"]

CUSTOMERS = 2_000
PASSWORD = "load password"
HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
OPERATIONS = ("authenticate", "get", "search", "update", "register")
#: The order one thread cycles through: 3 authenticate, 3 get, 2 search, 1 update, 1 register.
MIX = ("authenticate", "get", "search", "authenticate", "get", "update", "search",
       "authenticate", "get", "register")  # fmt: skip


@dataclass
class Figures:
    """Latencies (seconds) and library errors per operation, and the run's wall time."""

    backend: str
    threads: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {o: [] for o in OPERATIONS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OPERATIONS, 0))
    error_kinds: Counter[str] = field(default_factory=Counter)

    def calls(self) -> int:
        """Every call made, failed ones included."""
        return sum(len(v) for v in self.latencies.values()) + sum(self.errors.values())

    def rows(self) -> list[tuple[str, ...]]:
        """One row per operation and a total: calls, calls/s, p50 and p99 in milliseconds."""
        rows: list[tuple[str, ...]] = []
        for name in OPERATIONS:
            values = sorted(self.latencies[name])
            count = len(values) + self.errors[name]
            rows.append((self.backend, name, str(count), f"{count / self.seconds:.0f}",
                         _ms(_quantile(values, 0.5)), _ms(_quantile(values, 0.99)),
                         str(self.errors[name])))  # fmt: skip
        every = sorted(itertools.chain.from_iterable(self.latencies.values()))
        total = self.calls()
        rows.append((self.backend, "**all**", str(total), f"{total / self.seconds:.0f}",
                     _ms(_quantile(every, 0.5)), _ms(_quantile(every, 0.99)),
                     str(sum(self.errors.values()))))  # fmt: skip
        return rows


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.1f}"


def _seed(core: CustomerCore[object]) -> list[int]:
    """``CUSTOMERS`` customers with the load's password; returns their ids."""
    core.create_schema()
    password_hash = core.password_hasher.hash(PASSWORD)
    rows = [
        {"name": f"Customer {i}", "email": f"c{i}@example.com", "password_hash": password_hash}
        for i in range(CUSTOMERS)
    ]
    core.customers.import_many(rows)
    return [c.customer.id for c in core.customers.search(per_page=100).items]


def _operations(
    core: CustomerCore[object], ids: list[int], thread: int
) -> dict[str, Callable[[int], object]]:
    registry = core.customers
    return {
        "authenticate": lambda n: registry.authenticate(f"c{n % CUSTOMERS}@example.com", PASSWORD),
        "get": lambda n: registry.get(ids[n % len(ids)]),
        "search": lambda n: registry.search(f"c{n % 100}", per_page=15),
        "update": lambda n: registry.update(ids[n % len(ids)], name=f"Customer {thread}-{n}"),
        "register": lambda n: registry.register(
            name="New", email=f"t{thread}-{n}@example.com", password=PASSWORD
        ),
    }


def run_load(core: CustomerCore[object], backend: str, threads: int, seconds: float) -> Figures:
    """Run the mix in ``threads`` threads for ``seconds`` on ``core``; the figures."""
    ids = _seed(core)
    figures = Figures(backend, threads)
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)
    failures: list[BaseException] = []
    deadline = [0.0]

    def worker(index: int) -> None:
        operations = _operations(core, ids, index)
        mine: dict[str, list[float]] = {o: [] for o in OPERATIONS}
        errors = dict.fromkeys(OPERATIONS, 0)
        kinds: Counter[str] = Counter()
        barrier.wait()
        try:
            for n in itertools.count(index * 7919):
                if time.monotonic() >= deadline[0]:
                    break
                name = MIX[n % len(MIX)]
                started = time.perf_counter()
                try:
                    operations[name](n)
                except CustomerCoreError as error:
                    errors[name] += 1
                    kinds[f"{name}: {type(error).__name__}"] += 1
                    continue
                mine[name].append(time.perf_counter() - started)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        with lock:
            for name in OPERATIONS:
                figures.latencies[name] += mine[name]
                figures.errors[name] += errors[name]
            figures.error_kinds.update(kinds)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    started = time.monotonic()
    deadline[0] = started + seconds
    barrier.wait()
    for thread in pool:
        thread.join()
    figures.seconds = time.monotonic() - started
    if failures:
        raise failures[0]
    return figures


def _core(backend: str, workdir: Path, servers: list[object], threads: int) -> CustomerCore[object]:
    if backend == "sqlite":
        return CustomerCore.from_url(f"sqlite:///{workdir / 'load.db'}", password_hasher=HASHER)
    module = _servers_module()
    server = module.start_postgres() if backend == "postgres" else module.start_mariadb()
    servers.append(server)
    url = server.create_database("load")
    return CustomerCore.from_url(url, password_hasher=HASHER, pool_size=threads, max_overflow=0)


HEADER = ("database", "operation", "calls", "calls/s", "p50 ms", "p99 ms", "errors")


def _markdown(rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load on each chosen backend and print a Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgres", "mariadb"))
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    options = parser.parse_args(argv)
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="cc-load-") as workdir:
        for backend in options.backend or ["sqlite", "postgres", "mariadb"]:
            servers: list[object] = []
            core = _core(backend, Path(workdir), servers, options.threads)
            try:
                figures = run_load(core, backend, options.threads, options.seconds)
            finally:
                core.storage.engine.dispose()  # type: ignore[attr-defined]
                for server in servers:
                    server.stop()  # type: ignore[attr-defined]
            rows += figures.rows()
            kinds = ", ".join(f"{k} ×{n}" for k, n in sorted(figures.error_kinds.items()))
            print(
                f"{backend}: {figures.calls()} calls in {figures.seconds:.1f} s;"
                f" library errors: {kinds or 'none'}",
                file=sys.stderr,
            )
    table = _markdown(rows)
    print(table)
    if options.markdown is not None:
        options.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
