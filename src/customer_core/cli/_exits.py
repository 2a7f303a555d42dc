"""Exit codes of the ``customer-core`` command, and the error that carries one.

Each failure an operator can cause has its own code, so scripts can tell a
typo in a URL from a database that is down without reading the message.
"""

from __future__ import annotations

import enum

__all__ = ["CliError", "ExitCode"]


class ExitCode(enum.IntEnum):
    """What ``customer-core`` returns to the shell."""

    OK = 0
    """The command did what it was asked."""
    FAILURE = 1
    """An unexpected error (a bug: the traceback is printed)."""
    USAGE = 2
    """Bad command-line arguments (argparse's own code)."""
    BAD_URL = 3
    """The database URL cannot be parsed or names an unknown database kind."""
    UNREACHABLE = 4
    """The database cannot be reached (server down, wrong host, unopenable file)."""
    NO_SCHEMA = 5
    """A table or column the command needs is missing (run ``init-db`` first)."""
    BAD_FILE = 6
    """An input or resume file cannot be read, or is not in the expected shape."""
    INVALID_DATA = 7
    """Records in the input broke the library's rules; nothing was written."""
    STORAGE = 8
    """The database refused an operation for another reason (the message says which)."""
    MISSING_DEPENDENCY = 9
    """SQLAlchemy or the database driver the URL needs is not installed."""
    ABORTED = 10
    """The operator did not confirm an irreversible command; nothing was changed."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C or SIGTERM); finished batches are kept and the run can resume."""


class CliError(Exception):
    """An operator-facing failure: printed as one message, no traceback, with its exit code."""

    def __init__(self, code: ExitCode, message: str, *, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
