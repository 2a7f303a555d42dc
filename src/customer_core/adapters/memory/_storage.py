"""InMemoryStorage: one re-entrant lock, and a journal that undoes a failed transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from customer_core.adapters.memory._analytics import InMemoryAnalytics
from customer_core.adapters.memory._events import InMemoryEventLog
from customer_core.adapters.memory._journal import Journal, Tables
from customer_core.adapters.memory._ledger import InMemoryOrderLedger
from customer_core.adapters.memory._repositories import (
    InMemoryAddressRepository,
    InMemoryCustomerRepository,
    InMemoryNoteRepository,
)
from customer_core.adapters.memory._reset_tokens import InMemoryResetTokens
from customer_core.adapters.memory._segments import InMemorySegments
from customer_core.port_defaults import (
    ChangeThenAppend,
    LedgerTotals,
    OneByOneAnonymizer,
    OneByOneImports,
)
from customer_core.ports import Transaction

__all__ = ["InMemoryStorage", "InMemoryTransaction"]


class InMemoryTransaction:
    """The repositories of one in-memory unit of work."""

    def __init__(self, tables: Tables, journal: Journal, orders: InMemoryOrderLedger) -> None:
        self.customers = InMemoryCustomerRepository(tables, journal, orders)
        self.addresses = InMemoryAddressRepository(tables, journal)
        self.notes = InMemoryNoteRepository(tables, journal)
        self.orders = orders
        self.totals = LedgerTotals(self.customers, orders)
        self.imports = OneByOneImports(self.customers)
        self.reset_tokens = InMemoryResetTokens(tables, journal)
        self.events = InMemoryEventLog(tables, journal)
        self.changes = ChangeThenAppend(self.customers, self.events)
        self.segments = InMemorySegments(tables, self.customers)
        self.privacy = OneByOneAnonymizer(self)
        self.analytics = InMemoryAnalytics(tables)


class InMemoryStorage:
    """Storage in the process's memory; thread-safe, one transaction at a time."""

    def __init__(self, orders: InMemoryOrderLedger | None = None) -> None:
        self.orders = orders if orders is not None else InMemoryOrderLedger()
        self._tables = Tables()
        self._lock = threading.RLock()

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> Iterator[Transaction]:
        """A unit of work: every write is undone if the block raises.

        ``read_only`` and ``may_lag`` change nothing here: one lock serves reads and
        writes alike, and there is no replica.
        """
        with self._lock:
            journal = Journal()
            try:
                yield InMemoryTransaction(self._tables, journal, self.orders)
            except BaseException:
                journal.roll_back()
                raise

    def create_schema(self) -> None:
        """Nothing to create in memory."""

    def __repr__(self) -> str:
        return f"InMemoryStorage({len(self._tables.customers)} customers)"
