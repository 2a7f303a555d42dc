"""The demo tells its whole story, in memory and on SQLite."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from customer_core._demo import MEMORY, run


def story(url: str) -> str:
    lines: list[str] = []
    run(url, say=lines.append)
    return "\n".join(lines)


SRC = Path(__file__).resolve().parents[2] / "src"


def check(text: str) -> None:
    assert "e-mails are unique in any case" in text
    assert "Ada Lovelace: lifetime value 200.00, 2 delivered orders, a repeat customer" in text
    assert "Grace Hopper: lifetime value 42.00, 1 delivered order, not yet a repeat" in text
    assert "Grace is blocked" in text
    assert "Blocked customers: 1" in text
    # Every order the search counts was placed in the story, and the undelivered one is named.
    assert "Ada's 101 (120.50), 102 (79.50) and 104 (15.00)" in text
    assert "Ada's 104 is still pending" in text
    assert "Ada Lovelace     200.00  orders placed: 3 (2 delivered)" in text
    assert "Grace Hopper      42.00  orders placed: 1 (1 delivered)" in text


def test_the_demo_runs_in_memory() -> None:
    """The in-memory story reaches its end with the expected LTVs."""
    text = story(MEMORY)
    assert "the in-memory adapter" in text
    check(text)


@pytest.mark.sql
@pytest.mark.sqlite
def test_the_demo_runs_on_a_sqlite_file(tmp_path: Path) -> None:
    """The same story on a SQLite file gives the same figures."""
    pytest.importorskip("sqlalchemy")
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    text = story(url)
    assert url in text
    check(text)
    assert (tmp_path / "shop.db").exists()


def _demo_folders(directory: Path) -> list[Path]:
    return sorted(directory.glob("customer-core-demo-*"))


@pytest.mark.sql
@pytest.mark.sqlite
def test_the_default_demo_leaves_no_folder_behind(tmp_path: Path) -> None:
    """``customer-core demo`` (no ``--url``) removes its throwaway SQLite folder at exit."""
    pytest.importorskip("sqlalchemy")
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": path}
    command = [sys.executable, "-m", "customer_core", "demo"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"on sqlite:///{tmp_path}/customer-core-demo-" in done.stdout
    assert "(a throwaway file, removed at the end" in done.stdout
    check(done.stdout)
    assert _demo_folders(tmp_path) == []


@pytest.mark.sql
@pytest.mark.sqlite
def test_the_default_demo_in_process_cleans_up_with_its_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Called from Python, the folder lives as long as the returned core, then goes."""
    pytest.importorskip("sqlalchemy")
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    lines: list[str] = []
    core = run(say=lines.append)
    (folder,) = _demo_folders(tmp_path)
    assert core.customers.search(blocked=True).total == 1  # still usable
    del core
    gc.collect()
    assert not folder.exists()
