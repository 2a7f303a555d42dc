"""The command line: pick a scale, workloads and backends; build the data; print the table.

    python -m benchmarks --scale smoke              # every workload, tiny sizes, seconds
    python -m benchmarks --scale full               # the targets' sizes (under 15 minutes)
    python -m benchmarks --only search --backend postgres
    python -m benchmarks --scale full --markdown figures.md
    python -m benchmarks --scale xl                 # 10 000 000 customers, PostgreSQL: hours
    python -m benchmarks --scale xl --keep /tmp/cc-xl --only ltv   # a run in parts: the
    python -m benchmarks --scale xl --keep /tmp/cc-xl --only search  # data is loaded once

Exit status: 0, or 1 with ``--fail-on-miss`` when a target was missed; 2 for
bad arguments.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.results import Results, machine, markdown_table, text_table
from benchmarks.scale import SCALES, Scale

if TYPE_CHECKING:
    from benchmarks.databases import Backend, Database

__all__ = ["WORKLOADS", "main"]

# The import runs before the search: it measures the big table before and after the opt-in
# indexes, which the search workload creates for its second half.
WORKLOADS = ("ltv", "events", "import", "search", "inmemory", "csv", "scroll")
SQL_WORKLOADS = ("ltv", "events", "import", "search", "scroll")
BACKENDS = ("sqlite", "postgres", "memory")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="customer_core benchmarks and targets"
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="smoke")
    parser.add_argument(
        "--only",
        action="append",
        choices=WORKLOADS,
        metavar="NAME",
        help=f"run only this workload (repeatable): {', '.join(WORKLOADS)}",
    )
    parser.add_argument(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="run only on this backend (repeatable); the in-memory workload is 'memory'",
    )
    parser.add_argument("--markdown", type=Path, help="also write the figures as Markdown here")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep PostgreSQL's data in DIR and reuse the databases an earlier run with the"
        " same DIR loaded (a long run in parts, with --only); delete DIR when done",
    )
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 if a target is missed")
    return parser


class _Databases:
    """The databases of one backend, built on first use and shared between workloads."""

    def __init__(self, backend: Backend, scale: Scale) -> None:
        self.backend = backend
        self.scale = scale
        self._built: dict[str, Database] = {}

    def get(self, label: str, customers: int, orders: int) -> Database:
        if label not in self._built:
            start = time.perf_counter()
            self._built[label] = self.backend.build(label, customers=customers, orders=orders)
            took = time.perf_counter() - start
            how = "reused the kept" if self._built[label].reused else "loaded"
            print(
                f"  ({how} {self.backend.name} '{label}': {customers:,} customers,"
                f" {orders:,} orders in {took:.1f} s)",
                flush=True,
            )
        return self._built[label]

    def big(self) -> Database:
        s = self.scale
        return self.get("big", s.big_customers, s.big_orders)


def _sql_backend(
    name: str, scale: Scale, workloads: Sequence[str], results: Results, keep: Path | None
) -> str | None:
    """Run the SQL workloads on one backend; the server's version (None for SQLite)."""
    from benchmarks.databases import Backend
    from benchmarks.workloads import events, imports, ltv, scroll, search

    backend = Backend(name, keep=keep)
    try:
        try:
            backend.start()
        except Exception as error:  # the server helper's ServerUnavailable, or a driver error
            print(f"== {name}: skipped, the server is unavailable: {error}", flush=True)
            return None
        version = backend.version()
        databases = _Databases(backend, scale)
        s = scale
        steps: dict[str, Callable[[], None]] = {
            "ltv": lambda: ltv.run(
                databases.get("ltv", s.ltv_customers, s.ltv_orders), databases.big(), s, results
            ),
            "events": lambda: events.run(
                databases.get("events", s.event_customers, s.event_count), s, results
            ),
            "search": lambda: search.run(databases.big(), s, results),
            "scroll": lambda: scroll.run(databases.big(), s, results),
            "import": lambda: imports.run(
                databases.get("import", 0, 0),
                databases.get("import_into", s.import_count, 0),
                s,
                results,
                databases.big(),
            ),
        }
        for workload in workloads:
            if workload in steps:
                print(f"== {workload} on {name}", flush=True)
                start = time.perf_counter()
                steps[workload]()
                took = time.perf_counter() - start
                print(f"== {workload} on {name}: {took:.0f} s, loads included", flush=True)
        return version
    finally:
        backend.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks and print the table; see the module doc for the status."""
    args = _parser().parse_args(argv)
    scale = SCALES[args.scale]
    workloads = [w for w in WORKLOADS if args.only is None or w in args.only]
    backends = [
        b for b in BACKENDS if (args.backend is None or b in args.backend) and b in scale.backends
    ]
    command = "python -m benchmarks " + shlex.join(sys.argv[1:] if argv is None else argv)
    print(f"customer_core benchmarks, scale {scale.name}: {command}", flush=True)
    if scale.warning:
        print(f"Note: {scale.warning}.", flush=True)
    if not backends:
        print(f"scale {scale.name} runs only on: {', '.join(scale.backends)}", file=sys.stderr)
        return 2
    results = Results()
    started = time.perf_counter()
    postgres_version = None
    for name in ("sqlite", "postgres"):
        if name in backends and any(w in SQL_WORKLOADS for w in workloads):
            version = _sql_backend(name, scale, workloads, results, args.keep)
            postgres_version = postgres_version or version
    if "sqlite" in backends and "csv" in workloads:
        from benchmarks.workloads import csv_import

        print("== csv on sqlite", flush=True)
        csv_import.run(scale, results)
    if "memory" in backends and "inmemory" in workloads:
        from benchmarks.workloads import inmemory

        print("== inmemory", flush=True)
        inmemory.run(scale, results)
    elapsed = time.perf_counter() - started
    info = machine(postgres_version)
    print()
    print(text_table(results.items))
    print()
    for key, value in info.items():
        print(f"{key}: {value}")
    print(f"wall time: {elapsed:.0f} s")
    if not scale.judge:
        print("(smoke scale: sizes too small for verdicts; no target is judged)")
    if args.markdown is not None:
        lines = [
            f"Command: `{command}` — wall time {elapsed:.0f} s.",
            "",
            *(f"- {key}: {value}" for key, value in info.items()),
            "",
            markdown_table(results.items),
            "",
        ]
        args.markdown.write_text("\n".join(lines))
    return 1 if args.fail_on_miss and results.misses else 0
