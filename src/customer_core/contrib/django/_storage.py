"""DjangoStorage: every service call in ``transaction.atomic(using=..., savepoint=True)``.

Outside a host's atomic block that is the call's own transaction; inside, a
savepoint of the host's: a failed call rolls back to it and leaves the host's
transaction usable; the host's commit or rollback decides the library's writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import Error as DjangoError
from django.db import connections, transaction

from customer_core.contrib.django._ddl import create_missing_tables
from customer_core.contrib.django._errors import raise_translated, translate, translating
from customer_core.contrib.django._events import DjangoEventLog
from customer_core.contrib.django._orders import DjangoOrderLedger, NoOrderLedger, OrderSQL
from customer_core.contrib.django._orders_spec import DjangoOrders
from customer_core.contrib.django._repositories import (
    DjangoAddressRepository,
    DjangoCustomerRepository,
    DjangoNoteRepository,
)
from customer_core.contrib.django._reset_tokens import DjangoResetTokens
from customer_core.contrib.django._segments import DjangoSegments
from customer_core.contrib.django._sqlite import install_functions
from customer_core.errors import CustomerCoreError
from customer_core.port_defaults import (
    ChangeThenAppend,
    LedgerTotals,
    OneByOneAnonymizer,
    OneByOneImports,
    ScanAnalytics,
)
from customer_core.ports import OrderLedger, Transaction

__all__ = ["DjangoStorage", "DjangoTransaction"]


class DjangoTransaction:
    """The repositories of one unit of work, all on the storage's database."""

    def __init__(self, alias: str, orders: OrderSQL | None) -> None:
        self.customers = DjangoCustomerRepository(alias, orders)
        self.segments = DjangoSegments(alias, self.customers)
        self.addresses = DjangoAddressRepository(alias)
        self.notes = DjangoNoteRepository(alias)
        self.orders: OrderLedger = (
            NoOrderLedger() if orders is None else DjangoOrderLedger(alias, orders)
        )
        self.totals = LedgerTotals(self.customers, self.orders)
        self.imports = OneByOneImports(self.customers)
        self.reset_tokens = DjangoResetTokens(alias)
        self.events = DjangoEventLog(alias)
        self.changes = ChangeThenAppend(self.customers, self.events)
        self.privacy = OneByOneAnonymizer(self)
        self.analytics = ScanAnalytics(self.customers, self.addresses)


class DjangoStorage:
    """A :class:`~customer_core.ports.Storage` on the Django database ``alias``.

    ``orders`` is where the host keeps its orders (None: no orders). The optional
    ports use :mod:`customer_core.port_defaults`.
    """

    def __init__(self, alias: str = "default", *, orders: DjangoOrders | None = None) -> None:
        self.alias = alias
        self.orders = orders
        self._orders_sql: OrderSQL | None = None

    @property
    def joins_host_transaction(self) -> bool:
        """True inside the host's ``transaction.atomic()`` block: a conflict is then the
        host's to retry (its whole block), never the library's (one savepoint of it)."""
        return bool(connections[self.alias].in_atomic_block)

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> Iterator[Transaction]:
        """A savepoint of the caller's atomic block, or a transaction of its own.

        ``read_only`` and ``may_lag`` change nothing: Django chooses how a transaction
        begins (SQLite: the database's ``transaction_mode`` option) and which database
        serves it (its routers).
        """
        try:
            with transaction.atomic(using=self.alias, savepoint=True):
                install_functions(connection=connections[self.alias])
                yield DjangoTransaction(self.alias, self._order_columns())
        except CustomerCoreError as error:
            if isinstance(error.__context__, DjangoError):
                error.__context__ = None
            raise
        except DjangoError as error:
            failure, cause = translate(error), error
        else:
            return
        raise_translated(failure, cause)

    def create_schema(self) -> None:
        """Create the library's tables where missing (the migration does the same)."""
        with translating():
            create_missing_tables(connections[self.alias])

    def _order_columns(self) -> OrderSQL | None:
        # Resolved on first use: the host's model need not be ready when the core is built.
        if self._orders_sql is None and self.orders is not None:
            self._orders_sql = OrderSQL(self.orders, self.alias)
        return self._orders_sql

    def __repr__(self) -> str:
        return f"DjangoStorage({self.alias!r})"
