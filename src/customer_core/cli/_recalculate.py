"""``customer-core recalculate-ltv``: every customer's lifetime value, in committed batches.

Each batch commits on its own and the last id done is written to the resume
file after each one, so Ctrl-C (or SIGTERM) loses at most the batch in flight:
the next run with the same ``--resume-file`` starts after the last committed id.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from customer_core._core import CustomerCore
from customer_core.cli._database import (
    engine_of,
    open_core,
    require_columns,
    require_tables,
    shown,
    storage_of,
    translated,
)
from customer_core.cli._exits import CliError, ExitCode
from customer_core.cli._progress import ProgressReport
from customer_core.cli._resume import ResumeFile

__all__ = ["recalculate_ltv"]

#: Option → OrdersTable attribute, for the column names an operator can override.
COLUMN_OPTIONS = {
    "--customer-id-column": "customer_id",
    "--status-column": "status",
    "--total-column": "total_amount",
    "--placed-at-column": "placed_at",
}


def recalculate_ltv(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    from customer_core.adapters.sqlalchemy import OrdersTable

    orders = OrdersTable(
        args.orders_table,
        customer_id=args.customer_id_column,
        status=args.status_column,
        total_amount=args.total_column,
        placed_at=args.placed_at_column,
        delivered=args.delivered_status,
        cancelled=args.cancelled_status,
    )
    core = open_core(args.url, orders=orders)
    require_tables(core, args.url, ["customers", orders.name])
    columns = {option: getattr(orders, name) for option, name in COLUMN_OPTIONS.items()}
    require_columns(core, args.url, orders.name, columns)
    resume = ResumeFile(args.resume_file) if args.resume_file is not None else None
    after_id = _starting_id(args.after_id, resume)
    done = _run(core, args, after_id, resume)
    if resume is not None:
        resume.remove()
    print(f"recalculated {done} customers on {shown(args.url)}")
    return ExitCode.OK


def _starting_id(after_id: int | None, resume: ResumeFile | None) -> int:
    stored = resume.read() if resume is not None else 0
    if stored and after_id is not None:
        raise CliError(
            ExitCode.USAGE,
            f"--after-id and a resume file with progress ({resume and resume.path}) disagree;"
            " pass only one",
        )
    start = stored or after_id or 0
    if start:
        print(f"resuming after customer id {start}", file=sys.stderr)
    if resume is not None:
        # Written before the first batch: an unwritable path fails now, not after an hour.
        resume.write(start)
    return start


def _run(
    core: CustomerCore, args: argparse.Namespace, after_id: int, resume: ResumeFile | None
) -> int:
    last_done = after_id
    already = _count_up_to(core, args.url, after_id)
    report = ProgressReport(sys.stderr, label="recalculating lifetime values")

    def checkpoint(last_id: int) -> None:
        nonlocal last_done
        last_done = last_id
        if resume is not None:
            resume.write(last_id)

    def progress(done: int, total: int) -> None:
        report(already + done, max(total, already + done))

    try:
        with _sigterm_interrupts(), translated(args.url):
            return core.ltv.recalculate_all(
                batch_size=args.batch_size,
                progress=progress,
                after_id=after_id,
                checkpoint=checkpoint,
            )
    except KeyboardInterrupt:
        report.close()
        raise CliError(ExitCode.INTERRUPTED, _interrupted(args, last_done, resume)) from None
    finally:
        report.close()


def _count_up_to(core: CustomerCore, url: str, after_id: int) -> int:
    """How many customers an earlier run already did (for an honest progress bar)."""
    if not after_id:
        return 0
    from sqlalchemy import func, select

    customers = storage_of(core).tables.customers
    query = select(func.count()).select_from(customers).where(customers.c.id <= after_id)
    with translated(url), engine_of(core).connect() as connection:
        return int(connection.execute(query).scalar_one())


def _interrupted(args: argparse.Namespace, last_done: int, resume: ResumeFile | None) -> str:
    kept = f"customers up to id {last_done} are done" if last_done else "no batch finished"
    if resume is not None:
        how = f"run the same command again to resume (progress is kept in {resume.path})"
    elif last_done:
        how = f"resume with --after-id {last_done} (or use --resume-file PATH next time)"
    else:
        how = "run the command again (use --resume-file PATH to make long runs resumable)"
    return f"interrupted: {kept}; {how}"


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM (a service manager stopping the job) like Ctrl-C: stop between batches."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (main() called from a test's thread)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
