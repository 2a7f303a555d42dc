"""SQLAlchemyStorage: one connection and one database transaction per service call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock

from customer_core.adapters.sqlalchemy.addresses import SQLAlchemyAddressRepository
from customer_core.adapters.sqlalchemy.customers import (
    SQLAlchemyCustomerRepository,
    SQLAlchemyImports,
    SQLAlchemyTotals,
)
from customer_core.adapters.sqlalchemy.engine import prepare_engine
from customer_core.adapters.sqlalchemy.errors import driver_cause, translate, translating
from customer_core.adapters.sqlalchemy.notes import SQLAlchemyNoteRepository
from customer_core.adapters.sqlalchemy.orders import (
    NoOrderLedger,
    OrderColumns,
    OrdersTable,
    SQLAlchemyOrderLedger,
)
from customer_core.adapters.sqlalchemy.schema import CustomerTables, create_tables, define_tables
from customer_core.errors import CustomerCoreError
from customer_core.ports import OrderLedger
from sqlalchemy import Connection, Engine, MetaData, exc, inspect

__all__ = ["SQLAlchemyStorage", "SQLAlchemyTransaction"]


class SQLAlchemyTransaction:
    """The repositories of one unit of work, all on the same connection."""

    def __init__(
        self,
        connection: Connection,
        tables: CustomerTables,
        orders: OrdersTable | None,
        users_table: str | None,
    ) -> None:
        columns = None if orders is None else OrderColumns.of(orders)
        self.connection = connection
        self.customers = SQLAlchemyCustomerRepository(connection, tables, columns)
        self.addresses = SQLAlchemyAddressRepository(connection, tables.addresses)
        self.notes = SQLAlchemyNoteRepository(connection, tables.notes, users_table)
        self.orders: OrderLedger = (
            NoOrderLedger() if orders is None else SQLAlchemyOrderLedger(connection, orders)
        )
        self.totals = SQLAlchemyTotals(
            connection, self.customers, tables.customers, columns, self.orders
        )
        self.imports = SQLAlchemyImports(connection, tables.customers)


class SQLAlchemyStorage:
    """A :class:`~customer_core.ports.Storage` on a SQLAlchemy engine.

    ``orders`` maps the host's orders table (None: no ledger, every customer has
    no orders). ``metadata`` is where the library's tables are defined (a host
    may share its own, e.g. for Alembic). ``users_table`` names the host's users
    table: when it exists in the database, note authors must be rows of it.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        orders: OrdersTable | None = None,
        metadata: MetaData | None = None,
        users_table: str | None = "users",
    ) -> None:
        self.engine = prepare_engine(engine)
        self.orders = orders
        self.tables = define_tables(metadata)
        self._users_table = users_table
        self._users_known: bool | None = None
        self._users_lock = Lock()

    @property
    def metadata(self) -> MetaData:
        """The MetaData holding the library's tables."""
        return self.tables.customers.metadata

    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator[SQLAlchemyTransaction]:
        """One connection in one transaction: commit on success, roll back on any exception.

        Every non-SQLite transaction runs READ COMMITTED whatever the engine's
        default (see :meth:`SQLAlchemyCustomerRepository.lock` for why).
        """
        users = self._users()
        try:
            with self.engine.connect() as connection:
                if connection.dialect.name != "sqlite":
                    connection.execution_options(isolation_level="READ COMMITTED")
                with connection.begin():
                    yield SQLAlchemyTransaction(connection, self.tables, self.orders, users)
        except CustomerCoreError:
            raise
        # The one place driver errors become library errors (repositories translate only
        # what they alone know, such as a unique e-mail's violation into DuplicateEmail).
        except (exc.SQLAlchemyError, UnicodeError, OverflowError) as error:
            raise translate(error) from driver_cause(error)

    def create_schema(self) -> None:
        """Create the library's tables that are missing; never touch an existing table.

        The host's orders and users tables are neither created nor altered.
        """
        with translating():
            create_tables(self.engine, self.tables)

    def _users(self) -> str | None:
        """The users table's name if it exists (looked up once per storage), else None."""
        if self._users_table is None:
            return None
        with self._users_lock:
            if self._users_known is None:
                with translating():
                    self._users_known = inspect(self.engine).has_table(self._users_table)
            return self._users_table if self._users_known else None
