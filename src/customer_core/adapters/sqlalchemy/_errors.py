"""Driver errors, translated into the library's errors at the adapter boundary.

SQLAlchemy wraps each driver's exception (sqlite3, psycopg, PyMySQL) in its
own classes; the codes that tell a duplicate key from a lost connection are
still the driver's, so they are read here, and nowhere else.

A library error is chained from :class:`DriverError`, never from SQLAlchemy's
exception: that one's text carries the statement's parameters (a password hash
among them), and a PostgreSQL error's DETAIL can list a failing row's values, so
neither the message nor the formatted traceback of a library error shows them.
Neither ``__cause__`` nor ``__context__`` of a library error holds a SQLAlchemy
or driver exception (see :func:`translating`).

One meaning, one class (the table is in docs/explanation.md): a lock wait that
timed out and a lost deadlock are :class:`StorageConflict` on every database
(retrying may succeed); a server that cannot be reached is
:class:`StorageUnavailable`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import NoReturn

from customer_core._driver_text import clear_frames, first_line, strip
from customer_core.errors import (
    CustomerCoreError,
    StorageConflict,
    StorageError,
    StorageUnavailable,
    ValidationError,
)
from sqlalchemy import exc

__all__ = [
    "DriverError",
    "detached",
    "driver_cause",
    "is_foreign_key_violation",
    "is_unique_violation",
    "raise_detached",
    "translate",
    "translating",
]

# PostgreSQL SQLSTATEs: class 08 is "connection exception"; 57P0x the server going away.
_PG_GONE = ("57P01", "57P02", "57P03")
# PostgreSQL deadlock_detected, serialization_failure and lock_not_available (lock_timeout,
# NOWAIT); MySQL/MariaDB lock wait timeout (rows: innodb_lock_wait_timeout; metadata and
# LOCK TABLES: lock_wait_timeout) and deadlock (InnoDB rolls back the statement, the
# library's transaction the rest).
_PG_CONFLICT = ("40P01", "40001", "55P03")
# query_canceled is a conflict only when a timeout cancelled it, not a user's cancel.
_PG_CANCELED = "57014"
# 1969 (MariaDB max_statement_time) and 3024 (MySQL max_execution_time): a statement
# timeout, a conflict as PostgreSQL's 57014 from statement_timeout.
_MYSQL_CONFLICT = {1205, 1213, 1969, 3024}
# PyMySQL / MariaDB client and server codes for "cannot reach" / "server has gone away" /
# "lost connection" / "too many connections" (1040 the server's, 1226 the user's
# max_user_connections) / "shutdown in progress".
_MYSQL_GONE = {1040, 1053, 1226, 2002, 2003, 2005, 2006, 2013, 2055}
# sqlite3 primary result codes: BUSY and LOCKED (another connection holds the lock for
# longer than the busy timeout: a conflict), CANTOPEN (the file cannot be reached).
_SQLITE_CONFLICT = {5, 6}
_SQLITE_GONE = {14}
_SQLITE_UNIQUE = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE
_SQLITE_FOREIGN_KEY = 787  # SQLITE_CONSTRAINT_FOREIGNKEY
# MySQL says "for column 'note'"; MariaDB "for column `db`.`customer_notes`.`note`".
_MYSQL_COLUMN = re.compile(r"column ([`'\w.]+)")
# 1406: data too long; 1366: incorrect string value (MariaDB's answer when a too long
# multi-byte text would be cut inside a character).
_MYSQL_BAD_VALUE = {1366: "cannot be stored", 1406: "is too long"}


class DriverError(Exception):
    """The driver's error behind a library error: its class and the first line of its message.

    Only the first line (the rest of a PostgreSQL message, DETAIL, may hold a row's
    values), and no quoted value in it (see :mod:`customer_core._driver_text`).
    """


def driver_cause(error: BaseException) -> DriverError:
    """What to chain a library error from (``raise ... from driver_cause(error)``).

    A :class:`DriverError` naming the driver's (or SQLAlchemy's) error with the first
    line of its message and the traceback of where it was raised; it has no chain of
    its own, so no SQLAlchemy or driver exception object is reachable from it.

    ``error`` is emptied (see :func:`customer_core._driver_text.strip`): a
    ``StatementError`` keeps no ``.params`` (a password hash among them), statement or
    driver's exception, since a context manager's frame in the library error's traceback
    still holds it, and an error tracker that records local variables (Sentry's
    default) would send it. Call it last, after :func:`translate`.
    """
    orig = error.orig if isinstance(error, exc.StatementError) else None
    inner = orig if orig is not None else error
    cause = DriverError(f"{_qualified_name(inner)}: {first_line(inner)}")
    cause.__cause__ = cause.__context__ = None
    cause.__suppress_context__ = True
    cause = cause.with_traceback(error.__traceback__)
    if orig is not None:
        strip(orig)
    if isinstance(error, exc.StatementError):
        error.params = error.statement = error.orig = None
    strip(error)
    return cause


def detached(error: CustomerCoreError) -> CustomerCoreError:
    """``error`` without the implicit ``__context__`` Python gave it on raise.

    Python sets ``__context__`` to the exception being handled whenever one is
    raised, even with ``raise ... from``; the driver's exception must not stay there.
    Call it on a caught library error right before a bare ``raise`` (which keeps it).
    The finished library and SQLAlchemy calls in its tracebacks lose their locals too.
    """
    context = error.__context__
    if context is not None and not isinstance(context, CustomerCoreError | DriverError):
        error.__context__ = None
        error.__suppress_context__ = True
    for linked in (error, error.__cause__):
        if linked is not None:
            clear_frames(linked.__traceback__, _LIBRARY_MODULES)
    return error


#: The modules whose finished calls lose their locals in a library error's traceback:
#: a repository that raised one keeps the row it was writing (a password hash among its
#: values) in its frame, and error trackers record frames' locals (Sentry's default).
_LIBRARY_MODULES = ("customer_core.", "sqlalchemy.")


def _qualified_name(error: BaseException) -> str:
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}"


def _sqlstate(error: exc.DBAPIError) -> str | None:
    """PostgreSQL's SQLSTATE (psycopg, or asyncpg through SQLAlchemy's adapter), or None
    for other drivers.

    Newer PyMySQL errors carry a ``sqlstate`` too (1226's is ``42000``): MySQL errors
    are told apart by their number, so only PostgreSQL drivers' is read here.
    """
    module = type(error.orig).__module__
    if not (module.startswith("psycopg") or module.endswith("postgresql.asyncpg")):
        return None
    state = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def _mysql_code(error: exc.DBAPIError) -> int | None:
    """PyMySQL's error number, the first argument of its exceptions."""
    args = getattr(error.orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def _sqlite_code(error: exc.DBAPIError) -> int | None:
    """sqlite3's extended result code (Python 3.11+)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def is_unique_violation(error: exc.DBAPIError) -> bool:
    """True when a unique key rejected the statement."""
    if not isinstance(error, exc.IntegrityError):
        return False
    sqlite_code = _sqlite_code(error)
    return (
        _sqlstate(error) == "23505"
        or _mysql_code(error) == 1062
        or (sqlite_code is not None and sqlite_code in _SQLITE_UNIQUE)
    )


def is_foreign_key_violation(error: exc.DBAPIError) -> bool:
    """True when a foreign key rejected the statement."""
    if not isinstance(error, exc.IntegrityError):
        return False
    return (
        _sqlstate(error) == "23503"
        or _mysql_code(error) in (1216, 1452)
        or _sqlite_code(error) == _SQLITE_FOREIGN_KEY
    )


def _is_unavailable(error: exc.DBAPIError) -> bool:
    """True when the server could not be reached or the connection was lost."""
    if error.connection_invalidated or isinstance(error, exc.InterfaceError):
        return True
    state = _sqlstate(error)
    if state is not None:
        return state.startswith("08") or state in _PG_GONE
    if _mysql_code(error) in _MYSQL_GONE:
        return True
    code = _sqlite_code(error)
    if code is not None:
        return code & 0xFF in _SQLITE_GONE and not isinstance(error, exc.IntegrityError)
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all.
    return isinstance(error, exc.OperationalError) and "psycopg" in type(error.orig).__module__


def _is_conflict(error: exc.DBAPIError) -> bool:
    """True when the statement lost a deadlock or timed out waiting for another's lock."""
    state = _sqlstate(error)
    if state == _PG_CANCELED:
        return "timeout" in first_line(error.orig)
    code = _sqlite_code(error)
    return (
        state in _PG_CONFLICT
        or _mysql_code(error) in _MYSQL_CONFLICT
        or (code is not None and code & 0xFF in _SQLITE_CONFLICT)
    )


def _too_long(error: exc.DBAPIError, columns: Mapping[str, str]) -> ValidationError | None:
    """A value longer than its column, naming the field when the driver says which."""
    if _sqlstate(error) == "22001":
        return ValidationError.single("value", "is too long")
    code = _mysql_code(error)
    if code in _MYSQL_BAD_VALUE:
        # In the text without the value, which could hold "column" itself.
        match = _MYSQL_COLUMN.search(first_line(error.orig))
        column = match.group(1).split(".")[-1].strip("`'") if match else "value"
        return ValidationError.single(columns.get(column, column), _MYSQL_BAD_VALUE[code])
    return None


def translate(error: Exception, columns: Mapping[str, str] | None = None) -> CustomerCoreError:
    """The library error for a SQLAlchemy or driver error; ``columns`` maps column to field."""
    if isinstance(error, CustomerCoreError):
        return error
    if isinstance(error, exc.DisconnectionError | exc.TimeoutError):
        return StorageUnavailable(f"storage unavailable: {type(error).__name__}")
    if isinstance(error, exc.DBAPIError):
        if _is_unavailable(error):
            return StorageUnavailable(f"storage unavailable: {first_line(error.orig)}")
        if _is_conflict(error):
            return StorageConflict(f"storage conflict: {first_line(error.orig)}")
        too_long = _too_long(error, columns or {})
        if too_long is not None:
            return too_long
        return StorageError(f"storage error: {type(error.orig).__name__}: {first_line(error.orig)}")
    # A statement's error: the text of the error it wraps, without the statement's parameters.
    inner = error.orig if isinstance(error, exc.StatementError) and error.orig else error
    return StorageError(f"storage error: {type(inner).__name__}: {first_line(inner)}")


@contextmanager
def translating(columns: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a block, turning any SQLAlchemy or driver error into a library error.

    The library error's cause is a :class:`DriverError`, and its ``__context__`` is
    cleared (see :func:`detached`): nothing in its chain is the driver's exception.
    """
    try:
        yield
    except CustomerCoreError as error:
        detached(error)
        raise
    except (exc.SQLAlchemyError, UnicodeError, OverflowError) as error:
        failure, cause = translate(error, columns), driver_cause(error)
    else:
        return
    raise_detached(failure, cause)


def raise_detached(failure: CustomerCoreError, cause: DriverError) -> NoReturn:
    """Raise ``failure`` from ``cause`` with no ``__context__`` (see :func:`detached`)."""
    try:
        raise failure from cause
    except CustomerCoreError as raised:
        detached(raised)
        raise
