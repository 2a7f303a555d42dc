"""The mixed-load script (``python -m benchmarks.load``) runs end to end for a moment on
SQLite (no timing is asserted: the figures belong to docs/performance.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = ("authenticate", "get", "search", "update", "register")


@pytest.mark.sqlite
@pytest.mark.sql
def test_the_load_script_reports_every_operation() -> None:
    """Two threads for half a second: a row per operation and a total."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src"), str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--backend", "sqlite",
         "--threads", "2", "--seconds", "0.5"],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in [*OPERATIONS, "**all**"]:
        assert f"| sqlite | {name} |" in done.stdout
