"""One measurement in a fresh interpreter, answered as one JSON line on stdout.

``python -m benchmarks.probe ltv URL [--traced] [--batch-size N]`` runs
``core.ltv.recalculate_all(batch_size=N)`` (default: 1000, the API's default)
on the database at URL (host orders in ``orders``) and reports:

- ``maxrss_kib``: the process's peak resident set (``ru_maxrss``), C allocations included;
- ``growth_kib``: how far that peak rose above the resident set just before the run
  (after imports, the engine and a first connection);
- ``traced_peak_kib``: with ``--traced``, the peak of Python allocations (``tracemalloc``)
  during the run; tracing costs time and memory, so it is a separate probe;
- ``seconds`` and ``count`` (customers recalculated).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from pathlib import Path

__all__ = ["main", "rss_kib"]


def rss_kib() -> int:
    """The current resident set size in KiB (``VmRSS``; 0 where /proc is missing)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _ltv(url: str, traced: bool, batch_size: int) -> dict[str, float]:
    from benchmarks.databases import FixedClock
    from customer_core import CustomerCore
    from customer_core.adapters.sqlalchemy import OrdersTable

    core = CustomerCore.from_url(url, orders=OrdersTable("orders"), clock=FixedClock())
    core.customers.find_by_email("nobody@example.invalid")  # connect, load the driver
    before = rss_kib()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    count = core.ltv.recalculate_all(batch_size=batch_size)
    seconds = time.perf_counter() - start
    answer: dict[str, float] = {"seconds": seconds, "count": count}
    if traced:
        answer["traced_peak_kib"] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    answer.update(maxrss_kib=maxrss, growth_kib=max(0, maxrss - before), rss_before_kib=before)
    return answer


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, measure, print the JSON answer."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probe")
    parser.add_argument("what", choices=["ltv"])
    parser.add_argument("url")
    parser.add_argument("--traced", action="store_true")
    parser.add_argument("--batch-size", type=int, default=1000, help="default: the API's, 1000")
    args = parser.parse_args(argv)
    print(json.dumps(_ltv(args.url, args.traced, args.batch_size)))


if __name__ == "__main__":
    main()
