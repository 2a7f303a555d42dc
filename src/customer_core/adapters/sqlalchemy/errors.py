"""Driver errors, translated into the library's errors at the adapter boundary.

SQLAlchemy wraps each driver's exception (sqlite3, psycopg, PyMySQL) in its
own classes; the codes that tell a duplicate key from a lost connection are
still the driver's, so they are read here, and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from customer_core.errors import (
    CustomerCoreError,
    StorageError,
    StorageUnavailable,
    ValidationError,
)
from sqlalchemy import exc

__all__ = [
    "is_foreign_key_violation",
    "is_unique_violation",
    "translate",
    "translating",
]

# PostgreSQL SQLSTATEs: class 08 is "connection exception"; 57P0x the server going away.
_PG_GONE = ("57P01", "57P02", "57P03")
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
            return StorageUnavailable(f"storage unavailable: {error.orig}")
        too_long = _too_long(error, columns or {})
        if too_long is not None:
            return too_long
        return StorageError(f"storage error: {type(error.orig).__name__}: {error.orig}")
    return StorageError(f"storage error: {type(error).__name__}: {error}")


@contextmanager
def translating(columns: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a block, turning any SQLAlchemy or driver error into a library error."""
    try:
        yield
    except CustomerCoreError:
        raise
    except (exc.SQLAlchemyError, UnicodeError, OverflowError) as error:
        raise translate(error, columns) from error
