"""The fast bulk insert behind ``import_many``: rows given column by column, in few statements.

SQLAlchemy's ``insert()`` with a list of rows (the reference,
:func:`~customer_core.adapters.sqlalchemy._fast.reference_insert`) processes
every value on its own and builds a dictionary per row. Here instead:

- values are converted a column at a time, each distinct object once
  (:func:`bulk_bind_processor`: a column of flags holds two objects), and a
  column holding one object in every row (the same ``updated_at``, zero
  totals) is converted once (:class:`_Constant`);
- the statement is plain SQL with the driver's placeholders and the rows are
  tuples (``exec_driver_sql``), so no compilation and no per-row dictionary;
- SQLite: multi-row ``VALUES`` lists of as many rows as its variable limit
  allows, one statement instead of one per row, a constant column bound once a
  statement (``?1``, ``?2``…, named again by each row: :func:`_sqlite_inserts`);
- PostgreSQL: every row in one JSON text, read by one ``INSERT ... SELECT``
  from ``jsonb_array_elements`` (:func:`_json_insert`), because psycopg's
  ``executemany`` does per-row work in Python where ``json.dumps`` is C, and
  ``jsonb`` is parsed once where ``json`` is parsed again by each ``->>``.

Where plain SQL is not possible (a ``schema_translate_map``, another
paramstyle: :func:`~customer_core.adapters.sqlalchemy._dialects.driver_placeholder`)
the converted rows go through an ``insert()`` of untyped columns. Every path
stores what SQLAlchemy's typed insert stores (``tests/integration/test_sql_bulk_insert.py``).
The gain of each part over the reference is measured in docs/performance.md.
"""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from itertools import repeat
from typing import Any

import attrs

from customer_core.adapters.sqlalchemy._dialects import driver_placeholder
from customer_core.adapters.sqlalchemy._guard import MAX_ID
from customer_core.adapters.sqlalchemy._types import Money, Timestamp
from sqlalchemy import Boolean, Connection, Integer, String, Table, insert
from sqlalchemy import column as untyped_column
from sqlalchemy import table as untyped_table
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

__all__ = ["bulk_bind_processor", "each_object_once", "insert_columns"]

#: Fewer rows than this a statement (an old SQLite's 999 variables): one executemany instead.
MIN_ROWS_PER_STATEMENT = 500
#: SQLite's default variable limit before 3.32.0.
SQLITE_OLD_VARIABLE_LIMIT = 999
#: The alias of the JSON rows in PostgreSQL's bulk insert.
_BULK_ROWS = "bulk_rows"
#: By column type, the PostgreSQL type a JSON text is cast to (None: a text column, no
#: cast) and the Python type its bound values must have. Only these go through JSON.
_JSON_TYPES: dict[type, tuple[str | None, type]] = {
    String: (None, str),
    Boolean: ("BOOLEAN", bool),
    Integer: ("INTEGER", int),
    Timestamp: ("TIMESTAMP WITHOUT TIME ZONE", datetime),
    Money: ("NUMERIC", Decimal),
}


@attrs.frozen
class _Constant:
    """A column's value, the same in every row (already bound-processed)."""

    value: Any


#: A column of bound values: one per row, or one for all rows.
_Bound = list[Any] | _Constant


def insert_columns(
    connection: Connection, table: Table, columns: dict[str, list[Any]], *, ids: bool = False
) -> list[int] | None:
    """Insert the rows given as ``columns[name][row]`` (every list as long, at least one
    row), by the fastest path the connection allows (see the module doc).

    With ``ids``, PostgreSQL's path returns the new rows' ids (``RETURNING id``, in no
    promised order), so that the caller need not read them back; None on other paths.
    """
    count = len(next(iter(columns.values())))
    bound = _bound_columns(connection.dialect, table, columns)
    done, new_ids = _json_insert(connection, table, bound, count, ids=ids)
    if done:
        return new_ids
    if not _driver_insert(connection, table, bound, count):
        _untyped_insert(connection, table, bound, count)
    return None


def _bound_columns(
    dialect: Dialect, table: Table, columns: dict[str, list[Any]]
) -> dict[str, _Bound]:
    """Each column's values through its type's bind processing, as SQLAlchemy would do
    it; a column holding one object in every row becomes a :class:`_Constant`."""
    bound: dict[str, _Bound] = {}
    for name, values in columns.items():
        process = bulk_bind_processor(table.c[name].type, dialect)
        first = values[0]
        if all(map(operator.is_, values, repeat(first))):
            bound[name] = _Constant(first if process is None else process([first])[0])
        else:
            bound[name] = values if process is None else process(values)
    return bound


