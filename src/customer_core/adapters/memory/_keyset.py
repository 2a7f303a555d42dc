"""Keyset paging in memory: which sorted rows come after a scroll's position."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from customer_core.model import Customer
from customer_core.ports import Keyset

__all__ = ["after_position"]


def after_position(
    ordered: Sequence[Customer],
    value: Callable[[Customer], Any],
    position: Keyset,
    descending: bool,
) -> list[Customer]:
    """The rows of ``ordered`` (a search's order) that come after ``position``.

    By value, not by looking the position's row up: the row may be gone, or its
    value changed, since the cursor was made. ``value`` is the search's sort value
    (names lower-cased), applied to the position's value the same way.
    """
    return [c for c in ordered if _comes_after(value(c), c.id, position, descending)]


def _comes_after(mine: Any, my_id: int, position: Keyset, descending: bool) -> bool:
    """Empty values sort last in both directions; ties by id ascending."""
    theirs = position.value
    if theirs is None:
        return mine is None and my_id > position.id
    if mine is None:
        return True
    if mine == theirs:
        return my_id > position.id
    return bool(mine < theirs) if descending else bool(mine > theirs)
