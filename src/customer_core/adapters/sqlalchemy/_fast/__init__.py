"""The bulk import's fast paths in SQL, each next to the plain SQLAlchemy path it replaces.

Two entry points, and only these leave the package (with :class:`LegacyEmails`,
the state one of them keeps for an import):

- :func:`insert_columns` (:mod:`.bulk_insert`, with its column-at-a-time value
  conversion :mod:`.conversion`) writes the imported rows; its reference is
  :func:`reference_insert`, ``insert(table)`` with a list of dictionaries.
- :func:`existing_emails` (:mod:`.email_probe`) is the duplicate check (given a
  :class:`LegacyEmails`, it reads the rows of legacy mixed-case e-mails once per
  import); its reference is :func:`reference_existing_emails`, the folded ``lower(email)
  IN (...)`` look-up a chunk at a time.

Each fast path must store or answer exactly what its reference does (the
tests compare them on odd values and on every backend), and stays only while
the import benchmark measures it at least 1.3 times as fast as its reference
(``python -m benchmarks --only import``; figures in docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from customer_core.adapters.sqlalchemy._dialects import folded
from customer_core.adapters.sqlalchemy._fast.bulk_insert import insert_columns
from customer_core.adapters.sqlalchemy._fast.email_probe import (
    EMAIL_CHUNK,
    LegacyEmails,
    existing_emails,
)
from sqlalchemy import Connection, Table, insert, select

__all__ = [
    "LegacyEmails",
    "existing_emails",
    "insert_columns",
    "reference_existing_emails",
    "reference_insert",
]


def reference_insert(
    connection: Connection, table: Table, columns: dict[str, list[Any]], *, ids: bool = False
) -> None:
    """What :func:`insert_columns` does, the plain way: ``insert(table)`` with one dictionary
    a row, so SQLAlchemy binds every value through its type (an executemany, or
    ``insertmanyvalues`` where the dialect uses it). ``ids`` is ignored: no ids are
    returned (the imported events then read them back)."""
    names = list(columns)
    rows = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    connection.execute(insert(table), rows)


def reference_existing_emails(
    connection: Connection,
    customers: Table,
    emails: Sequence[str],
    legacy: LegacyEmails | None = None,
) -> set[str]:
    """What :func:`existing_emails` answers, the plain way: the folded e-mail (as the look-up
    of one e-mail folds it) ``IN`` each chunk of the lower-cased e-mails (``legacy``, the
    fast path's holder of legacy rows, is not used)."""
    wanted = list(dict.fromkeys(emails))
    column = folded(connection.dialect, customers.c.email)
    found: set[str] = set()
    for start in range(0, len(wanted), EMAIL_CHUNK):
        chunk = wanted[start : start + EMAIL_CHUNK]
        found.update(connection.execute(select(column).where(column.in_(chunk))).scalars())
    return found
