"""Column types that store values the way Laravel does and read them back leniently.

- :class:`Timestamp`: naive UTC ``'Y-m-d H:i:s'`` on every dialect (SQLite TEXT in
  exactly that format, PostgreSQL ``timestamp(0)``, MySQL ``timestamp``); read
  back as aware UTC.
- :class:`Money`: ``decimal(15, 2)``; SQLite keeps ``numeric`` as REAL or
  INTEGER, so every value read is turned into an exact 2-place Decimal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from customer_core.adapters.sqlalchemy._dialects import MYSQL_FAMILY, is_mysql
from customer_core.clock import as_utc, stored_time
from customer_core.model import money
from sqlalchemy import BigInteger, DateTime, Integer, Numeric
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "Id",
    "Money",
    "Timestamp",
    "laravel_text",
    "read_money",
    "read_time",
]

#: Laravel's ``'Y-m-d H:i:s'``; SQLite compares these strings, so the format is the order.
LARAVEL_FORMAT = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"

#: Reads what Laravel, SQLAlchemy and ISO writers leave in SQLite; fractions are dropped
#: (stored times are whole seconds) and missing time parts read as zero.
LENIENT_SQLITE_TIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)

#: Primary and foreign keys: ``bigint unsigned`` on MySQL, ``bigint`` on PostgreSQL and
#: ``integer`` on SQLite (the only type SQLite auto-increments).
Id: TypeEngine[int] = (
    BigInteger()
    .with_variant(mysql.BIGINT(unsigned=True), *MYSQL_FAMILY)
    .with_variant(Integer(), "sqlite")
)


class _SQLiteLaravelTime(sqlite.DATETIME):
    """SQLite text in Laravel's format; parsing is left to :func:`read_time`, which never fails."""

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], str | None]:
        """:func:`laravel_text`: the base type's :data:`LARAVEL_FORMAT`, built without its
        dictionary per value (every stored time goes through it; an import has one a row)."""
        return laravel_text

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        """No driver-level parsing: legacy rows may hold text SQLAlchemy's parser rejects."""
        return


def laravel_text(value: Any) -> str | None:
    """Laravel's ``'Y-m-d H:i:s'`` of a datetime's wall time (fractions dropped, any offset
    ignored) or of a date at midnight, as :data:`LARAVEL_FORMAT` spells it.

    >>> laravel_text(datetime(999, 1, 2, 3, 4, 5, 678))
    '0999-01-02 03:04:05'
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        naive = value if value.tzinfo is None else value.replace(tzinfo=None)
        return datetime.isoformat(naive, " ", "seconds")
    if isinstance(value, date):
        return date.isoformat(value) + " 00:00:00"
    raise TypeError("SQLite DateTime type only accepts Python datetime and date objects as input.")


class Timestamp(TypeDecorator[datetime]):
    """A point in time stored as naive UTC whole seconds, read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Pick the column type Laravel's grammar emits for ``timestamp``."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteLaravelTime(storage_format=LARAVEL_FORMAT))  # type: ignore[no-untyped-call]
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(precision=0))
        if is_mysql(dialect):
            return dialect.type_descriptor(mysql.TIMESTAMP())
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware (or naive UTC) in, naive UTC whole seconds out."""
        if value is None:
            return None
        return stored_time(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Whatever the driver returns, as aware UTC."""
        return read_time(value)


class Money(TypeDecorator[Decimal]):
    """``decimal(15, 2)``, read back as an exact 2-place Decimal on every dialect."""

    impl = Numeric(15, 2)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """SQLite gets a string, as Laravel binds it, so no float rounding happens on the way in."""
        if value is None:
            return None
        amount = money(value)
        return str(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """REAL, INTEGER, TEXT or Decimal, as an exact 2-place Decimal."""
        return read_money(value)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """SQLite: a NUMERIC without SQLAlchemy's float-to-Decimal conversion (we do it)."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sqlite.NUMERIC(15, 2, asdecimal=False))
        return dialect.type_descriptor(Numeric(15, 2))


def read_money(value: Any) -> Decimal | None:
    """A stored amount (REAL, INTEGER, TEXT or Decimal) as an exact 2-place Decimal."""
    if value is None:
        return None
    if isinstance(value, Decimal | int | float | str):
        return money(value)
    return money(str(value))


def read_time(value: Any) -> datetime | None:
    """A stored time (datetime, or text in SQLite) as aware UTC; unreadable text is None.

    Laravel rows can hold anything a PHP app once wrote; reading must not fail.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    match = LENIENT_SQLITE_TIME.match(str(value))
    if match is None:
        return None
    y, mo, d, h, mi, s = (int(part) if part else 0 for part in match.groups())
    try:
        return as_utc(datetime(y, mo, d, h, mi, s))
    except ValueError:
        return None
