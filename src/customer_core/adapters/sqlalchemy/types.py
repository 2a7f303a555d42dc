"""Column types that store values the way Laravel does and read them back leniently.

- :class:`Timestamp`: naive UTC ``'Y-m-d H:i:s'`` on every dialect (SQLite TEXT in
  exactly that format, PostgreSQL ``timestamp(0)``, MySQL ``timestamp``); read
  back as aware UTC.
- :class:`Money`: ``decimal(15, 2)``; SQLite keeps ``numeric`` as REAL or
  INTEGER, so every value read is turned into an exact 2-place Decimal.
- :func:`bulk_bind_processor`: a column type's bind processing for a bulk insert,
  a column at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import partial
from operator import add, attrgetter, methodcaller
from typing import Any

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
    "bulk_bind_processor",
    "each_object_once",
    "laravel_texts",
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
    .with_variant(mysql.BIGINT(unsigned=True), "mysql", "mariadb")
    .with_variant(Integer(), "sqlite")
)


class _SQLiteLaravelTime(sqlite.DATETIME):
    """SQLite text in Laravel's format; parsing is left to :func:`read_time`, which never fails."""

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        """No driver-level parsing: legacy rows may hold text SQLAlchemy's parser rejects."""
        return


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
        if dialect.name in ("mysql", "mariadb"):
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

    def bulk_processor(self, dialect: Dialect) -> Callable[[Sequence[Any]], list[Any]]:
        """The bind processing of this type for a column of values: the list of
        ``self.dialect_impl(dialect).bind_processor(dialect)(value)`` for each.

        A column of what the services pass (aware UTC datetimes in whole seconds,
        of the exact ``datetime`` class) is stored as it is, so it skips
        :meth:`process_bind_param`: on SQLite it becomes :func:`laravel_texts`,
        elsewhere naive datetimes. Any other column goes value by value through
        the generic processing, once per distinct object.
        """
        typed = self.dialect_impl(dialect)
        full = typed.bind_processor(dialect)
        if full is None:  # pragma: no cover - a TypeDecorator with process_bind_param has one
            raise TypeError("Timestamp has no bind processor")
        impl_type: Any = typed.impl_instance  # type: ignore[attr-defined]
        sqlite_text = dialect.name == "sqlite" and isinstance(impl_type, _SQLiteLaravelTime)
        naive_out = impl_type.bind_processor(dialect)

        def process(values: Sequence[Any]) -> list[Any]:
            plain = (
                set(map(type, values)) == {datetime}
                and set(map(_TZINFO, values)) == {UTC}
                and not any(map(_MICROSECOND, values))
            )
            if not plain:
                return each_object_once(full, values)
            if sqlite_text:
                return laravel_texts(values)
            naive = list(map(_NAIVE, values))
            return naive if naive_out is None else list(map(naive_out, naive))

        return process


def laravel_texts(values: Sequence[datetime]) -> list[str]:
    """Laravel's ``'Y-m-d H:i:s'`` (:data:`LARAVEL_FORMAT`) of each datetime's wall time.

    Maps in C: the date part once per distinct day (``date.isoformat``, a
    four-digit year as ``%04d``), the time part with ``time.isoformat`` (which
    is ``HH:MM:SS`` in whole seconds; fractions take one ``%`` each); less than
    half what the format's dictionary costs.

    >>> laravel_texts([datetime(999, 1, 2, 3, 4, 5)])
    ['0999-01-02 03:04:05']
    """
    days = list(map(datetime.toordinal, values))
    dates = {day: date.fromordinal(day).isoformat() + " " for day in set(days)}
    if any(map(_MICROSECOND, values)):
        times = map(_TIME_OF_DAY.__mod__, map(_HOUR_MINUTE_SECOND, values))
    else:
        times = map(time.isoformat, map(datetime.time, values))
    return list(map(add, map(dates.__getitem__, days), times))


_TIME_OF_DAY = "%02d:%02d:%02d"
_HOUR_MINUTE_SECOND = attrgetter("hour", "minute", "second")
_TZINFO = attrgetter("tzinfo")
_MICROSECOND = attrgetter("microsecond")
_NAIVE = methodcaller("replace", tzinfo=None)


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


def bulk_bind_processor(
    column_type: TypeEngine[Any], dialect: Dialect
) -> Callable[[Sequence[Any]], list[Any]] | None:
    """What SQLAlchemy does to the values of a column of ``column_type`` before the driver
    gets them, for a bulk insert: a function from the column's values to the driver's.

    None when ``column_type.dialect_impl(dialect).bind_processor(dialect)`` is
    None (the values go as they are); otherwise that processor applied once per
    distinct object (:func:`each_object_once`: a column of flags holds two), or
    for a :class:`Timestamp` its :meth:`Timestamp.bulk_processor`, which gives
    the same values faster.
    """
    if type(column_type) is Timestamp:
        return column_type.bulk_processor(dialect)
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    return partial(each_object_once, process)


def each_object_once(process: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """``[process(value) for value in values]``, calling ``process`` once per distinct object.

    For SQLAlchemy's bind processors, which give the same result for the same
    object. The objects are told apart by ``id()`` while ``values`` holds
    them, so no id is reused meanwhile.
    """
    ids = list(map(id, values))
    done = {key: process(value) for key, value in dict(zip(ids, values, strict=True)).items()}
    return list(map(done.__getitem__, ids))


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
