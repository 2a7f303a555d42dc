"""A column type's bind processing for a bulk insert, a column of values at a time.

SQLAlchemy runs a type's bind processor once per value of every row; the bulk
insert (:mod:`.bulk_insert`) converts whole columns instead, with the same
results (``tests/unit/test_bulk_types.py`` compares them value for value):

- any column: the type's own processor, called once per distinct object
  (:func:`each_object_once`: a column of flags holds two objects);
- a :class:`~customer_core.adapters.sqlalchemy.types.Timestamp` column on
  SQLite holding what the services pass (aware UTC datetimes in whole
  seconds): Laravel's text straight from the datetimes (:func:`laravel_texts`),
  without the generic processor's per-value formatting dictionary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from functools import partial
from operator import add, attrgetter
from typing import Any

from customer_core.adapters.sqlalchemy.types import Timestamp
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

__all__ = ["bulk_bind_processor", "each_object_once", "laravel_texts"]

_TIME_OF_DAY = "%02d:%02d:%02d"
_HOUR_MINUTE_SECOND = attrgetter("hour", "minute", "second")
_TZINFO = attrgetter("tzinfo")
_MICROSECOND = attrgetter("microsecond")


def bulk_bind_processor(
    column_type: TypeEngine[Any], dialect: Dialect
) -> Callable[[Sequence[Any]], list[Any]] | None:
    """What SQLAlchemy does to the values of a column of ``column_type`` before the driver
    gets them: a function from the column's values to the driver's.

    None when ``column_type.dialect_impl(dialect).bind_processor(dialect)`` is
    None (the values go as they are); otherwise that processor applied once per
    distinct object, or on SQLite for a :class:`Timestamp` column of plain UTC
    times their Laravel text (see the module doc).
    """
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    generic = partial(each_object_once, process)
    if type(column_type) is Timestamp and dialect.name == "sqlite":
        return partial(_sqlite_times, generic)
    return generic


def _sqlite_times(
    generic: Callable[[Sequence[Any]], list[Any]], values: Sequence[Any]
) -> list[Any]:
    """Laravel's text of aware UTC datetimes in whole seconds (of the exact ``datetime``
    class); any other column through ``generic``."""
    plain = (
        set(map(type, values)) == {datetime}
        and set(map(_TZINFO, values)) == {UTC}
        and not any(map(_MICROSECOND, values))
    )
    return laravel_texts(values) if plain else generic(values)


def laravel_texts(values: Sequence[datetime]) -> list[str]:
    """Laravel's ``'Y-m-d H:i:s'`` (:data:`~customer_core.adapters.sqlalchemy.types.LARAVEL_FORMAT`)
    of each datetime's wall time.

    Maps in C: the date part once per distinct day (``date.isoformat``, a
    four-digit year as ``%04d``), the time part with ``time.isoformat`` (which
    is ``HH:MM:SS`` in whole seconds; fractions take one ``%`` each).

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


def each_object_once(process: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """``[process(value) for value in values]``, calling ``process`` once per distinct object.

    For SQLAlchemy's bind processors, which give the same result for the same
    object. The objects are told apart by ``id()`` while ``values`` holds
    them, so no id is reused meanwhile.
    """
    ids = list(map(id, values))
    done = {key: process(value) for key, value in dict(zip(ids, values, strict=True)).items()}
    return list(map(done.__getitem__, ids))
