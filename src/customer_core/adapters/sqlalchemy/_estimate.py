"""``search(total="estimate")``: a count that costs little at any size.

PostgreSQL: the planner's row estimate of the search's filter (``EXPLAIN (FORMAT
JSON)``, no row read); when that estimate is at most :data:`ESTIMATE_CAP`, the
capped count below instead (small results stay exact, where a planner guesses worst).
Elsewhere (SQLite, MySQL/MariaDB, which publish no usable estimate for a filter):
a count that stops at :data:`ESTIMATE_CAP` matches. The service then corrects
whatever the page contradicts (a page that shows the end knows the exact total).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement

__all__ = ["ESTIMATE_CAP", "estimated_count"]

#: Where a capped count stops counting, and below which PostgreSQL counts exactly.
ESTIMATE_CAP = 10_000


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <select>``, compiled with the statement's own parameters."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _explain_postgresql(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


def estimated_count(
    connection: Connection, customers: Table, filters: list[ColumnElement[bool]]
) -> int:
    """The number of customers matching ``filters``, estimated as the module says."""
    matching = select(literal(1)).select_from(customers).where(*filters)
    if connection.dialect.name == "postgresql":
        guess = _planner_rows(connection, matching)
        if guess > ESTIMATE_CAP:
            return guess
    capped = matching.limit(ESTIMATE_CAP).subquery("capped")
    return int(connection.execute(select(func.count()).select_from(capped)).scalar_one())


def _planner_rows(connection: Connection, statement: Select[Any]) -> int:
    """The top plan node's "Plan Rows" (drivers return the JSON parsed or as text)."""
    plan = connection.execute(_Explain(statement)).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
