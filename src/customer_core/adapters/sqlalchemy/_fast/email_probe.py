"""Which of many e-mails stored customers already use, ignoring case: ``import_many``'s
duplicate check, without a whole-table scan per chunk.

The reference (:func:`~customer_core.adapters.sqlalchemy._fast.reference_existing_emails`)
compares the folded column, ``lower(email) IN (...)``, as the look-up of one
e-mail does; but no index serves that on SQLite (``cc_lower`` is even a
Python call per row), nor on PostgreSQL without the opt-in
``customers_lower_email_index``, so every chunk of e-mails scans the whole
table. Here a stored e-mail equal to a wanted one once lower-cased is found as
either

- that very string, which the unique index finds (``email IN (...)``), or
- a row whose e-mail is not its own lower case, a legacy mixed-case row that
  another writer (a Laravel app) stored: those are read in one pass however
  many chunks there are (:func:`_legacy_emails`).

MySQL's case-insensitive collation lets the unique index find every spelling,
and PostgreSQL with ``customers_lower_email_index`` keeps the folded look-up.

A chunk on SQLite and MySQL is plain SQL through ``exec_driver_sql``: no
compilation of its ``IN`` list, and every full chunk is the same text, which
the driver has seen before. On PostgreSQL a chunk is one JSON parameter
(:func:`_json_text_array`), however long.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from customer_core.adapters.sqlalchemy._dialects import (
    driver_placeholder,
    folded,
    is_mysql,
    sqlite_not_ascii,
)
from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSON

__all__ = ["HELD_LEGACY_ROWS", "LegacyEmails", "existing_emails"]

#: E-mails per ``IN (...)`` list: far below every driver's parameter limit.
EMAIL_CHUNK = 500
#: E-mails per PostgreSQL ``= ANY(array(... :emails ...))`` look-up (one JSON parameter,
#: however long: :func:`_json_text_array`).
EMAIL_ARRAY_CHUNK = 10_000
#: A ``pg_get_indexdef`` of a B-tree on ``lower(email)`` alone, e.g. ``CREATE INDEX
#: customers_lower_email_index ON public.customers USING btree (lower((email)::text))``.
#: Legacy rows (:class:`LegacyEmails`) held for a whole import, at most: about 10 MB.
HELD_LEGACY_ROWS = 100_000
LOWER_EMAIL_INDEX = re.compile(r"USING btree \(lower\(\(?email\)?(?:::text)?\)\)")


def existing_emails(
    connection: Connection,
    customers: Table,
    emails: Sequence[str],
    legacy: LegacyEmails | None = None,
) -> set[str]:
    """Those of ``emails`` (lower-cased) some row of ``customers`` uses, ignoring case.

    ``legacy``: the import's holder of the legacy rows, so that they are read once
    per import rather than once per call (None: read them on each call).
    """
    wanted = list(dict.fromkeys(emails))
    if not wanted:
        return set()
    indexed = _lower_email_indexed(connection, customers)
    found = _looked_up(connection, customers, wanted, folded_column=indexed) & set(wanted)
    if indexed or is_mysql(connection.dialect):
        return found
    if legacy is None:
        return found | _legacy_emails(connection, customers, set(wanted))
    return found | legacy.among(connection, customers, set(wanted))


@attrs.define
class LegacyEmails:
    """The folded e-mails of the legacy rows (:func:`_legacy_emails`), held for one import.

    Without an index that finds them, reading them is a scan of the table: once per
    window of records, a million-row import into a large table would scan it a hundred
    times. Read once at the first window instead, and kept while there are at most
    :data:`HELD_LEGACY_ROWS` of them; past that (a table another writer filled in mixed
    case), each call reads them again, narrowed to the wanted e-mails, so memory stays
    bounded. Rows this import inserts are lower case (the service folds every e-mail) and
    its own repeats are the service's to find, so the first read stays true for it; a
    mixed-case row another writer commits meanwhile is as much a race as one committed
    between a look-up and the insert.
    """

    _held: frozenset[str] | None = None
    _too_many: bool = False

    def among(self, connection: Connection, customers: Table, wanted: set[str]) -> set[str]:
        """Those of ``wanted`` that a legacy row folds to."""
        if self._held is None and not self._too_many:
            folded_rows = _legacy_folded(connection, customers, HELD_LEGACY_ROWS + 1)
            if len(folded_rows) > HELD_LEGACY_ROWS:
                self._too_many = True
            else:
                self._held = frozenset(folded_rows)
        if self._held is None:
            return _legacy_emails(connection, customers, wanted)
        return set(self._held & wanted)


def _looked_up(
    connection: Connection, customers: Table, wanted: Sequence[str], *, folded_column: bool
) -> set[str]:
    """The stored e-mails, lower-cased, that equal one of ``wanted``: ``email IN (...)``
    in chunks, or on PostgreSQL ``email`` (``lower(email)`` with ``folded_column``)
    ``= ANY(...)``.

    On MySQL the plain ``IN`` goes through the case-insensitive collation: a
    superset, which the caller narrows to ``wanted``.
    """
    size = EMAIL_ARRAY_CHUNK if connection.dialect.name == "postgresql" else EMAIL_CHUNK
    found: set[str] = set()
    for start in range(0, len(wanted), size):
        rows = _chunk_rows(connection, customers, wanted[start : start + size], folded_column)
        found.update(str(value).lower() for value in rows)
    return found


def _chunk_rows(
    connection: Connection, customers: Table, chunk: Sequence[str], folded_column: bool
) -> Iterable[Any]:
    """The stored e-mails :func:`_looked_up` finds for one chunk."""
    column = customers.c.email
    if connection.dialect.name == "postgresql":
        probe = folded(connection.dialect, column) if folded_column else column
        condition = probe == any_(_json_text_array(chunk))
        return connection.execute(select(column).where(condition)).scalars()
    marker = driver_placeholder(connection)
    if marker is None:
        return connection.execute(select(column).where(column.in_(chunk))).scalars()
    preparer = connection.dialect.identifier_preparer
    email = preparer.quote(column.name)
    statement = (
        f"SELECT {email} FROM {preparer.format_table(customers)}"
        f" WHERE {email} IN ({', '.join([marker] * len(chunk))})"
    )
    return connection.exec_driver_sql(statement, tuple(chunk)).scalars()


def _json_text_array(texts: Sequence[str]) -> ColumnElement[Any]:
    """PostgreSQL's ``array((SELECT json_array_elements_text(CAST(:emails AS JSON))))``.

    One text parameter, a short statement the driver parses once whatever the
    size, and, unlike an array parameter, no per-element work in Python
    (``json.dumps`` is C). Characters beyond ASCII go as they are, in the
    connection's encoding: ``\\uXXXX`` escapes of them are refused by a
    database whose encoding is not UTF-8.
    """
    listed = json.dumps(list(texts), ensure_ascii=False)
    document = cast(bindparam("emails", listed, type_=String()), JSON())
    return func.array(select(func.json_array_elements_text(document)).scalar_subquery())


def _legacy_emails(connection: Connection, customers: Table, wanted: set[str]) -> set[str]:
    """Those of ``wanted`` that a stored e-mail other than itself folds to (one table scan).

    Only rows whose e-mail may differ from its lower case are read, with a
    native test:

    - SQLite: ``lower()`` folds ASCII only, and the library's ``cc_lower``
      (Python's ``str.lower``) would be a Python call per row; so the rows
      read are those ``lower()`` changes plus every row that is not pure
      ASCII (``length(CAST(email AS BLOB))`` counts bytes, ``length(email)``
      characters), folded here with ``str.lower`` as ``cc_lower`` would;
    - PostgreSQL: the rows ``lower()`` changes, with their ``lower(email)``
      (the folding the look-up by e-mail uses there).

    A scan of the table, unless SQLite has the opt-in ``customers_legacy_email_index``
    (``create_performance_indexes``), a partial index of exactly the rows read here,
    whose condition is this query's as SQLAlchemy renders it (keep the two equal: SQLite
    uses a partial index only for the same expression).
    """
    return {value for value in _legacy_folded(connection, customers) if value in wanted}


def _legacy_folded(connection: Connection, customers: Table, limit: int | None = None) -> list[str]:
    """The folded e-mail of each row :func:`_legacy_emails` reads (at most ``limit`` rows)."""
    column = customers.c.email
    if connection.dialect.name == "sqlite":
        query = select(column).where(or_(column != func.lower(column), sqlite_not_ascii(column)))
        rows = connection.execute(query.limit(limit)).scalars()
        return [value.lower() for value in rows if isinstance(value, str)]
    lower = func.lower(column)
    rows = connection.execute(select(lower).where(column != lower).limit(limit)).scalars()
    return [str(value) for value in rows]


def _lower_email_indexed(connection: Connection, customers: Table) -> bool:
    """PostgreSQL with an index on ``lower(email)`` (``create_performance_indexes``)."""
    if connection.dialect.name != "postgresql":
        return False
    query = text(
        "select pg_get_indexdef(indexrelid) from pg_index"
        " where indrelid = to_regclass(:table) and indpred is null"
    )
    table = connection.dialect.identifier_preparer.format_table(customers)
    definitions = connection.execute(query, {"table": table}).scalars().all()
    return any(LOWER_EMAIL_INDEX.search(str(definition)) for definition in definitions)
