"""What a run measured: one :class:`Result` per figure, printed as a table (text or Markdown)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Result", "Results", "machine", "markdown_table", "text_table"]


@dataclass(frozen=True)
class Result:
    """One figure: ``value`` in ``unit``; ``target`` and ``passed`` when the figure has a target."""

    workload: str
    backend: str
    metric: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        """``pass``, ``MISS`` or empty (no target)."""
        if self.passed is None:
            return ""
        return "pass" if self.passed else "MISS"

    def shown(self) -> str:
        """The value with a precision that suits its size."""
        v = self.value
        if self.unit == "x":
            return f"{v:.2f}×"
        if abs(v) >= 100:
            return f"{v:,.0f} {self.unit}"
        if abs(v) >= 10:
            return f"{v:.1f} {self.unit}"
        return f"{v:.2f} {self.unit}"


class Results:
    """The figures of one run, in the order they were measured; printed as they come."""

    def __init__(self, *, echo: bool = True) -> None:
        self.items: list[Result] = []
        self._echo = echo

    def add(self, result: Result) -> Result:
        """Record ``result`` (and print it at once, so a long run shows progress)."""
        self.items.append(result)
        if self._echo:
            verdict = f"  [{result.verdict}]" if result.verdict else ""
            where = f"{result.workload}/{result.backend}"
            print(f"  {where}: {result.metric} = {result.shown()}{verdict}", flush=True)
        return result

    @property
    def misses(self) -> list[Result]:
        """The figures that missed their target."""
        return [r for r in self.items if r.passed is False]


COLUMNS = ("workload", "backend", "metric", "measured", "target", "verdict", "note")


def _rows(results: Sequence[Result]) -> list[tuple[str, ...]]:
    return [
        (r.workload, r.backend, r.metric, r.shown(), r.target, r.verdict, r.note) for r in results
    ]


def text_table(results: Sequence[Result]) -> str:
    """A plain-text table with aligned columns."""
    rows = [COLUMNS, *_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(results: Sequence[Result]) -> str:
    """A Markdown table (pipes in cells escaped)."""
    header = "| " + " | ".join(COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in _rows(results)
    ]
    return "\n".join([header, rule, *body])


def _total_memory() -> str:
    try:
        done = subprocess.run(["free", "-h"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("Mem:")), "")
    return f"{line.split()[1]} total" if line else "unknown"


def machine(postgres_version: str | None = None) -> dict[str, str]:
    """The machine and versions a run measured on."""
    import sqlite3

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = {
        "cpus (os.cpu_count)": str(os.cpu_count()),
        "cpu": cpu,
        "memory": _total_memory(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        import sqlalchemy

        info["sqlalchemy"] = sqlalchemy.__version__
    except ImportError:
        info["sqlalchemy"] = "not installed"
    try:
        import psycopg

        info["psycopg"] = f"{psycopg.__version__} ({psycopg.pq.__impl__})"
    except ImportError:
        info["psycopg"] = "not installed"
    if postgres_version:
        info["postgresql"] = postgres_version
    return info
