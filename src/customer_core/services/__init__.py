"""The services: every rule of the domain, talking only to the ports."""

from __future__ import annotations

from customer_core.services.address_book import AddressBook
from customer_core.services.lifetime_value import LifetimeValue
from customer_core.services.notes import CustomerNotes
from customer_core.services.registry import CustomerRegistry

__all__ = ["AddressBook", "CustomerNotes", "CustomerRegistry", "LifetimeValue"]