def bulk_bind_processor(
    column_type: TypeEngine[Any], dialect: Dialect
) -> Callable[[Sequence[Any]], list[Any]] | None:
    """What SQLAlchemy does to the values of a column of ``column_type`` before the driver
    gets them: a function from the column's values to the driver's.

    None when ``column_type.dialect_impl(dialect).bind_processor(dialect)`` is
    None (the values go as they are); otherwise that processor applied once per
    distinct object (:func:`each_object_once`).
    """
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


def _every_row(column: _Bound, count: int) -> list[Any]:
    """The column's value for each of ``count`` rows (a list column is all rows already)."""
    return [column.value] * count if isinstance(column, _Constant) else column


def _insert_into(dialect: Dialect, table: Table, names: Iterable[str]) -> str:
    preparer = dialect.identifier_preparer
    quoted = ", ".join(map(preparer.quote, names))
    return f"INSERT INTO {preparer.format_table(table)} ({quoted})"


def _driver_insert(
    connection: Connection, table: Table, bound: dict[str, _Bound], count: int
) -> bool:
    """``INSERT ... VALUES (?, ?, ...)`` through ``exec_driver_sql``, the rows as tuples; on
    SQLite many rows a statement. False (nothing done) when the connection needs
    SQLAlchemy's compiler.

    The VALUES group holds placeholders only: PyMySQL folds an ``executemany``
    into one multi-row INSERT only then (with anything else in it, it sends
    one INSERT a row).
    """
    marker = driver_placeholder(connection)
    if marker is None:
        return False
    if connection.dialect.name == "sqlite" and _sqlite_inserts(connection, table, bound, count):
        return True
    row = f"({', '.join([marker] * len(bound))})"
    columns = [_every_row(column, count) for column in bound.values()]
    head = _insert_into(connection.dialect, table, bound) + " VALUES "
    per_statement = 1
    if connection.dialect.name == "sqlite":
        per_statement = _sqlite_rows_per_statement(connection, len(columns))
    if per_statement < MIN_ROWS_PER_STATEMENT:
        connection.exec_driver_sql(head + row, list(zip(*columns, strict=True)))
    else:
        _multi_row_inserts(connection, head, row, columns, per_statement)
    return True


def _sqlite_inserts(
    connection: Connection, table: Table, bound: dict[str, _Bound], count: int
) -> bool:
    """SQLite: many rows a statement, each constant column bound once a statement; False
    (nothing done) when no column varies or fewer than :data:`MIN_ROWS_PER_STATEMENT`
    rows fit.

    The constant columns come first and each row names them ``?1``, ``?2``…; a plain
    ``?`` then takes the number after the highest used so far, so the rows' own
    values follow as in a statement without constants. An import's eight constant
    columns of eleven (zero totals, the import's time, no phone) were bound and
    copied a row at a time: the statement's execution took twice as long.
    """
    constants = {name: c.value for name, c in bound.items() if isinstance(c, _Constant)}
    varying = {name: c for name, c in bound.items() if not isinstance(c, _Constant)}
    if not varying:
        return False
    per_statement = _sqlite_rows_per_statement(connection, len(varying), len(constants))
    if per_statement < MIN_ROWS_PER_STATEMENT:
        return False
    named = [f"?{number}" for number in range(1, len(constants) + 1)]
    row = f"({', '.join(named + ['?'] * len(varying))})"
    head = _insert_into(connection.dialect, table, [*constants, *varying]) + " VALUES "
    columns = [_every_row(column, count) for column in varying.values()]
    _multi_row_inserts(connection, head, row, columns, per_statement, list(constants.values()))
    return True


def _multi_row_inserts(
    connection: Connection,
    head: str,
    row: str,
    varying: list[list[Any]],
    per_statement: int,
    fixed: Sequence[Any] = (),
) -> None:
    """``head`` followed by ``per_statement`` times ``row`` a statement, the last shorter;
    each statement's values are ``fixed`` then the rows'."""
    count = len(varying[0])
    width = len(varying)
    first = len(fixed)
    for start in range(0, count, per_statement):
        rows = min(per_statement, count - start)
        # The rows' values one after the other, as the repeated "(?, ?), (?, ?)" takes them.
        flat: list[Any] = [*fixed, *repeat(None, rows * width)]
        for offset, column in enumerate(varying, first):
            flat[offset::width] = column[start : start + rows]
        connection.exec_driver_sql(head + ", ".join([row] * rows), tuple(flat))


