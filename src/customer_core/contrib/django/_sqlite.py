"""SQLite's ``cc_lower``: Python's ``str.lower`` (SQLite's ``lower()`` folds ASCII only)."""

from __future__ import annotations

from typing import Any

__all__ = ["install_functions", "unicode_lower"]

#: The attribute on Django's connection wrapper naming the DB-API connection set up.
_SET_UP = "_customer_core_set_up"


def unicode_lower(value: Any) -> Any:
    """``str.lower`` for text, anything else unchanged."""
    return value.lower() if isinstance(value, str) else value


def install_functions(sender: object = None, connection: Any = None, **_: object) -> None:
    """The ``connection_created`` receiver: register ``cc_lower`` on a SQLite connection."""
    if connection is None or connection.vendor != "sqlite":
        return
    raw = connection.connection
    if raw is None or getattr(connection, _SET_UP, None) is raw:
        return
    raw.create_function("cc_lower", 1, unicode_lower, deterministic=True)
    setattr(connection, _SET_UP, raw)
