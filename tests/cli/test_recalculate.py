"""`customer-core recalculate-ltv`: correct totals, committed batches, resumable after Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import Run, Shop, assert_clean_failure, cli_command, cli_environment

from customer_core.cli import ExitCode

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]


def test_recalculates_every_customer(run: Run, shop: Shop) -> None:
    """Delivered orders sum into the LTV; cancelled ones do not move last_order_at."""
    ada, grace, linus = shop.customers(3)
    shop.orders(
        [
            (ada, "120.50", "delivered"),
            (ada, "79.50", "delivered"),
            (ada, "15.00", "pending"),
            (grace, "42.00", "delivered"),
            (grace, "99.00", "cancelled"),
        ]
    )
    result = run("recalculate-ltv", shop.url, "--orders-table", "orders", "--batch-size", "2")
    assert result.code == 0, result.err
    assert "recalculated 3 customers" in result.out
    core = shop.core()
    first, second, third = (core.customers.get(i) for i in (ada, grace, linus))
    assert (first.lifetime_value, first.total_orders, first.is_repeat) == (
        Decimal("200.00"),
        2,
        True,
    )
    assert (second.lifetime_value, second.total_orders) == (Decimal("42.00"), 1)
    assert first.last_order_at is not None
    assert second.last_order_at is not None
    assert first.last_order_at.day == 3  # the pending third order, placed on day 3
    assert second.last_order_at.day == 4  # the cancelled order (day 5) does not count
    assert (third.lifetime_value, third.total_orders, third.last_order_at) == (0, 0, None)


def test_maps_a_host_table_with_other_names(run: Run, shop: Shop) -> None:
    """Column names and status values are options, for orders tables not shaped like Laravel's."""
    import sqlalchemy as sa

    (ada,) = shop.customers(1)
    engine = sa.create_engine(shop.url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "create table sales (buyer integer, state text, amount numeric, at datetime)"
        )
        connection.exec_driver_sql(
            f"insert into sales values ({ada}, 'shipped', 10.5, '2026-01-01 00:00:00'),"
            f" ({ada}, 'shipped', 4.5, '2026-01-02 00:00:00'),"
            f" ({ada}, 'void', 99, '2026-01-03 00:00:00')"
        )
    engine.dispose()
    result = run(
        "recalculate-ltv", shop.url, "--orders-table", "sales",
        "--customer-id-column", "buyer", "--status-column", "state", "--total-column", "amount",
        "--placed-at-column", "at", "--delivered-status", "shipped", "--cancelled-status", "void",
    )  # fmt: skip
    assert result.code == 0, result.err
    customer = shop.core().customers.get(ada)
    assert (customer.lifetime_value, customer.total_orders) == (Decimal("15.00"), 2)
    assert customer.last_order_at is not None
    assert customer.last_order_at.day == 2


def test_a_missing_orders_column_names_the_option(run: Run, shop: Shop) -> None:
    """A wrong column name is NO_SCHEMA, pointing at the option that fixes it."""
    result = run("recalculate-ltv", shop.url, "--orders-table", "orders", "--total-column", "sum")
    assert_clean_failure(result, ExitCode.NO_SCHEMA, "no column 'sum'", "--total-column")


def test_a_missing_orders_table_is_named(run: Run, shop: Shop) -> None:
    """An orders table that does not exist is NO_SCHEMA."""
    result = run("recalculate-ltv", shop.url, "--orders-table", "purchases")
    assert_clean_failure(result, ExitCode.NO_SCHEMA, "no purchases table")


def test_a_finished_run_deletes_its_resume_file(run: Run, shop: Shop, tmp_path: Path) -> None:
    """The resume file lives only while a run is unfinished."""
    shop.customers(5)
    resume = tmp_path / "ltv.resume"
    result = run(
        "recalculate-ltv", shop.url, "--orders-table", "orders", "--resume-file", str(resume)
    )
    assert result.code == 0, result.err
    assert not resume.exists()
    assert list(tmp_path.glob(".ltv.resume.*")) == []  # no temporary files left behind


def test_a_resume_file_skips_the_customers_already_done(
    run: Run, shop: Shop, tmp_path: Path
) -> None:
    """With progress recorded up to an id, only later customers are recalculated."""
    ids = shop.customers(4)
    shop.orders([(i, "10.00", "delivered") for i in ids])
    resume = tmp_path / "ltv.resume"
    resume.write_text(json.dumps({"version": 1, "last_id": ids[1]}))
    result = run(
        "recalculate-ltv", shop.url, "--orders-table", "orders", "--resume-file", str(resume)
    )
    assert result.code == 0, result.err
    assert f"resuming after customer id {ids[1]}" in result.err
    assert "recalculated 2 customers" in result.out
    values = [shop.core().customers.get(i).lifetime_value for i in ids]
    assert values == [0, 0, Decimal("10.00"), Decimal("10.00")]


