"""SQLAlchemyStorage: one connection and one database transaction per service call.

What each transaction costs beyond the call's own statements (``lock_timeout``):

- PostgreSQL: one ``SET LOCAL lock_timeout`` per transaction (it is
  transaction-scoped; a session ``SET`` would outlive the call on a host's
  pooled connection).
- MySQL/MariaDB: none; one ``SET SESSION innodb_lock_wait_timeout, lock_wait_timeout``
  per connection, the first time this storage uses it (and again if another
  storage on the same engine set a different value).
- SQLite: none; one ``pragma busy_timeout`` per connection, likewise.

On an engine whose connections are not already READ COMMITTED (a host's engine
passed to ``from_engine``), a ``SET TRANSACTION ISOLATION LEVEL READ COMMITTED``
opens each transaction: it applies to that transaction only, so the host's own
use of the pooled connection is unchanged and nothing needs resetting when the
connection goes back to the pool (on PostgreSQL it shares the one round trip
with ``SET LOCAL``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock

from customer_core.adapters.sqlalchemy._addresses import SQLAlchemyAddressRepository
from customer_core.adapters.sqlalchemy._customers import (
    SQLAlchemyCustomerRepository,
    SQLAlchemyImports,
    SQLAlchemyTotals,
)
from customer_core.adapters.sqlalchemy._engine import (
    DEFAULT_LOCK_TIMEOUT,
    READ_ONLY_OPTION,
    prepare_engine,
    runs_read_committed,
)
from customer_core.adapters.sqlalchemy._errors import (
    detached,
    driver_cause,
    raise_detached,
    translate,
    translating,
)
from customer_core.adapters.sqlalchemy._events import SQLAlchemyEventLog
from customer_core.adapters.sqlalchemy._ltv import INDEX_HINT_OPTION, customer_index_hint
from customer_core.adapters.sqlalchemy._notes import SQLAlchemyNoteRepository
from customer_core.adapters.sqlalchemy._orders import (
    NoOrderLedger,
    OrderColumns,
    OrdersTable,
    SQLAlchemyOrderLedger,
)
from customer_core.adapters.sqlalchemy._schema import CustomerTables, create_tables, define_tables
from customer_core.errors import CustomerCoreError, ValidationError
from customer_core.ports import OrderLedger
from sqlalchemy import Connection, Engine, MetaData, exc, inspect

__all__ = ["MAX_LOCK_TIMEOUT", "SQLAlchemyStorage", "SQLAlchemyTransaction"]

MAX_LOCK_TIMEOUT = 86_400.0
"""The longest ``lock_timeout`` accepted (seconds): a day, MariaDB's own default for LOCK TABLES."""

# connection_record.info key: the lock timeout this connection's session runs with.
_SESSION_LOCK_TIMEOUT = "customer_core_lock_timeout"


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
        self.events = SQLAlchemyEventLog(connection, tables.events, tables.customers)


