"""Host tables for tests of the SQL adapter: an ``orders`` table and a ``users`` table.

A host application's tests (and the library's own) can build a Laravel-style
database around the library's tables::

    host = HostTables.define()
    host.create(engine, user_ids=[1])
    core = CustomerCore.from_engine(engine, orders=host.orders_spec, clock=clock)
    recorder = SQLOrderRecorder(engine, host, clock=clock)

:class:`SQLOrderRecorder` is the :class:`~customer_core.testing.OrderRecorder`
the contract suite writes orders through.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal

import attrs
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    cast,
    insert,
    select,
    update,
)

from customer_core.adapters.sqlalchemy import OrdersTable
from customer_core.adapters.sqlalchemy._schema import TABLE_OPTIONS
from customer_core.adapters.sqlalchemy._types import Id, Money, Timestamp
from customer_core.clock import SystemClock
from customer_core.model import money
from customer_core.ports import Clock

__all__ = ["HostTables", "SQLOrderRecorder", "database_text"]


@attrs.frozen
class HostTables:
    """A host's ``orders`` and ``users`` tables, on their own MetaData (not the library's)."""

    orders: Table
    users: Table

    @classmethod
    def define(cls, metadata: MetaData | None = None, orders_name: str = "orders") -> HostTables:
        """Laravel-shaped tables: ``orders(id, customer_id, status, total_amount, created_at,
        updated_at)`` with no foreign key (a host may keep orders of deleted customers) and
        ``users(id, name, email, password, created_at, updated_at)``."""
        metadata = metadata if metadata is not None else MetaData()
        orders = Table(
            orders_name,
            metadata,
            Column("id", Id, primary_key=True, autoincrement=True),
            Column("customer_id", Id, nullable=False, index=True),
            Column("status", String(255), nullable=False),
            Column("total_amount", Money(), nullable=False),
            Column("created_at", Timestamp(), nullable=True),
            Column("updated_at", Timestamp(), nullable=True),
            **TABLE_OPTIONS,
        )
        users = Table(
            "users",
            metadata,
            Column("id", Id, primary_key=True, autoincrement=True),
            Column("name", String(255), nullable=False),
            Column("email", String(255), nullable=False, unique=True),
            Column("password", String(255), nullable=False),
            Column("created_at", Timestamp(), nullable=True),
            Column("updated_at", Timestamp(), nullable=True),
            **TABLE_OPTIONS,
        )
        return cls(orders=orders, users=users)

    @property
    def orders_spec(self) -> OrdersTable:
        """The :class:`OrdersTable` that maps :attr:`orders` for the library."""
        return OrdersTable(self.orders.name)

    def create(self, engine: Engine, *, user_ids: Iterable[int] = (1,)) -> None:
        """Create both tables (if missing) and the given admin users."""
        with engine.begin() as connection:
            self.orders.create(connection, checkfirst=True)
            self.users.create(connection, checkfirst=True)
            for user_id in user_ids:
                connection.execute(
                    insert(self.users).values(
                        id=user_id,
                        name=f"Admin {user_id}",
                        email=f"admin{user_id}@host.test",
                        password="x",
                    )
                )


class SQLOrderRecorder:
    """Writes the host's orders as rows of an orders table (for the contract suite)."""

    def __init__(self, engine: Engine, host: HostTables, *, clock: Clock | None = None) -> None:
        self._engine = engine
        self._orders = host.orders
        self._clock: Clock = clock if clock is not None else SystemClock()

    def record(
        self,
        *,
        order_id: int,
        customer_id: int,
        total_amount: Decimal | int | str,
        status: str = "pending",
        placed_at: datetime | None = None,
    ) -> None:
        """Insert an order; ``placed_at`` defaults to the clock's time."""
        moment = placed_at if placed_at is not None else self._clock.now()
        row = {
            "id": order_id,
            "customer_id": customer_id,
            "status": status,
            "total_amount": money(total_amount),
            "created_at": moment,
            "updated_at": moment,
        }
        with self._engine.begin() as connection:
            connection.execute(insert(self._orders).values(row))

    def set_status(self, order_id: int, status: str) -> None:
        """Change an order's status."""
        statement = (
            update(self._orders)
            .where(self._orders.c.id == order_id)
            .values(status=status, updated_at=self._clock.now())
        )
        with self._engine.begin() as connection:
            connection.execute(statement)


def database_text(bind: Engine | Connection) -> str:
    """Every value of every text-like column (strings, text, JSON) of every table in
    the database ``bind`` is on, one per line, lower-cased: what a test searches for
    data that must be gone (the privacy contract's proof after an anonymization).

    The tables are reflected, not taken from the library's MetaData, so that a
    table or column the library writes unknowingly is searched too. ``bind`` may be
    a connection inside an open transaction (it then sees that transaction's rows).
    """
    metadata = MetaData()
    metadata.reflect(bind)
    lines: list[str] = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if _holds_text(c.type)]
        if not columns:
            continue
        query = select(*(cast(c, Text) for c in columns))
        connection = bind.connect() if isinstance(bind, Engine) else nullcontext(bind)
        with connection as conn:
            for row in conn.execute(query):
                lines.extend(str(value).lower() for value in row if value is not None)
    return "\n".join(lines)


def _holds_text(column_type: object) -> bool:
    """True for a column a person's data could be written to (strings, text, JSON)."""
    return isinstance(column_type, String | JSON) or type(column_type).__name__.upper() in {
        "JSON",
        "JSONB",
    }
