"""Which customers ``anonymize_many`` goes through: a segment's (or all), in id batches.

A segment is resolved against the core's clock once per run. Its members are
read through engineer S's segments port when it is there, else by a scan
(the SEAM below).
"""

from __future__ import annotations

import builtins
from typing import Any

from customer_core._segment import C, Segment, as_segment, matches, needs_countries, resolve
from customer_core.model import Customer
from customer_core.ports import Transaction
from customer_core.services._context import Context

__all__ = ["Selection", "selection_of"]


class Selection:
    """The customers ``anonymize_many`` goes through, in id batches: a segment's, or all."""

    def __init__(self, segment: Segment | None) -> None:
        self.segment = segment

    def count(self, tx: Transaction) -> int:
        """How many customers the selection holds now."""
        if self.segment is None:
            return tx.customers.count()
        port = _segments_port(tx)
        if port is not None:
            return int(port.count(self.segment))
        return len(_segment_members(tx, self.segment, 0, None))

    def ids_after(self, tx: Transaction, *, after: int, limit: int) -> builtins.list[int]:
        """The next ``limit`` ids of the selection above ``after``, ascending."""
        if self.segment is None:
            return tx.customers.ids_after(after, limit)
        return _segment_members(tx, self.segment, after, limit)

    def still_in(self, tx: Transaction, ids: builtins.list[int]) -> builtins.list[int]:
        """Those of the locked ``ids`` (ascending) that are still in the segment: one that
        left it since its batch was read (a new order) is not anonymized."""
        if self.segment is None or not ids:
            return ids
        port = _segments_port(tx)
        if port is not None:
            # Exactly these ids: the segment narrowed to them, one query through the port.
            narrowed = self.segment & C.id.in_(ids)
            members = {customer.id for customer in port.after(narrowed, ids[0] - 1, len(ids))}
        else:
            found = [tx.customers.find(customer_id) for customer_id in ids]
            members = {c.id for c in found if c is not None and _holds(tx, self.segment, c)}
        return [customer_id for customer_id in ids if customer_id in members]


def _segment_members(
    tx: Transaction, segment: Segment, after: int, limit: int | None
) -> builtins.list[int]:
    """Ids of the segment's customers above ``after``, ascending (``limit`` of them, or all).

    SEAM: engineer S's storage port for segments (``segments_of(tx).after``: one SQL
    query per batch) is not merged yet; until it is, this scans the customers in id
    batches and evaluates the segment in Python (:func:`customer_core._segment.matches`),
    correct on every storage, but a statement per customer on SQL.
    """
    port = _segments_port(tx)
    found: builtins.list[int] = []
    while limit is None or len(found) < limit:
        wanted = _SCAN if limit is None else min(_SCAN, limit - len(found))
        if port is not None:
            batch = [c.id for c in port.after(segment, after, wanted)]
            found.extend(batch)
            if len(batch) < wanted:
                return found
            after = batch[-1]
            continue
        ids = tx.customers.ids_after(after, _SCAN)
        if not ids:
            return found
        for customer_id in ids:
            customer = tx.customers.find(customer_id)
            if customer is not None and _holds(tx, segment, customer):
                found.append(customer_id)
                if limit is not None and len(found) == limit:
                    return found
        after = ids[-1]
    return found


def _segments_port(tx: Transaction) -> Any:
    """S's segments port of ``tx`` (``port_defaults.segments_of``) once merged, else None."""
    from customer_core import port_defaults

    segments_of = getattr(port_defaults, "segments_of", None)
    return None if segments_of is None else segments_of(tx)


def _holds(tx: Transaction, segment: Segment, customer: Customer) -> bool:
    countries = (
        {a.country for a in tx.addresses.list(customer.id)} if needs_countries(segment) else ()
    )
    return matches(segment, customer, countries)


#: Customers read per step of a segment scan.
_SCAN = 500


def selection_of(context: Context, segment: object) -> Selection:
    """``segment`` (a Segment, its text form, or None for every customer) checked, with its
    relative times resolved against the core's clock once for the whole run."""
    found = as_segment(segment)  # a ValidationError on "segment" naming the position
    return Selection(None if found is None else resolve(found, context.now()))
