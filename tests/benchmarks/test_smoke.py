"""The benchmark suite runs end to end at its smoke scale (tiny sizes; no timing is asserted).

Each backend is its own test, so the SQLite and in-memory parts run where no
PostgreSQL server can start, and the in-memory part runs without SQLAlchemy.
The PostgreSQL part reuses the session's server (through
``CUSTOMER_CORE_POSTGRES_URL``, which the benchmarks' server helper honours).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from servers import Server  # imports SQLAlchemy: typing only

REPO = Path(__file__).resolve().parents[2]


def _bench(*arguments: str, env: dict[str, str] | None = None) -> str:
    """Run ``python -m benchmarks --scale smoke ARGUMENTS``; its output (fails on a bad exit)."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src"), str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--scale", "smoke", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.memory
def test_in_memory_workload_runs() -> None:
    """The in-memory workload reports µs per operation for every operation."""
    out = _bench("--backend", "memory")
    for metric in ("get", "find_by_email", "search broad text", "recalculate_all"):
        assert f"inmemory/memory: {metric}" in out


@pytest.mark.sql
@pytest.mark.sqlite
def test_sql_workloads_run_on_sqlite(tmp_path: Path) -> None:
    """Every SQL workload runs on SQLite and the Markdown table lists its figures."""
    table = tmp_path / "figures.md"
    out = _bench("--backend", "sqlite", "--markdown", str(table))
    for workload in ("ltv", "events", "search", "import", "csv"):
        assert f"{workload}/sqlite:" in out
    text = table.read_text()
    assert "| ltv | sqlite | library / one UPDATE (b), batches of 1,000 (the default) |" in text
    assert "| ltv | sqlite | library / one UPDATE (b), batches of 10,000 |" in text
    assert "statements per handle" in text


@pytest.mark.sql
@pytest.mark.postgres
def test_sql_workloads_run_on_postgres(postgres_server: Server) -> None:
    """Every SQL workload runs on PostgreSQL, including the trigram-index search."""
    env = {"CUSTOMER_CORE_POSTGRES_URL": postgres_server.admin_url}
    out = _bench("--backend", "postgres", env=env)
    for workload in ("ltv", "events", "search", "import"):
        assert f"{workload}/postgres:" in out
    assert "trigram: library latency" in out
    assert "skipped" not in out


def test_only_picks_one_workload() -> None:
    """``--only NAME`` runs just that workload."""
    out = _bench("--backend", "memory", "--only", "inmemory")
    assert "== inmemory" in out
    assert "== ltv" not in out


@pytest.mark.sql
@pytest.mark.postgres
def test_the_xl_run_loads_postgres_and_reports_every_workload(postgres_server: Server) -> None:
    """``--scale xl``'s shape at tiny sizes: PostgreSQL only, its big database loaded with
    COPY, every SQL workload reported there, the import into the big table included."""
    env = {"CUSTOMER_CORE_POSTGRES_URL": postgres_server.admin_url}
    out = _bench("--scale", "xl-smoke", env=env)
    assert "loaded postgres 'big': 5,000 customers, 10,000 orders" in out
    for workload in ("ltv", "events", "search", "import"):
        assert f"{workload}/postgres:" in out
    assert "into 5,000 customers, as Laravel made it" in out
    assert "into 5,000 customers, performance indexes" in out
    assert "/sqlite:" not in out
    assert "== inmemory" not in out


def test_the_xl_scale_says_it_is_long_and_runs_on_postgres_only() -> None:
    """Asked for SQLite alone, the xl scale refuses (exit 2) after saying what it costs."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--scale", "xl", "--backend", "sqlite"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "10,000,000 customers and 20,000,000 orders" in done.stdout
    assert "expect hours" in done.stdout
    assert "runs only on: postgres" in done.stderr
