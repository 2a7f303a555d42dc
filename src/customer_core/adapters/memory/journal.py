"""Tables in memory and the undo journal that makes a transaction all or nothing."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import attrs

from customer_core.model import Address, Customer, Note

__all__ = ["Journal", "Tables"]

_MISSING: Any = object()


class Journal:
    """Writes to dicts that can be undone, newest first."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def set(self, table: MutableMapping[Any, Any], key: object, value: object) -> None:
        """``table[key] = value``, remembered."""
        self._remember(table, key)
        table[key] = value

    def delete(self, table: MutableMapping[Any, Any], key: object) -> None:
        """``del table[key]``, remembered."""
        self._remember(table, key)
        del table[key]

    def _remember(self, table: MutableMapping[Any, Any], key: object) -> None:
        old = table.get(key, _MISSING)
        if old is _MISSING:
            self._undo.append(lambda: table.pop(key, None))
        else:
            self._undo.append(lambda: table.__setitem__(key, old))

    def roll_back(self) -> None:
        """Undo every remembered write, newest first."""
        while self._undo:
            self._undo.pop()()


@attrs.define
class Tables:
    """Rows by id plus the indexes the repositories need."""

    customers: dict[int, Customer] = attrs.Factory(dict)
    hashes: dict[int, str] = attrs.Factory(dict)
    emails: dict[str, int] = attrs.Factory(dict)
    addresses: dict[int, Address] = attrs.Factory(dict)
    addresses_of: dict[int, dict[int, None]] = attrs.Factory(dict)
    notes: dict[int, Note] = attrs.Factory(dict)
    notes_of: dict[int, dict[int, None]] = attrs.Factory(dict)
    # Ids are never reused, even after a rollback, as with database sequences.
    last_id: dict[str, int] = attrs.Factory(lambda: {"customer": 0, "address": 0, "note": 0})

    def new_id(self, kind: str) -> int:
        """The next id of this kind of row."""
        self.last_id[kind] += 1
        return self.last_id[kind]
