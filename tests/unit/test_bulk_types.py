"""The bulk insert's value conversion equals SQLAlchemy's, value for value.

``adapters.sqlalchemy._fast.bulk_insert.bulk_bind_processor`` converts a column of
values for a bulk insert; it must give what the column type's own bind processor
(``type.dialect_impl(dialect).bind_processor(dialect)``, what SQLAlchemy runs
for one row) gives for each value: the same values of the same types, on every
dialect the library supports. On SQLite a time's text (``types.laravel_text``)
must be what SQLAlchemy's own ``DATETIME`` formatter writes with Laravel's format.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from customer_core.adapters.sqlalchemy._fast.bulk_insert import (
    bulk_bind_processor,
    each_object_once,
)
from customer_core.adapters.sqlalchemy._types import LARAVEL_FORMAT, Money, Timestamp, laravel_text

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.pysqlite.dialect(),
    "postgresql": postgresql.psycopg.dialect(),
    "mysql": mysql.pymysql.dialect(),
    "mariadb": mysql.mariadbconnector.dialect(),
    "mysqldb": mysql.mysqldb.dialect(),
}


class Moment(datetime):
    """A datetime subclass: never taken for a plain one."""


def _typed(values: list[Any]) -> list[tuple[type, Any]]:
    """Values with their types (``1 == True == 1.0``, but the driver sees a difference)."""
    return [(type(value), value) for value in values]


def _generic(column_type: TypeEngine[Any], dialect: Dialect, values: list[Any]) -> list[Any]:
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return list(values) if process is None else [process(value) for value in values]


def _bulk(column_type: TypeEngine[Any], dialect: Dialect, values: list[Any]) -> list[Any]:
    process = bulk_bind_processor(column_type, dialect)
    return list(values) if process is None else process(values)


whole_utc = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
).map(lambda moment: moment.replace(microsecond=0, tzinfo=UTC))
any_moment = st.builds(
    lambda moment, tz: moment.replace(tzinfo=tz),
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30, 23, 59, 59, 999_999)
    ),
    st.sampled_from(
        [
            UTC,
            None,
            timezone(timedelta(0)),
            timezone(timedelta(hours=9)),
            timezone(timedelta(hours=-3, minutes=-30)),
            ZoneInfo("UTC"),
            ZoneInfo("America/New_York"),
        ]
    ),
)
time_values = st.one_of(
    whole_utc,
    whole_utc,
    any_moment,
    whole_utc.map(lambda moment: Moment.fromisoformat(moment.isoformat())),
    st.none(),
)


@PROPERTY
@given(
    value=st.one_of(
        any_moment,
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
        st.dates(),
        whole_utc.map(lambda moment: Moment.fromisoformat(moment.isoformat())),
        st.none(),
    )
)
@example(value=datetime(1, 1, 1))
@example(value=datetime(999, 12, 31, 23, 59, 59, 999_999))
@example(value=date(999, 1, 2))
def test_sqlite_time_text_is_sqlalchemys_format(value: object) -> None:
    """Every datetime, aware or not, with fractions or not, and every date."""
    formatter = sqlite.DATETIME(storage_format=LARAVEL_FORMAT).bind_processor(DIALECTS["sqlite"])
    assert laravel_text(value) == formatter(value)


def test_sqlite_time_text_refuses_what_sqlalchemy_refuses() -> None:
    """A string is not a time: a TypeError, as from SQLAlchemy's formatter."""
    with pytest.raises(TypeError):
        laravel_text("2024-01-01 00:00:00")


OTHER_TYPES: dict[str, tuple[TypeEngine[Any], st.SearchStrategy[Any]]] = {
    "boolean": (Boolean(), st.one_of(st.booleans(), st.none())),
    "money": (
        Money(),
        st.one_of(
            st.decimals(min_value=-(10**12), max_value=10**12, places=2),
            st.sampled_from([Decimal("0.00"), Decimal(0), 0, 1, "12.50", None]),
        ),
    ),
    "integer": (Integer(), st.one_of(st.integers(), st.none())),
    "string": (String(255), st.one_of(st.text(max_size=5), st.none())),
    "timestamp": (Timestamp(), time_values),
}


@PROPERTY
@given(
    kind=st.sampled_from(sorted(OTHER_TYPES)),
    dialect=st.sampled_from(sorted(DIALECTS)),
    data=st.data(),
)
def test_other_columns_convert_as_sqlalchemy_does(kind: str, dialect: str, data: Any) -> None:
    """Flags, amounts, counts, text and times: each distinct object once, the same results."""
    column_type, values = OTHER_TYPES[kind]
    column = data.draw(st.lists(values, min_size=1, max_size=20))
    # The same objects several times over, as a bulk insert's flag column holds them.
    column = column + column[::-1]
    bound = _bulk(column_type, DIALECTS[dialect], column)
    assert _typed(bound) == _typed(_generic(column_type, DIALECTS[dialect], column))


def test_each_object_once_calls_once_per_object() -> None:
    """Two objects, however many rows: two calls, the results in the rows' order."""
    calls: list[object] = []

    def process(value: object) -> object:
        calls.append(value)
        return (value,)

    first, second = date(2024, 1, 1), date(2024, 1, 1)  # equal, but two objects
    assert each_object_once(process, [first, second, first, second, first]) == [
        (first,),
        (second,),
        (first,),
        (second,),
        (first,),
    ]
    assert len(calls) == 2


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_an_empty_column_converts_to_nothing(dialect: str) -> None:
    """No values, no work (and no error)."""
    for column_type in (Timestamp(), Boolean(), Money()):
        assert _bulk(column_type, DIALECTS[dialect], []) == []
