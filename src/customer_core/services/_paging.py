"""Paging without an exact count: ``search``'s ``total=`` modes and ``scroll``'s cursor pages.

Both ask the storage for one row more than the page: that row is never shown, it
only tells whether another page exists (``has_more``, ``next``).
"""

from __future__ import annotations

import attrs

from customer_core.model import CursorPage, ListedCustomer, Page
from customer_core.port_defaults import segments_of
from customer_core.ports import CustomerQuery, Keyset, TotalMode, Transaction
from customer_core.rules import Invalid
from customer_core.services import _cursor
from customer_core.services._context import Context

__all__ = ["page_of", "scroll_page", "searched", "total_mode"]


def total_mode(value: object) -> TotalMode:
    """``search``'s ``total`` keyword: ``"exact"``, ``"estimate"`` or None."""
    if value is None:
        return None
    if value == "exact" and isinstance(value, str):
        return "exact"
    if value == "estimate" and isinstance(value, str):
        return "estimate"
    raise Invalid("must be 'exact', 'estimate' or None")


def searched(tx: Transaction, query: CustomerQuery) -> tuple[list[ListedCustomer], int | None]:
    """The storage's search of ``query``: through the segments port when it has a segment."""
    if query.segment is None:
        return tx.customers.search(query)
    return segments_of(tx).search(query)


def page_of(context: Context, query: CustomerQuery, page: int) -> Page[ListedCustomer]:
    """One page of ``search``, counted as ``query.total`` says."""
    size = query.limit
    if query.total == "exact":
        # One statement: the page and the count of all matches from one snapshot.
        items, total = context.read(lambda tx: searched(tx, query), single_statement=True)
        return Page(items=items, total=total, page=page, per_page=size)
    # One row past the page tells whether another page exists.
    probe = attrs.evolve(query, limit=size + 1)
    # The page, then the estimate (which the page corrects below): READ COMMITTED gave
    # them no common snapshot in a transaction either.
    rows, guess = context.read(lambda tx: searched(tx, probe), single_statement=True)
    more = len(rows) > size
    items = rows[:size]
    total = None if guess is None else _plausible(guess, query.offset, len(items), more)
    return Page(items=items, total=total, page=page, per_page=size, has_more=more)


def _plausible(guess: int, offset: int, shown: int, more: bool) -> int:
    """An estimate made to agree with what the page saw (a planner's guess may not).

    A page with rows and no more after it knows the exact total; one with more knows
    a lower bound; an empty page past the start knows an upper bound.
    """
    if more:
        return max(guess, offset + shown + 1)
    if shown or offset == 0:
        return offset + shown
    return min(guess, offset)


def scroll_page(
    context: Context,
    query: CustomerQuery,
    after: Keyset | None,
    key: bytes,
    identity: CustomerQuery | None = None,
) -> CursorPage[ListedCustomer]:
    """The page of ``query``'s scroll after the position ``after`` (None: the first page).

    The next cursor is made for ``identity`` (default ``query``): the query as the
    caller wrote it, when ``query`` holds values resolved for this page only.
    """
    size = query.limit
    probe = attrs.evolve(query, limit=size + 1, total=None, after=after, offset=0)

    def read(tx: Transaction) -> list[ListedCustomer]:
        rows, _ = searched(tx, probe)
        return rows

    rows = context.read(read, single_statement=True)
    items = rows[:size]
    following = None
    if len(rows) > size:
        last = _cursor.keyset_of(items[-1].customer, query.sort)
        following = _cursor.encode(identity or query, last, key)
    return CursorPage(items=items, next=following)
