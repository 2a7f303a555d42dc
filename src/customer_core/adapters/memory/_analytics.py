"""RFM in memory: the stored customers scored by :mod:`customer_core.rfm`."""

from __future__ import annotations

from collections.abc import Iterator

from customer_core.adapters.memory._journal import Tables
from customer_core.rfm import RfmInput, RfmScore, is_scored, score, summarize

__all__ = ["InMemoryAnalytics"]


class InMemoryAnalytics:
    """An :class:`~customer_core.ports.Analytics` over the in-memory tables (one pass over
    the customers, three sorts)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def rfm(self) -> Iterator[RfmScore]:
        """Every scored customer's scores, by id ascending."""
        return score(self._inputs())

    def rfm_summary(self) -> dict[str, int]:
        """Label → how many scored customers carry it."""
        return summarize(self.rfm())

    def _inputs(self) -> Iterator[RfmInput]:
        for c in self._t.customers.values():
            if c.last_order_at is not None and is_scored(c.total_orders, c.last_order_at):
                yield RfmInput(c.id, c.last_order_at, c.total_orders, c.lifetime_value)
