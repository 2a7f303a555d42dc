"""Closed output streams (``customer-core ... | head -1``), --version and option values."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import Run, Shop, assert_clean_failure, cli_command, cli_environment

import customer_core
from customer_core.cli import ExitCode

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]


def _closed_pipe() -> int:
    """The write end of a pipe whose reader is already gone: every write is EPIPE."""
    read, write = os.pipe()
    os.close(read)
    return write


def _start(tmp_path: Path, *args: str, stdout: int, stderr: int) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        cli_command(*args), cwd=tmp_path, env=cli_environment(), text=True,
        stdout=stdout, stderr=stderr,
    )  # fmt: skip
    for descriptor in {stdout, stderr} - {subprocess.PIPE}:
        os.close(descriptor)  # the child has its copy
    return child


def _recalculate(shop: Shop, resume: Path) -> tuple[str, ...]:
    return (
        "recalculate-ltv", shop.url, "--orders-table", "orders",
        "--batch-size", "2", "--resume-file", str(resume),
    )  # fmt: skip


def test_closed_streams_do_not_stop_recalculate_ltv(shop: Shop, tmp_path: Path) -> None:
    """With nobody reading stdout or stderr, every batch is still done, and exit 0 says so."""
    ids = shop.customers(30)
    shop.orders([(i, "5.00", "delivered") for i in ids])
    resume = tmp_path / "ltv.resume"
    child = _start(
        tmp_path, *_recalculate(shop, resume), stdout=_closed_pipe(), stderr=_closed_pipe()
    )
    assert child.wait(timeout=120) == 0
    core = shop.core()
    assert [core.customers.get(i).lifetime_value for i in ids] == [Decimal("5.00")] * 30
    assert not resume.exists()


def test_a_closed_stdout_is_like_head_1(shop: Shop, tmp_path: Path) -> None:
    """Only stdout closed: the job finishes, exits 0, and nothing complains on stderr."""
    ids = shop.customers(10)
    shop.orders([(i, "1.00", "delivered") for i in ids])
    child = _start(
        tmp_path, *_recalculate(shop, tmp_path / "r"), stdout=_closed_pipe(),
        stderr=subprocess.PIPE,
    )  # fmt: skip
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert "Exception ignored" not in err
    assert "Traceback" not in err
    assert shop.core().customers.search(repeat=False).total == 10


def test_an_interrupted_job_with_closed_streams_exits_130_and_can_resume(
    shop: Shop, tmp_path: Path
) -> None:
    """Unfinished is never 0: SIGTERM mid-run exits 130 though the message cannot be read,
    the resume file holds the last committed batch, and the next run finishes from there."""
    ids = shop.customers(3000)
    shop.orders([(i, "5.00", "delivered") for i in ids])
    resume = tmp_path / "ltv.resume"
    argv = (*_recalculate(shop, resume)[:-4], "--batch-size", "1", "--resume-file", str(resume))
    child = _start(tmp_path, *argv, stdout=_closed_pipe(), stderr=_closed_pipe())
    deadline = time.monotonic() + 60
    while not _progress(resume):
        assert child.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "no progress within a minute"
        time.sleep(0.02)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == ExitCode.INTERRUPTED
    last_id = _progress(resume)
    assert ids[0] <= last_id < ids[-1]
    rerun = subprocess.run(
        cli_command(*argv), cwd=tmp_path, env=cli_environment(), capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert f"resuming after customer id {last_id}" in rerun.stderr
    assert shop.core().customers.search(repeat=False).total == 3000


def _progress(resume: Path) -> int:
    try:
        return int(json.loads(resume.read_text())["last_id"])
    except (FileNotFoundError, ValueError, KeyError):
        return 0


def test_import_and_init_db_with_closed_streams(
    shop: Shop, tmp_path: Path, password_hash: str
) -> None:
    """A finished import or init-db exits 0 without readers; a refused import still exits 7."""
    good = tmp_path / "good.csv"
    good.write_text(f'name,email,password_hash\nA,a@example.com,"{password_hash}"\n')
    bad = tmp_path / "bad.csv"
    bad.write_text(f'name,email,password_hash\nB,broken,"{password_hash}"\n')
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    runs = {
        ("import", shop.url, str(good)): ExitCode.OK,
        ("import", shop.url, str(bad)): ExitCode.INVALID_DATA,
        ("init-db", fresh): ExitCode.OK,
    }
    for argv, code in runs.items():
        child = _start(tmp_path, *argv, stdout=_closed_pipe(), stderr=_closed_pipe())
        assert child.wait(timeout=120) == code, argv
    assert shop.core().customers.search().total == 1
    assert (tmp_path / "fresh.db").exists()


def test_version(run: Run) -> None:
    """--version prints the installed version and exits 0."""
    result = run("--version")
    assert result.code == 0, result.err
    assert result.out.strip() == f"customer-core {customer_core.__version__}"


@pytest.mark.parametrize("value", ["XX", "gibberish", ""])
def test_a_bad_default_region_is_a_usage_error(run: Run, value: str, tmp_path: Path) -> None:
    """--default-region must be a country code: exit 2 naming the option, before any work."""
    result = run("import", "sqlite:///absent.db", str(tmp_path / "absent.csv"),
                 "--default-region", value)  # fmt: skip
    assert result.code == ExitCode.USAGE, result.err
    assert "argument --default-region: must be an ISO country code" in result.err
    assert "Traceback" not in result.err


def test_a_lower_case_default_region_is_accepted(run: Run, tmp_path: Path) -> None:
    """gb is GB: the run goes on to the next check (here the missing file)."""
    result = run("import", "sqlite:///x.db", str(tmp_path / "absent.csv"), "--default-region", "gb")
    assert_clean_failure(result, ExitCode.BAD_FILE, "cannot open")
