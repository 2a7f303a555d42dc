"""Running segments: check the argument, resolve it against the core's clock, ask the storage.

Relative times (``within``/``older_than``) are resolved here, once per call, so
every storage gets the same absolute cut-offs and a stream's batches agree on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from customer_core import rules
from customer_core._segment import Compare, Segment, as_segment, resolve
from customer_core.model import Customer
from customer_core.port_defaults import segments_of
from customer_core.ports import Transaction
from customer_core.rules import Fields
from customer_core.services._context import Context

__all__ = ["MAX_BATCH", "count_segment", "resolved", "stream_segment"]

#: A segment every customer is in (ids are positive), for a stream of everyone.
EVERYONE: Segment = Compare("id", ">", 0)

#: The largest ``batch_size`` of :func:`stream_segment`: one read holds at most this many rows.
MAX_BATCH = 10_000


def resolved(context: Context, segment: object) -> Segment | None:
    """``segment`` (a Segment, its text, or None) checked and resolved against the clock."""
    found = as_segment(segment)
    return None if found is None else resolve(found, context.now())


def count_segment(context: Context, segment: object) -> int:
    """How many customers are in ``segment`` (all of them for None)."""
    wanted = resolved(context, segment)
    if wanted is None:
        return context.read(lambda tx: tx.customers.count())
    return context.read(lambda tx: segments_of(tx).count(wanted))


def stream_segment(context: Context, segment: object, batch_size: object) -> Iterator[Customer]:
    """The customers of ``segment`` in id order, ``batch_size`` per short read.

    Arguments are checked at the call, not at the first ``next()``; the segment
    is resolved once, so a long stream keeps one meaning of "90 days ago".
    """
    fields = Fields()
    size = fields.check("batch_size", rules.positive(MAX_BATCH), batch_size)
    fields.done()
    wanted = resolved(context, segment)
    return _batches(context, wanted, size)


def _batches(context: Context, segment: Segment | None, size: int) -> Iterator[Customer]:
    # No segment: every customer, through the same keyset port (ids are positive).
    wanted = segment if segment is not None else EVERYONE
    after_id = 0
    while True:
        batch = context.read(partial(_after, wanted=wanted, after_id=after_id, size=size))
        yield from batch
        if len(batch) < size:
            return
        after_id = batch[-1].id


def _after(tx: Transaction, *, wanted: Segment, after_id: int, size: int) -> list[Customer]:
    return segments_of(tx).after(wanted, after_id, size)