class SQLAlchemyStorage:
    """A :class:`~customer_core.ports.Storage` on a SQLAlchemy engine.

    ``orders`` maps the host's orders table (None: no ledger, every customer has
    no orders). ``metadata`` is where the library's tables are defined (a host
    may share its own, e.g. for Alembic). ``users_table`` names the host's users
    table: when it exists in the database, note authors must be rows of it.
    ``lock_timeout`` (seconds, default :data:`DEFAULT_LOCK_TIMEOUT`) bounds every wait
    for another transaction's lock: a longer wait raises ``StorageConflict``. None
    leaves the database's own setting (PostgreSQL: wait forever).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        orders: OrdersTable | None = None,
        metadata: MetaData | None = None,
        users_table: str | None = "users",
        lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.lock_timeout = _checked_lock_timeout(lock_timeout)
        self.engine = prepare_engine(engine)
        self._dialect = engine.dialect.name
        self._begin_sql = _begin_sql(engine, self.lock_timeout)
        self._session_sql = _session_sql(self._dialect, self.lock_timeout)
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self.orders = orders
        self.tables = define_tables(metadata)
        self._users_table = users_table
        self._users_known: bool | None = None
        self._users_lock = Lock()
        self._orders_hint: tuple[bool, str | None] = (orders is None, None)

    @property
    def metadata(self) -> MetaData:
        """The MetaData holding the library's tables."""
        return self.tables.customers.metadata

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[SQLAlchemyTransaction]:
        """One connection in one transaction: commit on success, roll back on any exception.

        Every non-SQLite transaction runs READ COMMITTED whatever the engine's
        default (see :meth:`SQLAlchemyCustomerRepository.lock` for why). On SQLite a
        ``read_only`` transaction starts with a deferred ``BEGIN`` (no write lock, so
        a read-only file serves it and it does not queue behind a writer in WAL
        mode); any other starts with ``BEGIN IMMEDIATE``. Every driver error, on
        connect, begin, commit, rollback or the pool's reset, is a library error.
        """
        users = self._users()
        hint = self._orders_index_hint()
        try:
            with self.engine.connect() as connection:
                if read_only:
                    connection.execution_options(**{READ_ONLY_OPTION: True})
                if hint is not None:
                    connection.execution_options(**{INDEX_HINT_OPTION: hint})
                self._set_up_session(connection)
                with connection.begin():
                    if self._begin_sql is not None:
                        connection.exec_driver_sql(self._begin_sql)
                    yield SQLAlchemyTransaction(connection, self.tables, self.orders, users)
        except CustomerCoreError as error:
            detached(error)
            raise
        # The one place driver errors become library errors (repositories translate only
        # what they alone know, such as a unique e-mail's violation into DuplicateEmail).
        except (exc.SQLAlchemyError, self._driver_error, UnicodeError, OverflowError) as error:
            failure, cause = translate(_wrapped(error, self._driver_error)), driver_cause(error)
        else:
            return
        raise_detached(failure, cause)

    def _set_up_session(self, connection: Connection) -> None:
        """Apply the session's lock timeout once per DBAPI connection (before any BEGIN)."""
        info = connection.info
        if self._session_sql is None or info.get(_SESSION_LOCK_TIMEOUT) == self.lock_timeout:
            return
        # On the DBAPI connection: through SQLAlchemy the statement would begin a transaction.
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self._session_sql)
        finally:
            cursor.close()
        info[_SESSION_LOCK_TIMEOUT] = self.lock_timeout

    def create_schema(self) -> None:
        """Create the library's tables that are missing; never touch an existing table.

        The host's orders and users tables are neither created nor altered.
        """
        with translating():
            create_tables(self.engine, self.tables)

    def _orders_index_hint(self, bind: Engine | Connection | None = None) -> str | None:
        """The orders' index hint for MySQL/MariaDB (:mod:`.ltv`), looked up once.

        ``bind``: where to look it up (a host's connection, see :mod:`._joined`).
        """
        if self._orders_hint[0] or self.orders is None:
            return self._orders_hint[1]
        with self._users_lock:
            if not self._orders_hint[0]:
                with translating():
                    self._orders_hint = customer_index_hint(bind or self.engine, self.orders)
            return self._orders_hint[1]

    def _users(self, bind: Engine | Connection | None = None) -> str | None:
        """The users table's name if it exists (looked up once per storage), else None."""
        if self._users_table is None:
            return None
        with self._users_lock:
            if self._users_known is None:
                with translating():
                    self._users_known = inspect(bind or self.engine).has_table(self._users_table)
            return self._users_table if self._users_known else None

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        """Driver errors as library errors, as :meth:`transaction` translates them.

        For the storages built on this one (:mod:`._joined`); ``transaction`` keeps
        its own clauses for now (the same ones).
        """
        try:
            yield
        except CustomerCoreError as error:
            detached(error)
            raise
        except (exc.SQLAlchemyError, self._driver_error, UnicodeError, OverflowError) as error:
            failure, cause = translate(_wrapped(error, self._driver_error)), driver_cause(error)
        else:
            return
        raise_detached(failure, cause)


def _checked_lock_timeout(value: object) -> float | None:
    """``lock_timeout`` as seconds: a positive number up to a day, or None."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_LOCK_TIMEOUT
    ):
        raise ValidationError.single(
            "lock_timeout", f"must be a number of seconds above 0 and at most {MAX_LOCK_TIMEOUT:g}"
        )
    return float(value)


def _begin_sql(engine: Engine, lock_timeout: float | None) -> str | None:
    """The statement that opens each transaction, or None (SQLite; MySQL on its own engines)."""
    name = engine.dialect.name
    if name == "sqlite":
        return None
    statements = []
    if not runs_read_committed(engine):
        statements.append("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    if name == "postgresql" and lock_timeout is not None:
        statements.append(f"SET LOCAL lock_timeout = '{_milliseconds(lock_timeout)}ms'")
    # psycopg runs several statements in one round trip when there are no parameters;
    # on MySQL/MariaDB the list holds at most the isolation statement.
    return "; ".join(statements) or None


def _session_sql(dialect: str, lock_timeout: float | None) -> str | None:
    """The per-connection statement that applies ``lock_timeout`` (MySQL family, SQLite)."""
    if lock_timeout is None:
        return None
    if dialect == "sqlite":
        return f"pragma busy_timeout = {_milliseconds(lock_timeout)}"
    if dialect in ("mysql", "mariadb"):
        # Whole seconds, at least 1; lock_wait_timeout bounds metadata locks (LOCK TABLES, DDL).
        seconds = max(1, math.ceil(lock_timeout))
        return f"SET SESSION innodb_lock_wait_timeout = {seconds}, lock_wait_timeout = {seconds}"
    return None


def _milliseconds(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _wrapped(error: Exception, driver_error: type[Exception]) -> Exception:
    """A driver's own exception (raised outside SQLAlchemy's wrapping) as SQLAlchemy's class."""
    if not isinstance(error, driver_error):
        return error
    return exc.DBAPIError.instance(None, None, error, driver_error, hide_parameters=True)
