"""The accent-folding rule spelled in SQL, for both SQL adapters (SQLAlchemy and Django).

Plain text with no import of either, so that the two adapters render the very
same expression: on PostgreSQL the planner matches a query's expression against
the performance index's expression, and both come from :func:`fold_sql`.

Each dialect applies :func:`customer_core._accents.accent_map` exactly:

- PostgreSQL: ``translate(lower(x), from, to)`` maps every one-character
  replacement of a lower-case letter and deletes the combining marks (``from``
  is longer than ``to``);
  ``replace()`` then expands the letters that become two (``ß`` → ``ss``); a
  value of printable ASCII is only lower-cased (``CASE WHEN x !~ '[^ -~]'``).
  Every function and operator there is ``IMMUTABLE``, so the expression can be
  indexed as it is, without a wrapper function (which would need ``CREATE`` on
  a schema).
- MySQL/MariaDB: one ``REGEXP_REPLACE`` per target, with a character class of
  its sources (37 calls; one nested ``REPLACE`` per character, 700 deep,
  overruns MariaDB's thread stack), on ``lower(x)`` under ``utf8mb4_bin`` so
  the classes compare code points, not the column's accent-insensitive
  collation.
- SQLite: ``cc_fold(x)``, the Python :func:`~customer_core._accents.fold_accents`
  registered on the library's connections (deterministic, and never used in an
  index or anything stored, so Laravel's PHP never has to evaluate it).

The constants are inlined as SQL literals, not bound: a bound ``from`` string
would keep PostgreSQL's generic plans from matching the index expression.
They hold no quote, backslash or ``%`` (checked by the unit tests), so no
dialect's escaping or a driver's paramstyle can change them.
"""

from __future__ import annotations

from customer_core._accents import ACCENT_FOLDS, COMBINING_MARKS

__all__ = ["MYSQL_NAMES", "fold_sql", "sql_literal"]

#: Dialect names (SQLAlchemy) and vendors (Django) of the MySQL family.
MYSQL_NAMES = frozenset({"mysql", "mariadb"})

#: PostgreSQL's spelling lists only the lower-case entries: its lower() (a UTF-8 ctype,
#: which the accent-sensitive search relies on too) has already mapped every capital
#: of the table to one, and each entry costs translate() time on every character.
_LOWER = {
    target: "".join(source for source in sources if source.lower() == source)
    for target, sources in ACCENT_FOLDS.items()
}
_SINGLE = {target: sources for target, sources in _LOWER.items() if len(target) == 1}
_EXPANSIONS = [
    (source, target) for target, sources in _LOWER.items() if len(target) > 1 for source in sources
]
#: translate() looks each character up in ``from`` from its start, so the characters
#: met most come first: the ASCII of names and e-mails mapped to themselves (by letter
#: frequency), then the map by code point (Latin-1 before the rarer blocks), then the
#: marks, deleted. 4x faster than the map alone on a non-ASCII name (measured).
_ASCII_FIRST = "eainorstlucdmphgbfvkwyzjxq0123456789 .@-_"
_BY_CODE_POINT = sorted(
    (source, target) for target, sources in _SINGLE.items() for source in sources
)
_TRANSLATE_FROM = _ASCII_FIRST + "".join(source for source, _ in _BY_CODE_POINT) + COMBINING_MARKS
_TRANSLATE_TO = _ASCII_FIRST + "".join(target for _, target in _BY_CODE_POINT)
#: A character that is not printable ASCII (space to tilde).
_NOT_PRINTABLE_ASCII = "[^ -~]"


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal; refuses what would need escaping anywhere."""
    if any(char in text for char in "'\\%\0"):
        raise ValueError(f"not a plain SQL literal: {text!r}")
    return f"'{text}'"


def fold_sql(dialect: str, column_sql: str) -> str:
    """The SQL of ``column_sql`` folded by the accent rule, on ``dialect`` (name or vendor).

    PostgreSQL's spelling is the default: standard functions that CockroachDB
    and others share.
    """
    if dialect == "sqlite":
        return f"cc_fold({column_sql})"
    if dialect in MYSQL_NAMES:
        return _mysql_fold(column_sql)
    return _postgres_fold(column_sql)


def _postgres_fold(column_sql: str) -> str:
    folded = (
        f"translate(lower({column_sql}), "
        f"{sql_literal(_TRANSLATE_FROM)}, {sql_literal(_TRANSLATE_TO)})"
    )
    for source, target in _EXPANSIONS:
        folded = f"replace({folded}, {sql_literal(source)}, {sql_literal(target)})"
    # translate() still costs 5 µs for a 20-character value: a value of printable
    # ASCII only, which folds to its lower-case form, skips it. A regular expression,
    # not octet_length = char_length, so that it holds in any server encoding.
    ascii_only = f"{column_sql} !~ {sql_literal(_NOT_PRINTABLE_ASCII)}"
    return f"case when {ascii_only} then lower({column_sql}) else {folded} end"


def _mysql_fold(column_sql: str) -> str:
    folded = f"lower({column_sql}) collate utf8mb4_bin"
    for target, sources in ACCENT_FOLDS.items():
        folded = f"regexp_replace({folded}, {sql_literal(f'[{sources}]')}, {sql_literal(target)})"
    marks = f"[{COMBINING_MARKS[0]}-{COMBINING_MARKS[-1]}]"
    return f"regexp_replace({folded}, {sql_literal(marks)}, '') collate utf8mb4_bin"
