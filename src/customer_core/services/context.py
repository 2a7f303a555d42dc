"""What every service needs: storage, clock, hasher and the default phone region."""

from __future__ import annotations

from datetime import datetime

import attrs

from customer_core.clock import stored_time
from customer_core.errors import CustomerNotFound
from customer_core.model import Customer
from customer_core.passwords import PasswordHasher
from customer_core.ports import Clock, Storage, Transaction
from customer_core.rules import Fields, record_id

__all__ = ["Context", "customer_id_of", "locked_customer"]


@attrs.frozen
class Context:
    """The services' shared collaborators, built once by :class:`~customer_core.CustomerCore`."""

    storage: Storage
    clock: Clock
    hasher: PasswordHasher
    default_region: str | None

    def now(self) -> datetime:
        """The time to stamp on a write: UTC, whole seconds (as the SQL schema keeps it)."""
        return stored_time(self.clock.now())


def customer_id_of(value: object, field: str = "customer_id") -> int:
    """Validate an id a caller passed; an id no row can have is simply not found."""
    fields = Fields()
    number = fields.check(field, record_id, value)
    fields.done()
    if number is None:
        raise CustomerNotFound(value)
    return number


def locked_customer(tx: Transaction, customer_id: object) -> Customer:
    """The customer, its row locked for the rest of the transaction; CustomerNotFound if absent."""
    number = customer_id_of(customer_id)
    customer = tx.customers.lock(number)
    if customer is None:
        raise CustomerNotFound(customer_id)
    return customer
