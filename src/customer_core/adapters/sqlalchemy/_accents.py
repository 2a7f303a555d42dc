"""Accent-insensitive text search in SQL: the folded column and the ``LIKE`` on it.

The expression is :func:`customer_core._accent_sql.fold_sql`, compiled for the
statement's dialect, so that PostgreSQL's performance index
(:data:`PG_ACCENT_INDEXES`) and the query spell one expression.
"""

from __future__ import annotations

from typing import Any

from customer_core._accent_sql import fold_sql
from customer_core._accents import fold_accents
from customer_core.adapters.sqlalchemy._dialects import (
    LIKE_ESCAPE,
    escape_like,
    folded,
    is_mysql,
    sqlite_not_ascii,
)
from sqlalchemy import ColumnElement, String, and_, func, literal_column, or_
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["PG_ACCENT_INDEXES", "accent_folded", "matches_folded_text"]

#: The trigram indexes that serve accent-insensitive search on PostgreSQL (``pg_trgm``).
PG_ACCENT_INDEXES = [
    f"create index if not exists customers_accents_{column}_trgm_index"
    f" on customers using gin (({fold_sql('postgresql', column)}) gin_trgm_ops)"
    for column in ("name", "email")
]

#: True when SQLite's ``LIKE`` does not fold ASCII case (``PRAGMA case_sensitive_like``).
_CASE_SENSITIVE_LIKE: ColumnElement[bool] = literal_column("'A'").not_like(literal_column("'a'"))


class accent_folded(FunctionElement[str]):
    """``column`` lower-cased and accent-folded by the one rule, on any dialect."""

    type = String()
    inherit_cache = True
    name = "accent_folded"


@compiles(accent_folded)
def _compile_accent_folded(element: accent_folded, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return fold_sql(compiler.dialect.name, compiler.process(column, **kw))


def matches_folded_text(
    dialect: Dialect, column: ColumnElement[Any], text: str
) -> ColumnElement[bool]:
    """The accent-folded column contains ``text`` (already folded) literally.

    PostgreSQL compares the folded expression alone, which its trigram index
    serves. SQLite and MariaDB scan anyway; there the fold (a Python call, or 37
    regular expressions) runs only for rows that are not pure ASCII, because an
    ASCII value folds to its plain lower-case form: ``lower(x) LIKE :p OR
    (x is not ASCII AND fold(x) LIKE :p)`` has the truth value of ``fold(x) LIKE
    :p`` for every row. A match of the first test on a non-ASCII row is also a
    match of the fold, because every character of the pattern folds to itself
    (checked below; otherwise the plain fold is used), so folding the rest of
    the value keeps the match in place.
    """
    pattern = escape_like(text)
    folded_like = accent_folded(column).like(pattern, escape=LIKE_ESCAPE)
    if not all(fold_accents(char) == char for char in text):
        return folded_like
    if dialect.name == "sqlite":
        # SQLite's LIKE folds ASCII case itself (see dialects._sqlite_matches_text).
        return or_(
            column.like(pattern, escape=LIKE_ESCAPE),
            and_(or_(sqlite_not_ascii(column), _CASE_SENSITIVE_LIKE), folded_like),
        )
    if is_mysql(dialect):
        not_ascii = func.length(column) != func.char_length(column)
        return or_(
            folded(dialect, column).like(pattern, escape=LIKE_ESCAPE),
            and_(not_ascii, folded_like),
        )
    return folded_like
