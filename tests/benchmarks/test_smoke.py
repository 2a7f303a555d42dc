"""The benchmark suite runs end to end at its smoke scale (tiny sizes; no timing is asserted).

Each backend is its own test, so the SQLite and in-memory parts run where no
PostgreSQL server can start, and the in-memory part runs without SQLAlchemy.
The PostgreSQL part reuses the session's server (through
``CUSTOMER_CORE_POSTGRES_URL``, which the benchmarks' server helper honours).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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
    return _python(["-m", "benchmarks", "--scale", "smoke", *arguments], environment)


def _python(arguments: list[str], environment: dict[str, str]) -> str:
    """Run this Python with ``arguments`` from the repository; its output (fails on a bad exit)."""
    done = subprocess.run(
        [sys.executable, *arguments],
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


KEPT_RUN = """
import sys
from pathlib import Path
from benchmarks.databases import Backend

backend = Backend("postgres", keep=Path(sys.argv[1]))
try:
    database = backend.build("kept", customers=50, orders=100)
    with database.engine.begin() as connection:
        indexes = connection.exec_driver_sql(
            "select count(*) from pg_indexes where indexname = 'added_by_a_workload'"
        ).scalar()
        count = connection.exec_driver_sql("select count(*) from customers").scalar()
        orders = connection.exec_driver_sql("select count(*) from orders").scalar()
        print("reused" if database.reused else "loaded", indexes, count, orders)
        connection.exec_driver_sql("create index added_by_a_workload on customers (name)")
        connection.exec_driver_sql(
            "insert into customers (id, name, email, password) values (51, 'n', 'n@x.example', 'p')"
        )
        if sys.argv[2] == "interrupt":  # as if stopped after the customers' COPY
            connection.exec_driver_sql("drop table bench_loaded")
            connection.exec_driver_sql("drop index added_by_a_workload")
            connection.exec_driver_sql("delete from customers where id = 51")
            connection.exec_driver_sql("truncate orders")
finally:
    backend.close()
"""


@pytest.mark.sql
@pytest.mark.postgres
def test_kept_data_is_loaded_once_and_reused_as_it_was_after_the_load(
    postgres_server: Server,
) -> None:
    """``--keep DIR``: the first run loads, the next reuses the database with what a
    workload added (an index, a row) taken away, a load stopped after its first table
    goes on from the second, and no server is left running."""
    environment = {
        key: value for key, value in os.environ.items() if key != "CUSTOMER_CORE_POSTGRES_URL"
    }
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO)])
    # Not pytest's tmp_path: as root the server runs as ``postgres``, which cannot enter it.
    keep = Path(tempfile.mkdtemp(prefix="cc-kept-"))
    try:
        outputs = [_kept_run(keep, mode, environment) for mode in ("use", "interrupt", "use")]
        assert outputs[0] == ["loaded", "0", "50", "100"]
        assert outputs[1] == ["reused", "0", "50", "100"]
        assert outputs[2] == ["(kept", "customers:", "50", "rows)", "loaded", "0", "50", "100"]
        assert not (keep / "data" / "postmaster.pid").exists()  # stopped, data kept
        assert (keep / "data" / "PG_VERSION").exists()
    finally:
        shutil.rmtree(keep, ignore_errors=True)


def _kept_run(keep: Path, mode: str, environment: dict[str, str]) -> list[str]:
    return _python(["-c", KEPT_RUN, str(keep), mode], environment).split()
