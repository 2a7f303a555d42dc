"""Accent-insensitive search on the Django ORM: the folded column as a Django expression.

The SQL is :func:`customer_core._accent_sql.fold_sql`, the very expression the
SQLAlchemy adapter compiles, so PostgreSQL's accent trigram indexes (created by
``create_performance_indexes``) serve Django's queries too.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Func

from customer_core._accent_sql import fold_sql

__all__ = ["AccentFolded"]


class AccentFolded(Func):
    """A column lower-cased and accent-folded by the one rule (SQLite: ``cc_fold``)."""

    arity = 1

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        """The dialect's fold around the compiled column; the column's own parameters."""
        column_sql, params = compiler.compile(self.source_expressions[0])
        return fold_sql(connection.vendor, column_sql), params
