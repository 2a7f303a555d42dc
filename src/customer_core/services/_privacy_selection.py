"""Which customers ``anonymize_many`` goes through: a segment's (or all), in id batches.

A segment is resolved against the core's clock once per run and run by the
storage's segments port (:func:`customer_core.port_defaults.segments_of`: one
query per batch on SQL, a scan where a storage has no native port).
"""

from __future__ import annotations

import builtins

from customer_core._segment import C, Segment, as_segment, resolve
from customer_core.port_defaults import segments_of
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
        return segments_of(tx).count(self.segment)

    def ids_after(self, tx: Transaction, *, after: int, limit: int) -> builtins.list[int]:
        """The next ``limit`` ids of the selection above ``after``, ascending."""
        if self.segment is None:
            return tx.customers.ids_after(after, limit)
        return [customer.id for customer in segments_of(tx).after(self.segment, after, limit)]

    def still_in(self, tx: Transaction, ids: builtins.list[int]) -> builtins.list[int]:
        """Those of the locked ``ids`` (ascending) that are still in the segment: one that
        left it since its batch was read (a new order) is not anonymized."""
        if self.segment is None or not ids:
            return ids
        # The segment narrowed to the batch's id range (a range, not an ``in_`` list:
        # a batch may hold more ids than a segment's ``in_`` takes), one query.
        narrowed = self.segment & C.id.between(ids[0], ids[-1])
        members = {c.id for c in segments_of(tx).after(narrowed, ids[0] - 1, ids[-1] - ids[0] + 1)}
        return [customer_id for customer_id in ids if customer_id in members]


def selection_of(context: Context, segment: object) -> Selection:
    """``segment`` (a Segment, its text form, or None for every customer) checked, with its
    relative times resolved against the core's clock once for the whole run."""
    found = as_segment(segment)  # a ValidationError on "segment" naming the position
    return Selection(None if found is None else resolve(found, context.now()))
