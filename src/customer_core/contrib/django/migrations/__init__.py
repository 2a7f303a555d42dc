"""The app's migrations: the tables are created only where missing, never altered."""

from __future__ import annotations

__all__: list[str] = []
