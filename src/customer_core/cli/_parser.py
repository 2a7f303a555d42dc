"""The argument parser of ``customer-core``: one sub-command per operator task."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn, TypeAlias

from customer_core import __version__
from customer_core.cli._csv_import import import_csv
from customer_core.cli._demo import demo
from customer_core.cli._masking import masked
from customer_core.cli._privacy import anonymize, export_customer
from customer_core.cli._recalculate import recalculate_ltv
from customer_core.cli._rfm import rfm
from customer_core.cli._schema import init_db
from customer_core.cli._stats import stats
from customer_core.cli._timeline import DEFAULT_STREAM, outbox, timeline
from customer_core.errors import ValidationError

__all__ = ["Parser", "build_parser"]

MAX_BATCH = 100_000

EPILOG = """\
exit codes:
  0    success
  1    unexpected error (a bug; the traceback is printed)
  2    bad arguments
  3    bad database URL
  4    database unreachable
  5    missing table or column (run init-db first)
  6    unreadable or malformed file (CSV or resume file)
  7    invalid records (nothing was imported)
  8    other database error
  9    SQLAlchemy or the database driver is not installed
  10   not confirmed (an irreversible command changed nothing)
  130  interrupted (finished batches are kept; see the message to resume)

URLs are SQLAlchemy URLs: sqlite:///shop.db, postgresql+psycopg://user:pw@host/db,
mysql+pymysql://user:pw@host/db.
"""


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors never print a URL's password (a URL typed in
    the wrong place is quoted back as an invalid choice)."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the masked message; exit 2."""
        super().error(masked(message))


def region(value: str) -> str:
    """A ``--default-region``: an ISO country code the phone rules know (the library's check)."""
    from customer_core._core import CustomerCore

    try:
        known = CustomerCore.in_memory(default_region=value).default_region
    except ValidationError:
        known = None
    if known is None:
        raise argparse.ArgumentTypeError(f"must be an ISO country code such as GB, not {value!r}")
    return known


def batch_size(value: str) -> int:
    """A ``--batch-size`` between 1 and 100 000."""
    number = _integer(value)
    if not 1 <= number <= MAX_BATCH:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_BATCH}, not {number}")
    return number


