"""The hashing pool the asyncio front makes when the host brings none.

Its threads run at a lower CPU priority than the rest of the process (Linux: the
nice value is per thread). Argon2 is CPU-bound for tens of milliseconds per call:
at the same priority, on a machine with few cores, the scheduler lets it take a
whole time slice from the event loop's thread, and every task on the loop waits
(docs/performance.md, "The asyncio front", has the loop lag with and without this).
At a lower priority the loop runs first and hashing uses
what CPU is left: log-ins take longer under load, which is the trade the issue asks
for (the loop stays responsive while they run). A host's own executor is left as it is.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["HASH_THREAD_NICENESS", "hash_pool"]

HASH_THREAD_NICENESS = 10
"""How much nicer than the thread that starts them the hashing threads run (at most 19)."""


def hash_pool(workers: int) -> ThreadPoolExecutor:
    """A pool of ``workers`` hashing threads, each lowering its own priority as it starts."""
    return ThreadPoolExecutor(
        max_workers=workers,
        thread_name_prefix="customer_core-hash",
        initializer=_lower_priority,
    )


def _lower_priority() -> None:
    """Raise this thread's nice value (Linux only: elsewhere ``PRIO_PROCESS`` means the
    whole process, which the library must not touch)."""
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    # Raising one's own nice value needs no privilege; a sandbox refusing it costs nothing.
    with contextlib.suppress(OSError):
        niceness = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness + HASH_THREAD_NICENESS))
