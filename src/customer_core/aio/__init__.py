"""The asyncio front: :class:`AsyncCustomerCore`, every service method a coroutine.

One implementation of the domain: the sync services run in greenlets over the
``sync_engine`` of SQLAlchemy's ``AsyncEngine`` (how SQLAlchemy's asyncio ORM
works), so every I/O waits on the event loop; password hashing runs in a
bounded worker pool. Needs SQLAlchemy with greenlet (the ``async`` extra).
"""

from __future__ import annotations

from customer_core.aio._front import DEFAULT_MAX_HASH_WORKERS, AsyncCustomerCore
from customer_core.aio._services import (
    AsyncAddressBook,
    AsyncCustomerAnalytics,
    AsyncCustomerNotes,
    AsyncCustomerRegistry,
    AsyncLifetimeValue,
    AsyncPrivacy,
    AsyncTimeline,
)

__all__ = [
    "DEFAULT_MAX_HASH_WORKERS",
    "AsyncAddressBook",
    "AsyncCustomerAnalytics",
    "AsyncCustomerCore",
    "AsyncCustomerNotes",
    "AsyncCustomerRegistry",
    "AsyncLifetimeValue",
    "AsyncPrivacy",
    "AsyncTimeline",
]
