"""Tables in memory and the undo journal that makes a transaction all or nothing."""

from __future__ import annotations

import bisect
from collections.abc import Callable, MutableMapping
from typing import Any

import attrs

from customer_core.model import Address, Customer, Note
from customer_core.ports import ResetToken

__all__ = ["Journal", "Tables"]

_MISSING: Any = object()

#: Ids of deleted customers :attr:`Tables.customer_ids` may keep beyond the live count.
COMPACTION_SLACK = 1024


class Journal:
    """Writes to dicts that can be undone, newest first.

    An undo is a plain ``(table, key, old value)`` tuple rather than a closure:
    a bulk import journals three writes per customer, and a closure with its
    cells is several objects for the garbage collector to walk where a tuple
    is one (a third of an in-memory ``import_many`` went there).
    """

    def __init__(self) -> None:
        self._undo: list[tuple[MutableMapping[Any, Any] | None, Any, Any]] = []

    def set(self, table: MutableMapping[Any, Any], key: object, value: object) -> None:
        """``table[key] = value``, remembered."""
        self._undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def delete(self, table: MutableMapping[Any, Any], key: object) -> None:
        """``del table[key]``, remembered."""
        self._undo.append((table, key, table[key]))
        del table[key]

    def on_roll_back(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` if the transaction rolls back (in its place among the other undos)."""
        self._undo.append((None, undo, None))

    def roll_back(self) -> None:
        """Undo every remembered write, newest first."""
        while self._undo:
            table, key, old = self._undo.pop()
            if table is None:
                key()
            elif old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old


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
    # Password-reset tokens by the e-mail they were issued to (the customer's, as stored).
    reset_tokens: dict[str, ResetToken] = attrs.Factory(dict)
    # Customer ids in ascending order, for batches by id: new ids are appended (they only
    # grow); ids of deleted customers may linger until ``compact_customer_ids``, so readers
    # skip ids that are not in ``customers``.
    customer_ids: list[int] = attrs.Factory(list)
    # Ids are never reused, even after a rollback, as with database sequences.
    last_id: dict[str, int] = attrs.Factory(
        lambda: {"customer": 0, "address": 0, "note": 0, "event": 0}
    )
    #: The timeline: event id → [event, leased until, published at] (see ``_events``).
    events: dict[int, list[Any]] = attrs.Factory(dict)

    def new_id(self, kind: str) -> int:
        """The next id of this kind of row."""
        self.last_id[kind] += 1
        return self.last_id[kind]

    def customer_ids_above(self, after_id: int, limit: int) -> list[int]:
        """The first ``limit`` ids of stored customers above ``after_id``, ascending.

        A bisection and a walk over at most ``limit`` live ids plus the lingering
        ids of deleted customers in between (kept below the live count by
        :meth:`compact_customer_ids`), so a pass over all customers in batches is
        O(n) after the O(log n) starts.
        """
        ids = self.customer_ids
        found: list[int] = []
        index = bisect.bisect_right(ids, after_id)
        while index < len(ids) and len(found) < limit:
            if ids[index] in self.customers:
                found.append(ids[index])
            index += 1
        return found

    def compact_customer_ids(self) -> None:
        """Drop the ids of deleted customers once they outnumber the live ones (amortised O(1)).

        A rolled-back delete puts its id back (:meth:`restore_customer_id`).
        """
        if len(self.customer_ids) > 2 * len(self.customers) + COMPACTION_SLACK:
            self.customer_ids = [i for i in self.customer_ids if i in self.customers]

    def restore_customer_id(self, customer_id: int) -> None:
        """Put ``customer_id`` back in :attr:`customer_ids` if compaction dropped it."""
        index = bisect.bisect_left(self.customer_ids, customer_id)
        if index == len(self.customer_ids) or self.customer_ids[index] != customer_id:
            self.customer_ids.insert(index, customer_id)
