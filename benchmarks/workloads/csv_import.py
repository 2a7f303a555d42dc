"""6. CSV import: ``customer-core import`` of a CSV file into SQLite, as an operator runs it.

Two files (the scale's ``csv_rows``, 100 000 and 1 000 000 rows at full
scale) are written to a temporary directory with the columns an export
carries (name, e-mail, an existing bcrypt hash, a phone number, the blocked
flag, the creation time); each goes into a fresh SQLite database made by
``init-db``. The import runs as a child process, timed by the wall clock;
its peak RSS is the child's own ``ru_maxrss`` (``os.wait4``). The command
streams the file, so memory grows only with the e-mails it keeps to catch
duplicates: the target is a peak RSS of at most 300 MB at a million rows.
"""

from __future__ import annotations

import csv
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.data import PASSWORD_HASH
from benchmarks.results import Result, Results
from benchmarks.scale import Scale

__all__ = ["TARGET_MB", "run", "write_csv"]

#: Peak RSS of the import of the larger file, in MB (10**6 bytes).
TARGET_MB = 300
HEADER = ("name", "email", "password_hash", "phone", "is_blocked", "created_at")
SRC = Path(__file__).resolve().parents[2] / "src"


def write_csv(path: Path, rows: int) -> None:
    """``rows`` distinct customers, in the shape of a spreadsheet export."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(
                (
                    f"Customer {n}",
                    f"customer{n}@example.com",
                    PASSWORD_HASH,
                    f"+44 20 79{n % 100_000:05d}"[:16],
                    "yes" if n % 50 == 0 else "no",
                    f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}T10:00:00Z",
                )
            )


def _cli(*args: str, cwd: Path) -> tuple[float, float]:
    """Run ``customer-core ARGS``; its wall time (s) and peak RSS (MB). Fails on a bad exit."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "customer_core", *args]
    start = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    if child.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed: {(out + err).decode()[-2000:]}")
    # ru_maxrss is in KiB on Linux.
    return seconds, usage.ru_maxrss * 1024 / 1e6


def run(scale: Scale, results: Results) -> None:
    """Import each file size into a fresh SQLite database; time and peak RSS of each."""
    peaks: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="customer-core-csv-") as directory:
        folder = Path(directory)
        for rows in scale.csv_rows:
            path = folder / f"customers-{rows}.csv"
            write_csv(path, rows)
            url = f"sqlite:///{folder / f'shop-{rows}.db'}"
            _cli("init-db", url, cwd=folder)
            seconds, peak = _cli("import", url, str(path), cwd=folder)
            peaks[rows] = peak
            results.add(
                Result(
                    "csv",
                    "sqlite",
                    f"customer-core import, {rows:,} rows: wall time",
                    seconds,
                    "s",
                    note=f"{rows / seconds:,.0f} rows/s; default --batch-size 1000",
                )
            )
            largest = rows == max(scale.csv_rows)
            results.add(
                Result(
                    "csv",
                    "sqlite",
                    f"customer-core import, {rows:,} rows: peak RSS",
                    peak,
                    "MB",
                    target=f"≤ {TARGET_MB} MB" if largest else "",
                    passed=(peak <= TARGET_MB) if largest and scale.judge else None,
                    note=f"{path.stat().st_size / 1e6:.0f} MB file; child's ru_maxrss",
                )
            )
            path.unlink()
    small, large = min(peaks), max(peaks)
    if small != large:
        results.add(
            Result(
                "csv",
                "sqlite",
                f"peak RSS growth per row, {small:,} → {large:,} rows",
                (peaks[large] - peaks[small]) * 1e6 / (large - small),
                "B",
                note="what each row keeps: its e-mail, to catch duplicates",
            )
        )