def test_after_id_starts_later(run: Run, shop: Shop) -> None:
    """--after-id N recalculates only customers with ids above N."""
    ids = shop.customers(3)
    result = run("recalculate-ltv", shop.url, "--orders-table", "orders", "--after-id", str(ids[0]))
    assert result.code == 0, result.err
    assert "recalculated 2 customers" in result.out


def test_after_id_and_a_resume_file_with_progress_conflict(
    run: Run, shop: Shop, tmp_path: Path
) -> None:
    """Two different starting points are refused rather than guessed between."""
    resume = tmp_path / "ltv.resume"
    resume.write_text(json.dumps({"version": 1, "last_id": 7}))
    result = run(
        "recalculate-ltv", shop.url, "--orders-table", "orders",
        "--resume-file", str(resume), "--after-id", "3",
    )  # fmt: skip
    assert_clean_failure(result, ExitCode.USAGE, "--after-id")


@pytest.mark.parametrize("content", ["garbage", '{"last_id": -1}', '{"other": 1}', "[1]"])
def test_a_corrupt_resume_file_is_refused(
    run: Run, shop: Shop, tmp_path: Path, content: str
) -> None:
    """A resume file that is not ours is BAD_FILE, and left for the operator to look at."""
    resume = tmp_path / "ltv.resume"
    resume.write_text(content)
    result = run(
        "recalculate-ltv", shop.url, "--orders-table", "orders", "--resume-file", str(resume)
    )
    assert_clean_failure(result, ExitCode.BAD_FILE, "not a resume file")
    assert resume.read_text() == content


def test_an_unwritable_resume_file_fails_before_any_work(run: Run, shop: Shop) -> None:
    """A resume file in a missing directory is BAD_FILE at once."""
    result = run(
        "recalculate-ltv", shop.url, "--orders-table", "orders", "--resume-file", "no/dir/f"
    )
    assert_clean_failure(result, ExitCode.BAD_FILE, "cannot write resume file")


def test_progress_is_reported_on_stderr(run: Run, shop: Shop) -> None:
    """Without a terminal the progress is one line per tenth, on stderr; stdout stays clean."""
    shop.customers(20)
    result = run("recalculate-ltv", shop.url, "--orders-table", "orders", "--batch-size", "2")
    assert result.code == 0, result.err
    assert "recalculating lifetime values: 20/20" in result.err
    assert 5 <= result.err.count("recalculating lifetime values:") <= 11
    assert result.out.strip().splitlines() == [f"recalculated 20 customers on {shop.url}"]


def test_ctrl_c_keeps_finished_batches_and_the_next_run_resumes(shop: Shop, tmp_path: Path) -> None:
    """SIGINT mid-run: exit 130 with how to resume; the rerun finishes with exact totals."""
    ids = shop.customers(3000)
    shop.orders([(i, "5.00", "delivered") for i in ids] + [(ids[-1], "7.00", "delivered")])
    resume = tmp_path / "ltv.resume"
    argv = cli_command(
        "recalculate-ltv", shop.url, "--orders-table", "orders",
        "--batch-size", "1", "--resume-file", str(resume),
    )  # fmt: skip
    child = subprocess.Popen(
        argv, cwd=tmp_path, env=cli_environment(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _wait_for_progress(resume, child)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == ExitCode.INTERRUPTED, (out, err)
    assert "Traceback" not in err
    assert "interrupted: customers up to id" in err
    assert "run the same command again to resume" in err
    last_id = json.loads(resume.read_text())["last_id"]
    assert ids[0] <= last_id < ids[-1]
    assert shop.core().customers.get(last_id).lifetime_value == Decimal("5.00")
    assert shop.core().customers.get(ids[-1]).lifetime_value == 0

    rerun = subprocess.run(
        argv, cwd=tmp_path, env=cli_environment(), capture_output=True, text=True, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"resuming after customer id {last_id}" in rerun.stderr
    core = shop.core()
    assert core.customers.get(ids[-1]).lifetime_value == Decimal("12.00")
    assert core.customers.search(repeat=False).total == 2999
    assert not resume.exists()


def _wait_for_progress(resume: Path, child: subprocess.Popen[str]) -> None:
    """Until the run has committed a few batches (the resume file holds an id past 0)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert child.poll() is None, "the run ended before it could be interrupted"
        try:
            if json.loads(resume.read_text())["last_id"] > 0:
                return
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.02)
    pytest.fail("no progress within a minute")
