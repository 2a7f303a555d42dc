"""Model fields of the library's own (importable by migrations without the models)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

__all__ = ["EventData"]

if TYPE_CHECKING:
    _JSONField = models.JSONField[Any, Any]
else:  # Django's fields are not subscriptable at run time
    _JSONField = models.JSONField


class EventData(_JSONField):
    """``customer_events.data``: a JSON column the database may hand back decoded.

    Django's own field expects text (it reads ``jsonb`` as text on PostgreSQL); the
    shared table's column is ``json``, which psycopg decodes itself.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        """Text is decoded as Django does; an already decoded value is kept."""
        if isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value
