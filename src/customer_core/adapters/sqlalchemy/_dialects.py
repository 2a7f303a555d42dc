"""The few SQL expressions whose spelling depends on the dialect.

Case folding must agree with Python's ``str.lower`` (what the in-memory
adapter and the services use), on every dialect:

- SQLite's ``lower()`` folds ASCII only, so connections get ``cc_lower`` (see
  :mod:`.engine`); text searches call it only for non-ASCII values
  (:func:`matches_text`);
- MySQL/MariaDB compare with the column's ``utf8mb4_unicode_ci`` collation,
  which also ignores accents and trailing spaces; comparing the lower-cased
  value under ``utf8mb4_bin`` makes a text search exact (code points). An
  e-mail, though, is compared under the column's own collation
  (:func:`email_equals`): that is what its unique index does, so the look-up,
  the duplicate probe and the index agree (``jose@`` and ``josé@`` are one
  address there);
- PostgreSQL's ``lower()`` follows the database's ctype (``C.UTF-8`` or a
  real locale folds Unicode).

Plain SQL sent past SQLAlchemy's compiler spells its parameters the driver's
way (:func:`driver_placeholder`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    LargeBinary,
    and_,
    cast,
    func,
    literal_column,
    or_,
)
from sqlalchemy.engine import Dialect

__all__ = [
    "MYSQL_FAMILY",
    "driver_placeholder",
    "email_equals",
    "escape_like",
    "folded",
    "is_mysql",
    "matches_text",
]

LIKE_ESCAPE = "\\"
#: A driver's positional placeholder, by DB-API paramstyle (psycopg, PyMySQL and
#: mysqlclient declare ``pyformat`` or ``format`` and take ``%s`` with tuples).
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}

#: True when SQLite's ``LIKE`` does not fold ASCII case (``PRAGMA case_sensitive_like``).
_CASE_SENSITIVE_LIKE: ColumnElement[bool] = literal_column("'A'").not_like(literal_column("'a'"))


#: The dialect names of MySQL and MariaDB: a ``mysql+pymysql://`` URL gives ``mysql``
#: (whatever the server), a ``mariadb+pymysql://`` URL ``mariadb``.
MYSQL_FAMILY = ("mysql", "mariadb")


def is_mysql(dialect: Dialect) -> bool:
    """MySQL or MariaDB, whichever URL spelling named it (:data:`MYSQL_FAMILY`).

    Every MySQL-family branch of the adapter asks this, never ``dialect.name ==
    "mysql"``, which a ``mariadb+pymysql://`` engine does not match.
    """
    return dialect.name in MYSQL_FAMILY


def driver_placeholder(connection: Connection) -> str | None:
    """The driver's positional placeholder for SQL sent through ``exec_driver_sql``; None
    when such SQL would be wrong: a paramstyle not in :data:`_PLACEHOLDERS`, or a
    ``schema_translate_map``, which only SQLAlchemy's compiler applies."""
    if connection.get_execution_options().get("schema_translate_map"):
        return None
    return _PLACEHOLDERS.get(connection.dialect.paramstyle)


def folded(dialect: Dialect, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column`` lower-cased the way Python's ``str.lower`` does, compared exactly."""
    if dialect.name == "sqlite":
        return func.cc_lower(column)
    if is_mysql(dialect):
        return func.lower(column).collate("utf8mb4_bin")
    return func.lower(column)


def email_equals(dialect: Dialect, column: ColumnElement[Any], email: str) -> ColumnElement[bool]:
    """``lower(email) = :email``, finding legacy mixed-case rows.

    On MySQL/MariaDB the plain comparison, under the column's collation (Laravel's
    ``utf8mb4_unicode_ci``: case-, accent- and ``ß``/``ss``-insensitive): the one
    the unique index applies, so what this finds is exactly what a write would
    collide with.
    """
    if is_mysql(dialect):
        return column == email
    return folded(dialect, column) == email


def escape_like(text: str) -> str:
    """``text`` as a LIKE pattern matching it literally anywhere (``%``, ``_``, ``\\`` escaped)."""
    escaped = (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def matches_text(dialect: Dialect, column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """The folded column contains ``text`` (already lower-cased) literally.

    The pattern is a bound parameter, so MySQL's backslash escapes in string
    literals never apply to it; SQLAlchemy renders the ESCAPE character itself.
    On SQLite see :func:`_sqlite_matches_text`.
    """
    pattern = escape_like(text)
    if dialect.name == "sqlite" and all(char.lower() == char for char in text):
        return _sqlite_matches_text(column, pattern)
    return folded(dialect, column).like(pattern, escape=LIKE_ESCAPE)


def sqlite_not_ascii(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """SQLite: true for a value that is not pure ASCII (its bytes outnumber its characters)."""
    return func.length(cast(column, LargeBinary)) != func.length(column)


def _sqlite_matches_text(column: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
    """``cc_lower(column) LIKE :p``, calling the Python ``cc_lower`` only for non-ASCII rows.

    ``column LIKE :p OR ((length(CAST(column AS BLOB)) <> length(column)
    OR 'A' NOT LIKE 'a') AND cc_lower(column) LIKE :p)`` has the same truth
    value (NULL included) for every row, for a lower-case text; it costs about
    a third of the plain ``cc_lower`` comparison on ASCII data. Why:

    - SQLite's built-in ``LIKE`` folds ASCII letters only (a value character
      matches a pattern character if equal, or if both are ASCII and equal once
      lower-cased), so for an ASCII value ``v``, ``v LIKE :p`` is
      ``cc_lower(v) LIKE :p`` whatever the pattern.
    - ``length(CAST(v AS BLOB))`` counts bytes, ``length(v)`` characters up to
      the first NUL: in a UTF-8 database they are equal only for pure-ASCII text
      without NUL (among valid UTF-8), and for BLOB, integer and real values,
      for which ``cc_lower`` is the identity (in a UTF-16 database they always
      differ). Every other row also takes the second test, the folded comparison.
    - The first test adds no match on a non-ASCII row: a value character that
      matches a pattern character is that same character (its ``str.lower`` is
      itself, as :func:`matches_text` checks of the text) or an ASCII letter of
      the other case, so ``cc_lower(v)`` contains the text at the same place.
      A text that is not lower-case keeps the plain folded comparison.
    - Under ``PRAGMA case_sensitive_like`` the first bullet no longer holds; the
      constant ``'A' NOT LIKE 'a'`` (evaluated once per statement, not per row)
      is then true and sends every row through ``cc_lower``, as before.
    """
    not_ascii = sqlite_not_ascii(column)
    return or_(
        column.like(pattern, escape=LIKE_ESCAPE),
        and_(
            or_(not_ascii, _CASE_SENSITIVE_LIKE),
            func.cc_lower(column).like(pattern, escape=LIKE_ESCAPE),
        ),
    )