def _sqlite_rows_per_statement(connection: Connection, width: int, reserved: int = 0) -> int:
    """How many rows of ``width`` bound values one SQLite statement may carry beside
    ``reserved`` values bound once."""
    driver: Any = connection.connection.driver_connection
    try:
        limit = int(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except (AttributeError, sqlite3.Error):  # not the stdlib driver
        limit = SQLITE_OLD_VARIABLE_LIMIT
    return max(1, (limit - reserved) // width)


def _json_insert(
    connection: Connection, table: Table, bound: dict[str, _Bound], count: int, *, ids: bool
) -> tuple[bool, list[int] | None]:
    """PostgreSQL: ``INSERT ... SELECT`` from ``jsonb_array_elements`` of one JSON text
    of every row, in the rows' order. False (nothing done) elsewhere, when the
    connection needs SQLAlchemy's compiler, or when a column has no exact JSON
    form (:func:`_json_column`).

    Each value arrives as the text PostgreSQL would parse had it been bound
    (a text column takes the JSON string as it is, so an assignment that is too
    long still fails instead of being cut), cast to the column's type: the
    stored values are the ones ``executemany`` stores. With ``ids``: ``RETURNING id``, and
    the ids come back with True.
    """
    marker = driver_placeholder(connection)
    if connection.dialect.name != "postgresql" or marker is None:
        return False, None
    selected: list[str] = []
    sources: list[list[Any]] = []
    for name, column in bound.items():
        # A constant is converted once, then repeated.
        converted = _json_column(table.c[name].type, _every_row(column, 1))
        if converted is None:
            return False, None
        values, sql_type = converted
        source = f"{_BULK_ROWS}.value->>{len(sources)}"
        selected.append(source if sql_type is None else f"CAST({source} AS {sql_type})")
        sources.append(values * count if isinstance(column, _Constant) else values)
    document = json.dumps(list(zip(*sources, strict=True)), ensure_ascii=False)
    statement = (
        f"{_insert_into(connection.dialect, table, bound)}"
        f" SELECT {', '.join(selected)}"
        f" FROM jsonb_array_elements(CAST({marker} AS JSONB))"
        f" WITH ORDINALITY AS {_BULK_ROWS}(value, position)"
        f" ORDER BY {_BULK_ROWS}.position"
    )
    if not ids:
        connection.exec_driver_sql(statement, (document,))
        return True, None
    returned = connection.exec_driver_sql(f"{statement} RETURNING id", (document,))
    return True, [int(row_id) for row_id in returned.scalars()]


def _json_column(column_type: object, values: list[Any]) -> tuple[list[Any], str | None] | None:
    """A column's bound values as JSON values whose text PostgreSQL parses back into
    them, and the type to cast that text to; None when there is no such form.

    Text, flags and 64-bit integers are JSON as they are (``->>`` gives their text:
    ``true``, ``12``); naive datetimes in whole seconds are Laravel's
    ``'Y-m-d H:i:s'`` (``isoformat(" ")``, whose year has four digits);
    finite Decimals their ``str``.
    """
    if type(column_type) not in _JSON_TYPES:
        return None
    sql_type, kind = _JSON_TYPES[type(column_type)]
    present = [value for value in values if value is not None]
    kinds = set(map(type, present))
    if not kinds:
        return values, sql_type
    if kinds != {kind}:
        return None
    if kind is int and (min(present) < -MAX_ID or max(present) > MAX_ID):
        return None
    if kind is Decimal:
        if not all(value.is_finite() for value in present):
            return None
        return [value if value is None else str(value) for value in values], sql_type
    if kind is datetime:
        if {value.tzinfo for value in present} != {None} or any(v.microsecond for v in present):
            return None
        return [value if value is None else value.isoformat(" ") for value in values], sql_type
    return values, sql_type


def _untyped_insert(
    connection: Connection, table: Table, bound: dict[str, _Bound], count: int
) -> None:
    """The values, already in the driver's types, through an ``insert()`` of untyped columns."""
    untyped = untyped_table(table.name, *map(untyped_column, bound), schema=table.schema)
    lists = [_every_row(column, count) for column in bound.values()]
    rows = [dict(zip(bound, row, strict=True)) for row in zip(*lists, strict=True)]
    connection.execute(insert(untyped), rows)
