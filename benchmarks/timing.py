"""Clocks and counters: wall time with ``perf_counter``, SQL statements, peak memory.

Timings are noisy on a shared machine, so each comparison interleaves the
contenders and keeps the *fastest* of its repeats (the run least disturbed
by other processes); ratios are taken within one run only.

Peak memory is measured in a fresh subprocess per measurement
(:mod:`benchmarks.probe`), from ``resource.getrusage(...).ru_maxrss``, which
counts C allocations (drivers, SQLite's page cache) that ``tracemalloc`` does
not see.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["REPO", "StatementCounter", "fastest", "probe", "timed"]

REPO = Path(__file__).resolve().parent.parent


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` took."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def fastest(
    contenders: dict[str, Callable[[], object]],
    repeats: int,
    *,
    between: Callable[[], object] | None = None,
) -> dict[str, float]:
    """The fastest time of each contender over ``repeats`` interleaved rounds.

    ``between`` runs (untimed) before every timed call, e.g. to reset state.
    """
    best = {name: float("inf") for name in contenders}
    for _ in range(max(1, repeats)):
        for name, action in contenders.items():
            if between is not None:
                between()
            best[name] = min(best[name], timed(action))
    return best


class StatementCounter:
    """Counts the statements an engine sends (``before_cursor_execute``), an executemany as one.

    PostgreSQL's ``BEGIN``/``COMMIT`` are sent by the driver itself and are not
    counted; SQLite's ``BEGIN IMMEDIATE`` is a statement the library sends, and is.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []
        self.keep = False

    def _listener(self, *args: Any) -> None:
        self.count += 1
        if self.keep:
            self.statements.append(str(args[2]))

    @contextmanager
    def listening(self) -> Iterator[StatementCounter]:
        """Count while the block runs."""
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._listener)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._listener)

    def take(self) -> int:
        """The count so far, and start again from zero."""
        count, self.count = self.count, 0
        return count


def probe(arguments: Sequence[str]) -> dict[str, Any]:
    """Run ``python -m benchmarks.probe ARGUMENTS`` in a fresh interpreter; its JSON answer."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src"), str(REPO), *filter(None, [env.get("PYTHONPATH")])]
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.probe", *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"probe {list(arguments)} failed:\n{done.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer
