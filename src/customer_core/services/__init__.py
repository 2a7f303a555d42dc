"""The services: every rule of the domain, talking only to the ports."""

from __future__ import annotations

from customer_core.services._address_book import AddressBook
from customer_core.services._analytics import CustomerAnalytics
from customer_core.services._lifetime_value import LifetimeValue
from customer_core.services._notes import CustomerNotes
from customer_core.services._privacy import Privacy
from customer_core.services._registry import CustomerRegistry
from customer_core.services._timeline import Timeline

__all__ = [
    "AddressBook",
    "CustomerAnalytics",
    "CustomerNotes",
    "CustomerRegistry",
    "LifetimeValue",
    "Privacy",
    "Timeline",
]