def customer_id(value: str) -> int:
    """A non-negative customer id."""
    number = _integer(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {number}")
    return number


def _integer(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The ``customer-core`` parser; each sub-command sets ``run`` to its function."""
    parser = Parser(
        prog="customer-core",
        description="Operate a customer_core database: create it, import, recalculate, inspect.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _demo(commands)
    _init_db(commands)
    _recalculate(commands)
    _stats(commands)
    _import(commands)
    _timeline(commands)
    _outbox(commands)
    _export(commands)
    _anonymize(commands)
    _rfm(commands)
    return parser


Commands: TypeAlias = "argparse._SubParsersAction[Parser]"


def _command(
    commands: Commands, name: str, summary: str, description: str
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _url(command: argparse.ArgumentParser) -> None:
    command.add_argument("url", metavar="URL", help="the database's SQLAlchemy URL")


def _demo(commands: Commands) -> None:
    command = _command(
        commands,
        "demo",
        "tell the demo story (a shop's customers) on a fresh database",
        "Register customers, add addresses and notes, place and deliver orders, search and "
        "block, printing each step. Runs on a new SQLite file in a temporary directory "
        "(in memory without SQLAlchemy) unless --url names an empty database.",
    )
    command.add_argument("--url", help="an empty database to tell the story on")
    command.set_defaults(run=demo)


def _init_db(commands: Commands) -> None:
    command = _command(
        commands,
        "init-db",
        "create the library's tables where missing",
        "Create customers, addresses and customer_notes where they are missing (a SQLite "
        "file is created too). Existing tables, and the host's orders and users tables, are "
        "never altered.",
    )
    _url(command)
    command.set_defaults(run=init_db)


def _recalculate(commands: Commands) -> None:
    command = _command(
        commands,
        "recalculate-ltv",
        "recompute every customer's lifetime value from the host's orders",
        "Recompute lifetime_value (delivered orders' total), total_orders (delivered count) "
        "and last_order_at (latest non-cancelled order) of every customer, in batches that "
        "each commit. Safe to interrupt: with --resume-file the next run continues after "
        "the last committed batch.",
    )
    _url(command)
    orders = command.add_argument_group("the host's orders table (read only)")
    orders.add_argument("--orders-table", required=True, metavar="NAME", help="its name")
    column_options = [
        ("--customer-id-column", "customer_id", "the customer's id"),
        ("--status-column", "status", "the order's status"),
        ("--total-column", "total_amount", "the order's total"),
        ("--placed-at-column", "created_at", "when the order was placed"),
    ]
    for option, default, what in column_options:
        orders.add_argument(
            option, default=default, metavar="COLUMN", help=f"{what} (default: {default})"
        )
    orders.add_argument(
        "--delivered-status",
        default="delivered",
        metavar="VALUE",
        help="status of orders that count for the lifetime value (default: delivered)",
    )
    orders.add_argument(
        "--cancelled-status",
        default="cancelled",
        metavar="VALUE",
        help="status of orders ignored by last_order_at (default: cancelled)",
    )
    run = command.add_argument_group("the run")
    run.add_argument(
        "--batch-size",
        type=batch_size,
        default=10_000,
        metavar="N",
        # Ten times the library's default: a tenth of the round trips, still one lock per
        # batch; measured in docs/performance.md.
        help="customers per committed batch (default: 10000)",
    )
    run.add_argument(
        "--resume-file",
        type=Path,
        metavar="PATH",
        help="keep progress here; a later run with the same file resumes, a finished run "
        "deletes it",
    )
    run.add_argument(
        "--after-id",
        type=customer_id,
        metavar="ID",
        help="start after this customer id (what an interrupted run without a resume file prints)",
    )
    command.set_defaults(run=recalculate_ltv)


def _stats(commands: Commands) -> None:
    command = _command(
        commands,
        "stats",
        "print customer counts, repeat rate and lifetime-value percentiles",
        "Count customers and blocked customers, the repeat rate (customers with more than "
        "one delivered order) and lifetime-value percentiles p50/p90/p99/max (nearest rank), "
        "computed in the database.",
    )
    _url(command)
    command.add_argument("--json", action="store_true", help="print JSON instead of text")
    command.set_defaults(run=stats)


def _import(commands: Commands) -> None:
    command = _command(
        commands,
        "import",
        "bulk-import customers with existing password hashes from a CSV file",
        "Import customers from a UTF-8 CSV file with the header "
        "name,email,password_hash[,phone,avatar,is_blocked,created_at]. password_hash is an "
        "existing Argon2 or bcrypt hash. All rows or none: every bad row is reported by line "
        "number and nothing is written.",
    )
    _url(command)
    command.add_argument("file", type=Path, metavar="FILE.csv", help="the CSV file")
    command.add_argument(
        "--default-region",
        type=region,
        metavar="CC",
        help="ISO country code for phone numbers written without +country (e.g. GB)",
    )
    command.add_argument(
        "--batch-size",
        type=batch_size,
        default=1000,
        metavar="N",
        help="rows per INSERT statement (default: 1000); still one transaction",
    )
    command.set_defaults(run=import_csv)


def _timeline(commands: Commands) -> None:
    command = _command(
        commands,
        "timeline",
        "print a customer's timeline, newest first",
        "Print one page of the customer's timeline (every change, who made it and what "
        "changed), newest first.",
    )
    _url(command)
    command.add_argument("customer_id", type=customer_id, metavar="CUSTOMER_ID")
    command.add_argument("--page", type=batch_size, default=1, metavar="N", help="default: 1")
    command.add_argument(
        "--per-page", type=batch_size, default=50, metavar="N", help="up to 100 (default: 50)"
    )
    command.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    command.set_defaults(run=timeline)


def _outbox(commands: Commands) -> None:
    command = _command(
        commands,
        "outbox",
        "publish the unpublished timeline events (to Redis or standard output)",
        "Drain the outbox: claim unpublished events oldest first, publish them, acknowledge "
        "them. At least once: events published by a run that died before acknowledging are "
        "published again after their lease.",
    )
    _url(command)
    target = command.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--publish-to",
        metavar="redis://HOST:PORT/DB",
        help=f"append each event to a Redis stream (XADD; default stream {DEFAULT_STREAM})",
    )
    target.add_argument(
        "--print", action="store_true", help="print each event as a JSON line on standard output"
    )
    command.add_argument("--stream", default=DEFAULT_STREAM, help="the Redis stream's key")
    command.add_argument(
        "--batch-size", type=batch_size, default=100, metavar="N", help="default: 100"
    )
    command.add_argument(
        "--lease-seconds", type=batch_size, default=60, metavar="S", help="default: 60"
    )
    command.set_defaults(run=outbox)


def _export(commands: Commands) -> None:
    command = _command(
        commands,
        "export",
        "print everything kept about one customer as JSON (an access request)",
        "Print the customer, its addresses, notes and timeline as one JSON document on "
        "standard output. Never a password hash or reset token.",
    )
    _url(command)
    command.add_argument("customer_id", type=customer_id, metavar="CUSTOMER_ID")
    command.set_defaults(run=export_customer)


def _anonymize(commands: Commands) -> None:
    command = _command(
        commands,
        "anonymize",
        "anonymize every customer of a segment, keeping the sales figures (irreversible)",
        "Replace name, e-mail, phone and avatar of every customer the segment matches, "
        "delete their addresses and reset tokens, clear their notes and timeline data and "
        "make log-in impossible; lifetime value, orders and dates stay. Prints how many "
        "customers match and asks to type that number back unless --yes; --dry-run only "
        "counts. Batches commit one by one: an interrupted run can simply be run again.",
    )
    _url(command)
    command.add_argument(
        "--segment",
        required=True,
        metavar="TEXT",
        help="which customers, e.g. 'last_order_at older_than 1095d' (see the segments reference)",
    )
    command.add_argument("--dry-run", action="store_true", help="only count; change nothing")
    command.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    command.add_argument(
        "--batch-size",
        type=batch_size,
        default=1000,
        metavar="N",
        help="customers per committed batch, at most 10000 (default: 1000)",
    )
    command.set_defaults(run=anonymize)


def _rfm(commands: Commands) -> None:
    command = _command(
        commands,
        "rfm",
        "print the RFM summary: how many customers carry each label",
        "Score the customers with a delivered order by recency, frequency and monetary "
        "quintiles (NTILE(5) in the database) and print how many carry each label "
        "(Champions, Loyal, ..., Hibernating; see docs/rfm.md).",
    )
    _url(command)
    command.add_argument(
        "--segment",
        metavar="TEXT",
        help="score only the customers of this segment (e.g. 'total_orders >= 2'), "
        "among themselves",
    )
    command.add_argument("--json", action="store_true", help="print JSON instead of text")
    command.set_defaults(run=rfm)
