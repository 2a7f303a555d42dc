"""benchmarks/segments_versus.py runs at a tiny size (its figures are not asserted).

The run itself checks that the library and the hand-written SQL agree on the
count and on page 1, so this also guards the benchmark's fairness.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.sql
@pytest.mark.sqlite
def test_segments_versus_runs_on_sqlite() -> None:
    """Both contenders give the same result and the ratios are printed."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src"), str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.segments_versus", "sqlite", "2000"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "count   library" in done.stdout
    assert "search  library" in done.stdout
