"""A host shop for the examples' tests: a core, the host's orders and users tables, the truth.

Imported only by fixtures and SQL tests (it needs SQLAlchemy).
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

import attrs
from sqlalchemy import Engine, select

from customer_core import CustomerCore
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage
from customer_core.passwords import Argon2Hasher
from customer_core.testing.sql import HostTables, SQLOrderRecorder

#: Argon2id at its cheapest: these tests never measure hashing.
FAST_HASHER = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"


@attrs.define
class Shop:
    """The host application around a core: it owns the orders; the core owns the customers."""

    url: str
    core: CustomerCore
    engine: Engine
    host: HostTables
    recorder: SQLOrderRecorder
    _order_ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    @classmethod
    def open(cls, url: str) -> Shop:
        """Create the library's and the host's tables on ``url``."""
        host = HostTables.define()
        core = CustomerCore.from_url(url, orders=host.orders_spec, password_hasher=FAST_HASHER)
        core.create_schema()
        assert isinstance(core.storage, SQLAlchemyStorage)
        engine = core.storage.engine
        host.create(engine, user_ids=[1])
        return cls(url, core, engine, host, SQLOrderRecorder(engine, host))

    def close(self) -> None:
        """Give the engine's connections back (PostgreSQL counts them)."""
        self.engine.dispose()

    def reset(self) -> None:
        """Empty every table but ``users``, ids starting at 1 again (PostgreSQL)."""
        self._order_ids = itertools.count(1)
        tables = "customer_events, customer_notes, addresses, customers, orders"
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f"truncate {tables} restart identity")

    def customer(self, name: str, *, orders: tuple[tuple[str, str], ...] = ()) -> int:
        """Register a customer with ``(status, amount)`` orders and an up-to-date LTV."""
        email = f"{name.lower().replace(' ', '.')}@example.com"
        customer = self.core.customers.register(name=name, email=email, password=PASSWORD)
        for status, amount in orders:
            self.order(customer.id, amount, status)
        self.core.ltv.recalculate(customer.id)
        return customer.id

    def order(self, customer_id: int, amount: str, status: str = "pending") -> int:
        """Record an order of the host; returns its id."""
        order_id = next(self._order_ids)
        self.recorder.record(
            order_id=order_id, customer_id=customer_id, total_amount=amount, status=status
        )
        return order_id

    def order_status(self, order_id: int) -> str:
        """An order's status as the host's table has it."""
        orders = self.host.orders
        with self.engine.connect() as connection:
            status: str = connection.execute(
                select(orders.c.status).where(orders.c.id == order_id)
            ).scalar_one()
        return status

    def truth(self, customer_id: int) -> tuple[Decimal, int, datetime | None]:
        """LTV, delivered count and last order time, computed in Python from the order rows."""
        orders = self.host.orders
        query = select(orders.c.status, orders.c.total_amount, orders.c.created_at).where(
            orders.c.customer_id == customer_id
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        delivered = [Decimal(str(amount)) for status, amount, _ in rows if status == "delivered"]
        placed = [at for status, _, at in rows if status != "cancelled"]
        return sum(delivered, Decimal("0.00")), len(delivered), max(placed, default=None)
