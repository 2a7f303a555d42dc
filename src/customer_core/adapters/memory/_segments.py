"""Segments in memory: the oracle (:func:`customer_core._segment.matches`) over the tables."""

from __future__ import annotations

from collections.abc import Callable

from customer_core._segment import Segment, matches, needs_countries
from customer_core.adapters.memory._journal import Tables
from customer_core.model import Customer, ListedCustomer
from customer_core.ports import CustomerQuery, CustomerRepository

__all__ = ["InMemorySegments", "segment_filter"]


def segment_filter(tables: Tables, segment: Segment | None) -> Callable[[Customer], bool]:
    """A predicate for ``segment`` (resolved) over the tables; always true for None."""
    if segment is None:
        return lambda customer: True
    if not needs_countries(segment):
        return lambda customer: matches(segment, customer)

    def holds(customer: Customer) -> bool:
        ids = tables.addresses_of.get(customer.id, {})
        countries = {tables.addresses[address_id].country for address_id in ids}
        return matches(segment, customer, countries)

    return holds


class InMemorySegments:
    """The :class:`~customer_core.ports.CustomerSegments` port on the in-memory tables."""

    def __init__(self, tables: Tables, customers: CustomerRepository) -> None:
        self._t = tables
        self._customers = customers

    def search(self, query: CustomerQuery) -> tuple[list[ListedCustomer], int | None]:
        """The repository's search, which honours ``query.segment``."""
        return self._customers.search(query)

    def count(self, segment: Segment) -> int:
        """Every customer, evaluated."""
        holds = segment_filter(self._t, segment)
        return sum(1 for customer in self._t.customers.values() if holds(customer))

    def after(self, segment: Segment, after_id: int, limit: int) -> list[Customer]:
        """From the sorted id index onwards, until ``limit`` customers hold."""
        holds = segment_filter(self._t, segment)
        found: list[Customer] = []
        while len(found) < limit:
            ids = self._t.customer_ids_above(after_id, 1000)
            if not ids:
                break
            for customer_id in ids:
                customer = self._t.customers.get(customer_id)
                if customer is not None and holds(customer):
                    found.append(customer)
                    if len(found) == limit:
                        break
            after_id = ids[-1]
        return found
