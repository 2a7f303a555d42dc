"""The entry point: parse, run one command, turn every operator error into a message and a code."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

from customer_core.cli._exits import CliError, ExitCode
from customer_core.cli._masking import masked
from customer_core.cli._parser import build_parser
from customer_core.cli._streams import reader_safe_output
from customer_core.errors import (
    CustomerCoreError,
    DuplicateEmail,
    StorageError,
    StorageUnavailable,
    ValidationError,
)

__all__ = ["main"]

PROG = "customer-core"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``customer-core`` with ``argv`` (``sys.argv[1:]`` by default); returns the exit code.

    Errors an operator can cause print one message on stderr, never a
    traceback; see :class:`~customer_core.cli._exits.ExitCode` for the codes.
    A bug prints its traceback and returns ``FAILURE`` (1). Every message has
    the password of the URL, and of any URL in it, masked.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as leaving:  # --help, --version (0) or a usage error (2)
        return leaving.code if isinstance(leaving.code, int) else ExitCode.USAGE
    url: str | None = getattr(args, "url", None)
    with reader_safe_output():
        try:
            code: int = args.run(args)
        except CliError as error:
            return _fail(error.code, error.message, error.details, url=url)
        except KeyboardInterrupt:
            return _fail(ExitCode.INTERRUPTED, "interrupted", url=url)
        except CustomerCoreError as error:
            failure, message, details = _library_failure(error)
            return _fail(failure, message, details, url=url)
        except Exception:
            # A bug: the traceback is for the report, and it is printed like any message.
            print(masked(traceback.format_exc(), url), end="", file=sys.stderr)
            return int(ExitCode.FAILURE)
    return code


def _library_failure(error: CustomerCoreError) -> tuple[ExitCode, str, tuple[str, ...]]:
    """The code and message for a library error that a command did not handle itself."""
    if isinstance(error, ValidationError | DuplicateEmail):
        fields = getattr(error, "errors", {})
        details = tuple(f"{field}: {message}" for field, message in fields.items())
        return ExitCode.INVALID_DATA, "invalid input", details
    if isinstance(error, StorageUnavailable):
        return ExitCode.UNREACHABLE, str(error), ()
    if isinstance(error, StorageError):
        return ExitCode.STORAGE, str(error), ()
    return ExitCode.FAILURE, str(error), ()


def _fail(
    code: ExitCode, message: str, details: Sequence[str] = (), *, url: str | None = None
) -> int:
    """Print the message (the password of ``url``, and of any URL, masked); the exit code."""
    print(f"{PROG}: error: {masked(message, url)}", file=sys.stderr)
    for line in details:
        print(f"  {masked(line, url)}", file=sys.stderr)
    return int(code)
