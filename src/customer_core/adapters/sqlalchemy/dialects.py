"""The few SQL expressions whose spelling depends on the dialect.

Case folding must agree with Python's ``str.lower`` (what the in-memory
adapter and the services use), on every dialect:

- SQLite's ``lower()`` folds ASCII only, so connections get ``cc_lower`` (see
  :mod:`.engine`);
- MySQL/MariaDB compare with the column's ``utf8mb4_unicode_ci`` collation,
  which also ignores accents and trailing spaces; comparing the lower-cased
  value under ``utf8mb4_bin`` makes the comparison exact (code points);
- PostgreSQL's ``lower()`` follows the database's ctype (``C.UTF-8`` or a
  real locale folds Unicode).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func
from sqlalchemy.engine import Dialect

__all__ = ["email_equals", "escape_like", "folded", "is_mysql", "matches_text"]

LIKE_ESCAPE = "\\"


def is_mysql(dialect: Dialect) -> bool:
    """MySQL or MariaDB (SQLAlchemy names MariaDB ``mysql`` through ``mysql+pymysql``)."""
    return dialect.name in ("mysql", "mariadb")


def folded(dialect: Dialect, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column`` lower-cased the way Python's ``str.lower`` does, compared exactly."""
    if dialect.name == "sqlite":
        return func.cc_lower(column)
    if is_mysql(dialect):
        return func.lower(column).collate("utf8mb4_bin")
    return func.lower(column)


def email_equals(dialect: Dialect, column: ColumnElement[Any], email: str) -> ColumnElement[bool]:
    """``lower(email) = :email``, finding legacy mixed-case rows.

    On MySQL the plain comparison first narrows through the (case-insensitive)
    unique index; the folded one then makes it exact.
    """
    exact = folded(dialect, column) == email
    if is_mysql(dialect):
        return and_(column == email, exact)
    return exact


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
    """
    return folded(dialect, column).like(escape_like(text), escape=LIKE_ESCAPE)
