"""The timeline's per-call cost on PostgreSQL, measured to survive a loaded machine.

    PYTHONPATH=src:. python -m benchmarks.timeline_percall [BLOCKS] [CALLS]

``register``, ``update`` and ``block`` + ``unblock`` with and without the timeline
("without" as in :mod:`benchmarks.timeline_versus`), in BLOCKS alternating blocks of
CALLS calls per mode (default 15 and 100). Prints per operation the ratio with/without
of the fastest blocks, of the medians, and the quartiles of the block-by-block ratios:
other processes' bursts hit single blocks, which the fastest and the medians leave out.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from itertools import count
from typing import Any

from benchmarks import timeline_versus as versus
from customer_core import CustomerCore


def main(blocks: int = 15, calls: int = 100) -> None:
    core: CustomerCore[Any] = CustomerCore.from_url(
        versus.database("postgres"), password_hasher=versus.HASHER
    )
    core.create_schema()
    numbers = count()
    ids = [
        core.customers.register(name="W", email=f"w{i}@x.org", password="pw-12345").id
        for i in range(calls)
    ]

    def register() -> None:
        for n in (next(numbers) for _ in range(calls)):
            core.customers.register(name=f"C{n}", email=f"r{n}@x.org", password="pw-12345")

    def update() -> None:
        name = f"N{next(numbers)}"
        for i in ids:
            core.customers.update(i, name=name)

    def block() -> None:
        for i in ids:
            core.customers.block(i)
        for i in ids:
            core.customers.unblock(i)

    operations: list[tuple[str, Callable[[], None], int]] = [
        ("register", register, calls),
        ("update", update, calls),
        ("block+unblock", block, 2 * calls),
    ]
    for name, call, per_block in operations:
        report(name, alternate(call, per_block, blocks))


def alternate(call: Callable[[], None], per_block: int, blocks: int) -> dict[str, list[float]]:
    """µs per call of each block, by mode."""
    seconds: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(blocks):
        for mode in ("without", "with"):
            start = time.perf_counter()
            if mode == "without":
                with versus.without_events():
                    call()
            else:
                call()
            seconds[mode].append((time.perf_counter() - start) / per_block * 1e6)
    return seconds


def report(name: str, seconds: dict[str, list[float]]) -> None:
    with_, without = seconds["with"], seconds["without"]
    fastest = min(with_) / min(without)
    median = statistics.median(with_) / statistics.median(without)
    pairs = sorted(w / o for w, o in zip(with_, without, strict=True))
    q1, q2, q3 = (pairs[len(pairs) // 4], statistics.median(pairs), pairs[3 * len(pairs) // 4])
    print(
        f"{name:<14} fastest {min(without):7.0f} → {min(with_):7.0f} µs ({fastest:.2f}×);"
        f" median {statistics.median(without):7.0f} → {statistics.median(with_):7.0f} µs"
        f" ({median:.2f}×); block ratios q1/median/q3 {q1:.2f}/{q2:.2f}/{q3:.2f}"
    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
