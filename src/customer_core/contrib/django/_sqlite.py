"""SQLite's ``cc_lower``: Python's ``str.lower`` (SQLite's ``lower()`` folds ASCII only).

And ``cc_fold``, the accent folding of ``search(..., ignore_accents=True)``.
"""

from __future__ import annotations

from typing import Any

from customer_core._accents import fold_accents

__all__ = ["accent_fold", "install_functions", "unicode_lower"]

#: The attribute on Django's connection wrapper naming the DB-API connection set up.
_SET_UP = "_customer_core_set_up"


def unicode_lower(value: Any) -> Any:
    """``str.lower`` for text, anything else unchanged."""
    return value.lower() if isinstance(value, str) else value


def accent_fold(value: Any) -> Any:
    """:func:`~customer_core._accents.fold_accents` for text, anything else unchanged."""
    return fold_accents(value) if isinstance(value, str) else value


def install_functions(sender: object = None, connection: Any = None, **_: object) -> None:
    """The ``connection_created`` receiver: register ``cc_lower`` and ``cc_fold`` on SQLite."""
    if connection is None or connection.vendor != "sqlite":
        return
    raw = connection.connection
    if raw is None or getattr(connection, _SET_UP, None) is raw:
        return
    raw.create_function("cc_lower", 1, unicode_lower, deterministic=True)
    raw.create_function("cc_fold", 1, accent_fold, deterministic=True)
    setattr(connection, _SET_UP, raw)
