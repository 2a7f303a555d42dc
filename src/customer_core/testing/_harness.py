"""What an adapter's tests hand the contract suite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

import attrs

if TYPE_CHECKING:
    from customer_core._core import CustomerCore

__all__ = ["FrozenClock", "Harness", "OrderRecorder"]


class FrozenClock:
    """A clock that stands still until :meth:`advance` moves it; deterministic tests use it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The clock's current time."""
        return self._now

    def advance(self, seconds: float = 1) -> datetime:
        """Move the clock forward and return the new time."""
        self._now += timedelta(seconds=seconds)
        return self._now

    def __repr__(self) -> str:
        return f"FrozenClock({self._now.isoformat()})"


class OrderRecorder(Protocol):
    """Writes the host's orders for a test: the in-memory ledger, or rows in an orders table."""

    def record(
        self,
        *,
        order_id: int,
        customer_id: int,
        total_amount: Decimal | int | str,
        status: str = "pending",
        placed_at: datetime | None = None,
    ) -> None:
        """Add an order (statuses ``delivered`` and ``cancelled`` are the ones that matter)."""
        ...

    def set_status(self, order_id: int, status: str) -> None:
        """Change an order's status."""
        ...


@attrs.frozen
class Harness:
    """A core on one backend, with what the contract suite needs around it.

    ``author_id`` is a host user allowed to write notes; ``unknown_author_id``
    is one the storage rejects, or None when the storage knows no users table.
    ``stored_text``, when given, returns every text the storage holds (for SQL:
    each text and JSON column of each table of the database, as
    :func:`customer_core.testing.sql.database_text` reads them): the privacy
    contract searches it for a person's data after an anonymization; without
    it, only what the public API shows is searched.
    """

    core: CustomerCore
    orders: OrderRecorder
    clock: FrozenClock
    author_id: int = 1
    unknown_author_id: int | None = None
    stored_text: Callable[[], str] | None = None
