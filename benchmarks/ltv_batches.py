"""``recalculate_all`` at several batch sizes against one hand-written UPDATE, in one run.

    PYTHONPATH=src:. python -m benchmarks.ltv_batches sqlite --customers 100000 --orders 1000000
    PYTHONPATH=src:. python -m benchmarks.ltv_batches sqlite --clock cpu
    PYTHONPATH=src:. python -m benchmarks.ltv_batches postgres --sizes 1000,5000,10000

The LTV workload's database (``Backend.build``) and its reference (the faster of its
two hand-written UPDATEs, :mod:`benchmarks.workloads.ltv`); every contender is run
once to check it gives the same totals, then all are timed interleaved, ``--rounds``
times each (the database maintained before each call, as there). Prints, per batch
size, the ratio of its best to the reference's best, the range of its ratio to the
reference in each round, and the
``ru_maxrss`` of a fresh process running it (:mod:`benchmarks.probe`).

``--clock cpu`` (SQLite only, where the database works inside this process) times
with ``time.process_time``: on a machine shared with other work, the CPU a
contender used is steadier than the wall time it waited for.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from functools import partial

from benchmarks.databases import Backend, Database
from benchmarks.timing import probe
from benchmarks.workloads import ltv

__all__ = ["main"]


def _contenders(database: Database, sizes: Sequence[int]) -> dict[str, Callable[[], object]]:
    recalculate = database.core.ltv.recalculate_all
    contenders: dict[str, Callable[[], object]] = {
        f"batch_size={size}": partial(recalculate, batch_size=size) for size in sizes
    }
    contenders["row-value UPDATE"] = partial(ltv._one_statement, database, ltv.ROW_VALUE)
    contenders["joined UPDATE"] = partial(
        ltv._one_statement, database, ltv.JOINED[database.backend]
    )
    return contenders


def _times(
    database: Database, sizes: Sequence[int], rounds: int, clock: Callable[[], float]
) -> dict[str, list[float]]:
    contenders = _contenders(database, sizes)
    sums = set()
    for action in contenders.values():  # warm up, and check they all agree
        ltv._reset(database)
        action()
        sums.add(ltv._checksum(database))
    if len(sums) != 1:
        raise AssertionError(f"the contenders disagree: {sums}")
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, action in contenders.items():
            database.maintain()
            start = clock()
            action()
            times[name].append(clock() - start)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    """Print one Markdown row per batch size."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ltv_batches")
    parser.add_argument("backend", choices=("sqlite", "postgres"))
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args(argv)
    if args.clock == "cpu" and args.backend != "sqlite":
        parser.error("--clock cpu measures SQLite only (PostgreSQL works in its own processes)")
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    sizes = [int(size) for size in args.sizes.split(",")]
    backend = Backend(args.backend)
    try:
        database = backend.build("ltv", customers=args.customers, orders=args.orders)
        times = _times(database, sizes, args.rounds, clock)
        reference = min(min(times["row-value UPDATE"]), min(times["joined UPDATE"]))
        print(f"{args.backend}, {args.customers:,} customers, {args.orders:,} orders,")
        print(f"{args.rounds} interleaved rounds, {args.clock} time;", end=" ")
        print(f"one UPDATE: best {reference:.2f} s")
        references = zip(times["row-value UPDATE"], times["joined UPDATE"], strict=True)
        per_round = [min(pair) for pair in references]
        print("| batch_size | best s | ratio of bests | ratio in each round | peak RSS MiB |")
        print("|---|---|---|---|---|")
        for size in sizes:
            mine = times[f"batch_size={size}"]
            ratios = [t / r for t, r in zip(mine, per_round, strict=True)]
            spread = f"{min(ratios):.2f}–{max(ratios):.2f}×"
            rss = probe(["ltv", database.url, "--batch-size", str(size)])["maxrss_kib"] / 1024
            print(
                f"| {size:,} | {min(mine):.2f} | {min(mine) / reference:.2f}× | {spread}"
                f" | {rss:.0f} |"
            )
    finally:
        backend.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
