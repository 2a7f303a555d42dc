"""RFM in memory: the stored customers (of a segment) scored by :mod:`customer_core.rfm`."""

from __future__ import annotations

from collections.abc import Iterator

from customer_core._segment import Segment, matches, needs_countries
from customer_core.adapters.memory._journal import Tables
from customer_core.model import Customer
from customer_core.rfm import RfmInput, RfmScore, is_scored, score, summarize

__all__ = ["InMemoryAnalytics"]


class InMemoryAnalytics:
    """An :class:`~customer_core.ports.Analytics` over the in-memory tables (one pass over
    the customers, the segment's predicate on each scored one, three sorts)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def rfm(self, segment: Segment | None = None) -> Iterator[RfmScore]:
        """Every scored customer's scores (among ``segment``'s), by id ascending."""
        return score(self._inputs(segment))

    def rfm_summary(self, segment: Segment | None = None) -> dict[str, int]:
        """Label → how many scored customers (of ``segment``) carry it."""
        return summarize(self.rfm(segment))

    def _inputs(self, segment: Segment | None) -> Iterator[RfmInput]:
        for c in self._t.customers.values():
            if c.last_order_at is None or not is_scored(c.total_orders, c.last_order_at):
                continue
            if segment is None or self._in(segment, c):
                yield RfmInput(c.id, c.last_order_at, c.total_orders, c.lifetime_value)

    def _in(self, segment: Segment, customer: Customer) -> bool:
        countries: set[str] = set()
        if needs_countries(segment):
            owned = self._t.addresses_of.get(customer.id, {})
            countries = {self._t.addresses[a].country for a in owned}
        return matches(segment, customer, countries)
