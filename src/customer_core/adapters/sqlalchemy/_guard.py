"""Checks made before a write, so that every backend rejects the same values the same way.

SQLite does not enforce ``varchar(255)`` at all, and PostgreSQL's "value too
long" does not say which column; checking lengths here gives one
``ValidationError`` naming the field on every dialect. MySQL's ``text`` holds
65 535 *bytes*, so there the limit is counted in UTF-8 bytes (the library
creates ``customer_notes.note`` as ``mediumtext`` on MySQL, see :mod:`.schema`;
a Laravel-made ``text`` column still rejects long notes, through the driver's
"data too long" error, translated into the same ``ValidationError``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from customer_core.adapters.sqlalchemy._dialects import is_mysql
from customer_core.errors import StorageError, ValidationError
from customer_core.rules import MAX_ID  # the one limit of ids, re-exported for the SQL modules
from sqlalchemy import CursorResult, String, Table, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

__all__ = [
    "MAX_ID",
    "check_column_lengths",
    "check_lengths",
    "check_many_lengths",
    "inserted_id",
]

MYSQL_TEXT_BYTES = 65_535


def _mysql_text_bytes(column_type: object) -> int:
    """How many bytes a MySQL text column of this type holds."""
    if isinstance(column_type, mysql.MEDIUMTEXT):
        return 2**24 - 1
    if isinstance(column_type, mysql.LONGTEXT):
        return 2**32 - 1
    return MYSQL_TEXT_BYTES


def inserted_id(result: CursorResult[Any]) -> int:
    """The new row's id (every supported dialect reports it for a single-row insert)."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise StorageError("the database did not report the new row's id")
    return int(key[0])


def check_lengths(
    dialect: Dialect,
    table: Table,
    values: Mapping[str, object],
    fields: Mapping[str, str] | None = None,
    prefix: str = "",
) -> None:
    """Raise ``ValidationError`` for each text value longer than its column allows.

    ``fields`` maps column names to the caller's field names (``note`` -> ``text``);
    ``prefix`` is put before them (``"17."`` for a record of a bulk call).
    """
    errors: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(value, str) or name not in table.c:
            continue
        limit = _limit(dialect, table.c[name].type, value)
        if limit is not None and limit[0] > limit[1]:
            field = (fields or {}).get(name, name)
            errors[prefix + field] = f"must be at most {limit[1]} {limit[2]}"
    if errors:
        raise ValidationError(errors)


def check_many_lengths(
    dialect: Dialect, table: Table, rows: Sequence[Mapping[str, object]]
) -> None:
    """:func:`check_lengths` of every row (prefix ``"<index>."``): the first bad row raises.

    For a bulk insert of rows with the same keys: where every column is limited
    in characters, a value costs one ``len``, and only a row over a limit goes
    through :func:`check_lengths` itself, which words the error.
    """
    limits = _character_limits(table, rows[0]) if rows else []
    if limits is None:
        for index, values in enumerate(rows):
            check_lengths(dialect, table, values, prefix=f"{index}.")
        return
    for index, values in enumerate(rows):
        for name, length in limits:
            value = values.get(name)
            if isinstance(value, str) and len(value) > length:
                check_lengths(dialect, table, values, prefix=f"{index}.")


def check_column_lengths(
    dialect: Dialect, table: Table, columns: Mapping[str, Sequence[Any]]
) -> None:
    """:func:`check_many_lengths` of rows given column by column (``columns[name][index]``).

    Where every column is limited in characters, the longest value of each
    column is found in one pass in C (``max(map(len, ...))``); only when one is
    over its limit, or a column holds something other than text, do the rows go
    through :func:`check_many_lengths`, which names the first bad row as it does
    for rows given one by one.
    """
    limits = _character_limits(table, columns)
    if limits is not None:
        try:
            within = all(
                max(map(len, filter(None, columns[name])), default=0) <= length
                for name, length in limits
            )
        except TypeError:  # something without a len(): let the row check judge it
            within = False
        if within:
            return
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    rows = [{name: columns[name][index] for name in names} for index in range(count)]
    check_many_lengths(dialect, table, rows)


def _character_limits(table: Table, names: Mapping[str, object]) -> list[tuple[str, int]] | None:
    """(column, length) of the ``String(n)`` columns among ``names``; None if one is a Text."""
    limits: list[tuple[str, int]] = []
    for name in names:
        if name not in table.c:
            continue
        column_type = table.c[name].type
        if isinstance(column_type, Text):
            return None  # bytes on MySQL: :func:`_limit` decides
        if isinstance(column_type, String) and column_type.length is not None:
            limits.append((name, column_type.length))
    return limits


def _limit(dialect: Dialect, column_type: object, value: str) -> tuple[int, int, str] | None:
    """(size of value, allowed size, unit), or None when the column has no limit."""
    if isinstance(column_type, Text):
        if is_mysql(dialect):
            limit = _mysql_text_bytes(column_type.dialect_impl(dialect))
            return len(value.encode("utf-8")), limit, "bytes"
        return None
    if isinstance(column_type, String) and column_type.length is not None:
        return len(value), column_type.length, "characters"
    return None
