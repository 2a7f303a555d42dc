"""Django's database errors, translated into the library's at the storage boundary.

Django wraps each driver's exception (sqlite3, psycopg, mysqlclient/PyMySQL) in
its own ``django.db`` classes and keeps the driver's as ``__cause__``; the
codes that tell a duplicate key from a lost connection are the driver's. A
library error is chained from a :class:`DriverError` that holds the first line
of the driver's message only (a PostgreSQL DETAIL can list a row's values, a
password hash among them), without the values it quotes (see
:mod:`customer_core._driver_text`): no Django or driver exception is reachable from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from django.db import Error as DjangoError
from django.db import IntegrityError, InterfaceError

from customer_core._driver_text import first_line, strip
from customer_core.errors import (
    CustomerCoreError,
    DuplicateEmail,
    StorageConflict,
    StorageError,
    StorageUnavailable,
    ValidationError,
)

__all__ = ["DriverError", "raise_translated", "translating", "unique_email"]

_PG_GONE = ("57P01", "57P02", "57P03")
_PG_CONFLICT = ("40P01", "40001", "55P03")
_PG_CANCELED = "57014"
_MYSQL_CONFLICT = {1205, 1213}
_MYSQL_GONE = {1040, 1053, 2002, 2003, 2005, 2006, 2013, 2055}
_SQLITE_CONFLICT = {5, 6}
_SQLITE_GONE = {14}
_SQLITE_UNIQUE = {1555, 2067}


class DriverError(Exception):
    """The driver's error behind a library error: its class and its message's first line."""


def _driver(error: BaseException) -> BaseException:
    return error.__cause__ if error.__cause__ is not None else error


def _cause(error: BaseException) -> DriverError:
    inner = _driver(error)
    kind = type(inner)
    cause = DriverError(f"{kind.__module__}.{kind.__qualname__}: {first_line(inner)}")
    cause.__suppress_context__ = True
    return cause


def _codes(error: BaseException) -> tuple[str | None, int | None, int | None]:
    """PostgreSQL's SQLSTATE, MySQL's error number and sqlite3's extended result code."""
    inner = _driver(error)
    state = getattr(inner, "sqlstate", None)
    args = getattr(inner, "args", ())
    mysql = args[0] if args and isinstance(args[0], int) else None
    sqlite = getattr(inner, "sqlite_errorcode", None)
    return (
        state if isinstance(state, str) else None,
        mysql,
        sqlite if isinstance(sqlite, int) else None,
    )


def is_unique_violation(error: BaseException) -> bool:
    """True when a unique key rejected the statement."""
    state, mysql, sqlite = _codes(error)
    return isinstance(error, IntegrityError) and (
        state == "23505" or mysql == 1062 or sqlite in _SQLITE_UNIQUE
    )


def translate(error: BaseException) -> CustomerCoreError:
    """The library error for a Django database error."""
    state, mysql, sqlite = _codes(error)
    line = first_line(_driver(error))
    if isinstance(error, InterfaceError) or (state or "").startswith("08"):
        return StorageUnavailable(f"storage unavailable: {line}")
    if (
        state in _PG_GONE
        or mysql in _MYSQL_GONE
        or (sqlite is not None and sqlite & 0xFF in _SQLITE_GONE)
    ):
        return StorageUnavailable(f"storage unavailable: {line}")
    timed_out = state == _PG_CANCELED and "timeout" in line
    if timed_out or state in _PG_CONFLICT or mysql in _MYSQL_CONFLICT:
        return StorageConflict(f"storage conflict: {line}")
    if sqlite is not None and sqlite & 0xFF in _SQLITE_CONFLICT:
        return StorageConflict(f"storage conflict: {line}")
    if state == "22001" or mysql == 1406:
        return ValidationError.single("value", "is too long")
    return StorageError(f"storage error: {type(_driver(error)).__name__}: {line}")


def raise_translated(failure: CustomerCoreError, error: BaseException) -> NoReturn:
    """Raise ``failure`` from the driver's description, with no ``__context__``.

    ``error`` is emptied (:func:`customer_core._driver_text.strip`): a context
    manager's frame in ``failure``'s traceback still holds it.
    """
    cause = _cause(error)
    strip(error)
    try:
        raise failure from cause
    except CustomerCoreError as raised:
        raised.__context__ = None
        raise


@contextmanager
def translating() -> Iterator[None]:
    """Run a block, turning any Django database error into a library error."""
    try:
        yield
    except DjangoError as error:
        failure, cause = translate(error), error
    else:
        return
    raise_translated(failure, cause)


@contextmanager
def unique_email(email: str) -> Iterator[None]:
    """A unique-key violation while writing ``email`` is ``DuplicateEmail`` (a lost race)."""
    try:
        yield
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        failure: CustomerCoreError = DuplicateEmail(email)
        cause = error
    else:
        return
    raise_translated(failure, cause)
