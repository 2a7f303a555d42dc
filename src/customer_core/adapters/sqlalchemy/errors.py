"""Driver errors, translated into the library's errors at the adapter boundary.

SQLAlchemy wraps each driver's exception (sqlite3, psycopg, PyMySQL) in its
own classes; the codes that tell a duplicate key from a lost connection are
still the driver's, so they are read here, and nowhere else.

A library error is chained from :class:`DriverError`, never from SQLAlchemy's
exception: that one's text carries the statement's parameters (a password hash
among them), and a PostgreSQL error's DETAIL can list a failing row's values, so
neither the message nor the formatted traceback of a library error shows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

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
    "driver_cause",
    "is_foreign_key_violation",
    "is_unique_violation",
    "translate",
    "translating",
]

# PostgreSQL SQLSTATEs: class 08 is "connection exception"; 57P0x the server going away.
_PG_GONE = ("57P01", "57P02", "57P03")
# PostgreSQL deadlock_detected and serialization_failure; MySQL/MariaDB deadlock and lock
# wait timeout (InnoDB rolls back the statement, the library's transaction the rest).
_PG_CONFLICT = ("40P01", "40001")
_MYSQL_CONFLICT = {1205, 1213}
# PyMySQL / MariaDB client and server codes for "cannot reach" / "server has gone away" /
# "lost connection" / "too many connections" / "shutdown in progress".
_MYSQL_GONE = {1040, 1053, 2002, 2003, 2005, 2006, 2013, 2055}
# sqlite3 primary result codes: BUSY, LOCKED (retry may help), CANTOPEN.
_SQLITE_GONE = {5, 6, 14}
_SQLITE_UNIQUE = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE
_SQLITE_FOREIGN_KEY = 787  # SQLITE_CONSTRAINT_FOREIGNKEY
# MySQL says "for column 'note'"; MariaDB "for column `db`.`customer_notes`.`note`".
_MYSQL_COLUMN = re.compile(r"column ([`'\w.]+)")
# 1406: data too long; 1366: incorrect string value (MariaDB's answer when a too long
# multi-byte text would be cut inside a character).
_MYSQL_BAD_VALUE = {1366: "cannot be stored", 1406: "is too long"}


class DriverError(Exception):
    """The driver's error behind a library error: its class and the first line of its message.

    Only the first line: the rest of a PostgreSQL message (DETAIL) may hold a row's values.
    """


def driver_cause(error: BaseException) -> BaseException:
    """What to chain a library error from (``raise ... from driver_cause(error)``).

    For a statement's error, a :class:`DriverError` naming the driver's error, with the
    traceback of the statement's execution; any other error is its own cause.
    """
    if not isinstance(error, exc.StatementError):
        return error
    orig = error.orig
    name = type(error).__name__ if orig is None else _qualified_name(orig)
    text = "" if orig is None else f": {_first_line(orig)}"
    return DriverError(f"{name}{text}").with_traceback(error.__traceback__)


def _qualified_name(error: BaseException) -> str:
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}"


def _first_line(error: object) -> str:
    return str(error).split("\n", 1)[0].strip()


def _sqlstate(error: exc.DBAPIError) -> str | None:
    """PostgreSQL's SQLSTATE (psycopg), or None for other drivers."""
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
        return code & 0xFF in _SQLITE_GONE
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all.
    return isinstance(error, exc.OperationalError) and "psycopg" in type(error.orig).__module__


def _is_conflict(error: exc.DBAPIError) -> bool:
    """True when the statement lost a deadlock or timed out waiting for another's lock."""
    return _sqlstate(error) in _PG_CONFLICT or _mysql_code(error) in _MYSQL_CONFLICT


def _too_long(error: exc.DBAPIError, columns: Mapping[str, str]) -> ValidationError | None:
    """A value longer than its column, naming the field when the driver says which."""
    if _sqlstate(error) == "22001":
        return ValidationError.single("value", "is too long")
    code = _mysql_code(error)
    if code in _MYSQL_BAD_VALUE:
        match = _MYSQL_COLUMN.search(str(error.orig))
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
            return StorageUnavailable(f"storage unavailable: {_first_line(error.orig)}")
        if _is_conflict(error):
            return StorageConflict(f"storage conflict: {_first_line(error.orig)}")
        too_long = _too_long(error, columns or {})
        if too_long is not None:
            return too_long
        return StorageError(
            f"storage error: {type(error.orig).__name__}: {_first_line(error.orig)}"
        )
    # A statement's error: the text of the error it wraps, without the statement's parameters.
    inner = error.orig if isinstance(error, exc.StatementError) and error.orig else error
    return StorageError(f"storage error: {type(inner).__name__}: {_first_line(inner)}")


@contextmanager
def translating(columns: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a block, turning any SQLAlchemy or driver error into a library error."""
    try:
        yield
    except CustomerCoreError:
        raise
    except (exc.SQLAlchemyError, UnicodeError, OverflowError) as error:
        raise translate(error, columns) from driver_cause(error)
