"""The in-memory adapter: embedded storage for notebooks, tests and demos.

It keeps frozen domain values in dicts with the indexes the ports need
(e-mail → id, customer → address ids, customer → note ids, customer → order
ids), so look-ups are O(1) and search scans references, never copies.
"""

from __future__ import annotations

from customer_core.adapters.memory._ledger import InMemoryOrderLedger
from customer_core.adapters.memory._repositories import (
    InMemoryAddressRepository,
    InMemoryCustomerRepository,
    InMemoryNoteRepository,
)
from customer_core.adapters.memory._storage import InMemoryStorage

__all__ = [
    "InMemoryAddressRepository",
    "InMemoryCustomerRepository",
    "InMemoryNoteRepository",
    "InMemoryOrderLedger",
    "InMemoryStorage",
]
