"""``customer-core export`` and ``customer-core anonymize``: access and erasure requests.

``export`` prints everything the library keeps about one customer as JSON
(ASCII only: a name or note holding terminal control characters cannot
reach the operator's terminal unescaped).

``anonymize`` is irreversible, so it shows how many customers the segment
matches and, unless ``--yes``, asks the operator to type that number back
(a typed ``y`` is too easy to give by habit); ``--dry-run`` only counts.
Input that is not the number (or no input at all) changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys

from customer_core._core import CustomerCore
from customer_core.cli._database import open_core, require_tables, shown, translated
from customer_core.cli._exits import CliError, ExitCode
from customer_core.cli._progress import ProgressReport
from customer_core.errors import ValidationError
from customer_core.segments import Segment, parse

__all__ = ["anonymize", "export_customer"]


def export_customer(args: argparse.Namespace) -> int:
    """Print the customer's data as one JSON document."""
    core = open_core(args.url)
    require_tables(core, args.url, ["customers", "addresses", "customer_notes", "customer_events"])
    with translated(args.url):
        exported = core.privacy.export(args.customer_id)
    print(json.dumps(exported, indent=2, sort_keys=True, ensure_ascii=True))
    return int(ExitCode.OK)


def anonymize(args: argparse.Namespace) -> int:
    """Count the segment, confirm, anonymize in committed batches; print how many."""
    segment = _segment(args.segment)
    core = open_core(args.url)
    require_tables(core, args.url, ["customers", "addresses", "customer_notes", "customer_events"])
    with translated(args.url):
        matching = _count(core, segment)
    where = shown(args.url)
    if args.dry_run:
        print(f"{matching} customers match {args.segment!r} on {where}; dry run, nothing changed")
        return int(ExitCode.OK)
    if matching == 0:
        print(f"no customer matches {args.segment!r} on {where}; nothing changed")
        return int(ExitCode.OK)
    if not args.yes:
        _confirm(matching, args.segment, where)
    report = ProgressReport(sys.stderr, label="anonymizing customers")
    try:
        with translated(args.url):
            done = core.privacy.anonymize_many(segment, batch_size=args.batch_size, progress=report)
    except KeyboardInterrupt:
        report.close()
        raise CliError(
            ExitCode.INTERRUPTED,
            "interrupted: the finished batches are anonymized; run the command again "
            "to do the rest (anonymized customers are skipped)",
        ) from None
    finally:
        report.close()
    print(f"anonymized {done} customers on {where} ({matching - done} had nothing left)")
    return int(ExitCode.OK)


def _confirm(matching: int, segment_text: str, where: str) -> None:
    """Ask for the count back on standard input; ``ABORTED`` unless it is typed exactly."""
    print(
        f"This anonymizes {matching} customers matching {segment_text!r} on {where}"
        " and cannot be undone.\n"
        f"Type {matching} to go on (or run again with --yes): ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    answer = sys.stdin.readline()
    if not (answer.endswith("\n") and sys.stdin.isatty()):
        print(file=sys.stderr)  # end the prompt's line: a terminal's echo did not
    if answer.strip() != str(matching):
        raise CliError(ExitCode.ABORTED, "not confirmed: nothing was changed")


def _segment(text: str) -> Segment:
    """The segment ``--segment`` names; a usage error naming the position if it is bad."""
    try:
        return parse(text)
    except ValidationError as error:
        details = tuple(f"{field}: {message}" for field, message in error.errors.items())
        raise CliError(ExitCode.USAGE, "bad --segment", details=details) from None


def _count(core: CustomerCore, segment: Segment) -> int:
    """How many customers the segment matches now.

    SEAM: ``core.customers.count(segment)`` (engineer S) once it is merged.
    """
    count = getattr(core.customers, "count", None)
    if count is None:
        return core.privacy._count(segment)
    return int(count(segment))
