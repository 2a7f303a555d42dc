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
with ``SET LOCAL``). On an AUTOCOMMIT engine, where that statement and ``BEGIN``
are no-ops, the connection itself is set READ COMMITTED for the transaction
(``execution_options(isolation_level=...)``); SQLAlchemy restores the engine's
level when the connection goes back to the pool.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from threading import Lock
from typing import Any

from customer_core.adapters.sqlalchemy._addresses import SQLAlchemyAddressRepository
from customer_core.adapters.sqlalchemy._analytics import SQLAlchemyAnalytics
from customer_core.adapters.sqlalchemy._customers import (
    SQLAlchemyChanges,
    SQLAlchemyCustomerRepository,
    SQLAlchemyImports,
    SQLAlchemyTotals,
)
from customer_core.adapters.sqlalchemy._engine import (
    DEFAULT_LOCK_TIMEOUT,
    READ_ONLY_OPTION,
    SESSION_LOCK_TIMEOUT_OPTION,
    pool_lock,
    prepare_engine,
    runs_autocommit,
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
from customer_core.adapters.sqlalchemy._privacy import SQLAlchemyAnonymizer
from customer_core.adapters.sqlalchemy._replicas import Replicas
from customer_core.adapters.sqlalchemy._reset_tokens import SQLAlchemyResetTokens
from customer_core.adapters.sqlalchemy._schema import (
    DEFAULT_RESET_TABLE,
    CustomerTables,
    create_tables,
    define_tables,
)
from customer_core.adapters.sqlalchemy._segments import SQLAlchemySegments
from customer_core.errors import CustomerCoreError, ValidationError
from customer_core.ports import OrderLedger
from sqlalchemy import Connection, Engine, MetaData, RootTransaction, exc, inspect

__all__ = ["MAX_LOCK_TIMEOUT", "SQLAlchemyStorage", "SQLAlchemyTransaction"]

MAX_LOCK_TIMEOUT = 86_400.0
"""The longest ``lock_timeout`` accepted (seconds): a day, MariaDB's own default for LOCK TABLES."""

# connection_record.info key: the lock timeout this connection's session runs with.
_SESSION_LOCK_TIMEOUT = "customer_core_lock_timeout"
#: Whether a PostgreSQL connection lacks the session's lock timeout (checked once).
_SESSION_CHECKED = "customer_core_session_lock_timeout_lacking"


class SQLAlchemyTransaction:
    """The repositories of one unit of work, all on the same connection."""

    def __init__(
        self,
        connection: Connection,
        tables: CustomerTables,
        orders: OrdersTable | None,
        users_table: str | None,
        reset_table_exists: Callable[[Connection], bool],
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
        self.reset_tokens = SQLAlchemyResetTokens(
            connection, tables.reset_tokens, reset_table_exists
        )
        self.events = SQLAlchemyEventLog(
            connection, tables.events, tables.customers, imports=self.imports
        )
        self.changes = SQLAlchemyChanges(self.customers, self.events)
        self.segments = SQLAlchemySegments(connection, tables, self.customers)
        self.privacy = SQLAlchemyAnonymizer(connection, tables, self.events, reset_table_exists)
        self.analytics = SQLAlchemyAnalytics(connection, tables)


class SQLAlchemyStorage:
    """A :class:`~customer_core.ports.Storage` on a SQLAlchemy engine.

    ``orders`` maps the host's orders table (None: no ledger, every customer has
    no orders). ``metadata`` is where the library's tables are defined (a host
    may share its own, e.g. for Alembic). ``users_table`` names the host's users
    table: when it exists in the database, note authors must be rows of it.
    ``lock_timeout`` (seconds, default :data:`DEFAULT_LOCK_TIMEOUT`) bounds every wait
    for another transaction's lock: a longer wait raises ``StorageConflict``. None
    leaves the database's own setting (PostgreSQL: wait forever). ``replicas``
    are engines on read replicas of ``engine``'s database (same dialect): reads
    that tolerate lag run there (see :meth:`transaction`).
    ``reset_table`` names the password-reset tokens' table (Laravel's layout).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        orders: OrdersTable | None = None,
        metadata: MetaData | None = None,
        users_table: str | None = "users",
        lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT,
        replicas: Sequence[Engine] = (),
        reset_table: str = DEFAULT_RESET_TABLE,
    ) -> None:
        self.lock_timeout = _checked_lock_timeout(lock_timeout)
        self.engine = prepare_engine(engine)
        self._dialect = engine.dialect.name
        self._begin_sql = _begin_sql(engine, self.lock_timeout)
        self.replicas = Replicas(_checked_replicas(replicas, engine))
        self._replica_begin_sql = [_begin_sql(e, self.lock_timeout) for e in self.replicas.engines]
        self._autocommit_reads = [
            _autocommit_reads(e, self.lock_timeout) for e in (engine, *self.replicas.engines)
        ]
        self._session_sql = _session_sql(self._dialect, self.lock_timeout)
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self.orders = orders
        self.tables = define_tables(metadata, reset_table=_checked_table_name(reset_table))
        self._users_table = users_table
        self._users_known: bool | None = None
        self._users_lock = Lock()
        self._orders_hint: tuple[bool, str | None] = (orders is None, None)
        self._reset_table_found = False

    @property
    def metadata(self) -> MetaData:
        """The MetaData holding the library's tables."""
        return self.tables.customers.metadata

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> Iterator[SQLAlchemyTransaction]:
        """One connection in one transaction: commit on success, roll back on any exception.

        Every non-SQLite transaction runs READ COMMITTED whatever the engine's
        default (see :meth:`SQLAlchemyCustomerRepository.lock` for why). On SQLite a
        ``read_only`` transaction starts with a deferred ``BEGIN`` (no write lock, so
        a read-only file serves it and it does not queue behind a writer in WAL
        mode); any other starts with ``BEGIN IMMEDIATE``. ``read_only`` together
        with ``may_lag`` runs on a replica when there is one up; anything else on
        the primary. Every driver error, on connect, begin, commit, rollback or the
        pool's reset, is a library error. On a ``StaticPool`` (in-memory SQLite)
        transactions take turns: they share one connection (see :func:`pool_lock`).
        """
        with pool_lock(self.engine), self._transaction(read_only=read_only, may_lag=may_lag) as tx:
            yield tx

    @contextmanager
    def single_statement(self, *, may_lag: bool = False) -> Iterator[SQLAlchemyTransaction]:
        """A read-only unit whose work sends one statement: on PostgreSQL, no BEGIN/COMMIT.

        The statement runs in autocommit: the same guarantee as a read-only
        :meth:`transaction`, whose READ COMMITTED gives each statement its own snapshot
        anyway, for one round trip instead of three. Only where the session already
        bounds lock waits (the connection's ``lock_timeout`` is the storage's, or there
        is none): a ``SET LOCAL`` needs a transaction. Elsewhere (SQLite, MySQL/MariaDB,
        where toggling autocommit costs the round trips it saves; a host's engine) it
        is :meth:`transaction` with ``read_only``.
        """
        with (
            pool_lock(self.engine),
            self._transaction(read_only=True, may_lag=may_lag, autocommit=True) as tx,
        ):
            yield tx

    @contextmanager
    def _transaction(
        self, *, read_only: bool, may_lag: bool, autocommit: bool = False
    ) -> Iterator[SQLAlchemyTransaction]:
        """:meth:`transaction` without the StaticPool's lock (``autocommit``: see
        :meth:`single_statement`)."""
        users = self._users()
        hint = self._orders_index_hint()
        options: dict[str, object] = {}
        if read_only:
            options[READ_ONLY_OPTION] = True
        if hint is not None:
            options[INDEX_HINT_OPTION] = hint
        try:
            connection, begun = self._begin(
                options, replica=read_only and may_lag, autocommit=autocommit
            )
            with connection, begun:
                yield SQLAlchemyTransaction(
                    connection, self.tables, self.orders, users, self.reset_table_exists
                )
        except CustomerCoreError as error:
            detached(error)
            raise
        # The one place driver errors become library errors (repositories translate only
        # what they alone know, such as a unique e-mail's violation into DuplicateEmail).
        # A driver's UnicodeError/OverflowError arrives wrapped (``_engine``'s handle_error):
        # the caller's own, raised in the block, passes unchanged.
        except (exc.SQLAlchemyError, self._driver_error) as error:
            failure, cause = translate(_wrapped(error, self._driver_error)), driver_cause(error)
        else:
            return
        raise_detached(failure, cause)

    def _begin(
        self, options: Mapping[str, object], *, replica: bool, autocommit: bool = False
    ) -> tuple[Connection, RootTransaction]:
        """A connection with its transaction begun: on a replica that is up, else the primary.

        ``autocommit``: in autocommit instead where that engine allows it (see
        :meth:`single_statement`).
        """
        if replica:
            for index in self.replicas.candidates():
                engine, begin_sql = self.replicas.engines[index], self._replica_begin_sql[index]
                bare = autocommit and self._autocommit_reads[index + 1]
                try:
                    return self._begin_on(engine, begin_sql, options, autocommit=bare)
                except (exc.SQLAlchemyError, self._driver_error) as error:
                    self.replicas.down(index, error)
        bare = autocommit and self._autocommit_reads[0]
        return self._begin_on(self.engine, self._begin_sql, options, autocommit=bare)

    def _begin_on(
        self,
        engine: Engine,
        begin_sql: str | list[str] | None,
        options: Mapping[str, object],
        *,
        autocommit: bool = False,
    ) -> tuple[Connection, RootTransaction]:
        """Connect, set the session up and begin (running ``begin_sql``); close on failure.

        ``autocommit``: no transaction block and no ``begin_sql`` (BEGIN and COMMIT are
        then no-ops of the driver; SQLAlchemy sets the engine's level back on check-in).
        """
        connection = engine.connect()
        try:
            if self._session_lacks_lock_timeout(engine, connection):
                autocommit = False
                begin_sql = _begin_sql(engine, self.lock_timeout, session=False)
            if autocommit:
                options = {**options, "isolation_level": "AUTOCOMMIT"}
                begin_sql = None
            elif engine.dialect.name != "sqlite" and runs_autocommit(engine):
                # BEGIN is a no-op under AUTOCOMMIT: a real transaction needs the level set
                # on the connection; SQLAlchemy sets the engine's own back on check-in.
                options = {**options, "isolation_level": "READ COMMITTED"}
            if options:
                connection.execution_options(**options)
            self._set_up_session(connection)
            begun = connection.begin()
            # One string, or (asyncpg: one command a prepared statement) a list of them.
            for statement in [begin_sql] if isinstance(begin_sql, str) else begin_sql or ():
                connection.exec_driver_sql(statement)
        except BaseException:
            connection.close()
            raise
        return connection, begun

    def _session_lacks_lock_timeout(self, engine: Engine, connection: Connection) -> bool:
        """Whether ``connection`` should carry the lock timeout in its session (the engine is
        marked so: ``_session``) but does not, so that its transactions need ``SET LOCAL``.

        A pooler between the library and PostgreSQL (PgBouncer with
        ``ignore_startup_parameters = options``) may drop the startup option silently;
        without this check the reads would then run in autocommit with no bound on their
        lock waits. Asked once per DBAPI connection: one round trip when it is made.
        """
        timeout = self.lock_timeout
        if timeout is None or (
            engine.get_execution_options().get(SESSION_LOCK_TIMEOUT_OPTION) != timeout
        ):
            return False
        info = connection.info
        lacks = info.get(_SESSION_CHECKED)
        if lacks is None:
            # The rollback ends the implicit transaction the drivers open, so the
            # connection's level can still be set.
            row = _on_dbapi(
                connection,
                "SELECT setting FROM pg_settings WHERE name = 'lock_timeout'",
                rollback=True,
            )
            setting = None if row is None else str(row[0])
            lacks = info[_SESSION_CHECKED] = setting != str(_milliseconds(timeout))
        return bool(lacks)

    def _set_up_session(self, connection: Connection) -> None:
        """Apply the session's lock timeout once per DBAPI connection (before any BEGIN)."""
        info = connection.info
        if self._session_sql is None or info.get(_SESSION_LOCK_TIMEOUT) == self.lock_timeout:
            return
        _on_dbapi(connection, self._session_sql)
        info[_SESSION_LOCK_TIMEOUT] = self.lock_timeout

    def create_schema(self) -> None:
        """Create the library's tables that are missing; never touch an existing table.

        The host's orders and users tables are neither created nor altered.
        """
        with pool_lock(self.engine), translating():
            create_tables(self.engine, self.tables)
        self._reset_table_found = True

    def reset_table_exists(self, connection: Connection) -> bool:
        """Whether the password-reset table exists; once found, not asked again.

        A missing table is asked for again on the next use: the host may create it
        (``create_schema``, or its own migration) while this storage lives.
        """
        if not self._reset_table_found:
            name = self.tables.reset_tokens.name
            self._reset_table_found = inspect(connection).has_table(name)
        return self._reset_table_found

    def _orders_index_hint(self, bind: Engine | Connection | None = None) -> str | None:
        """The orders' index hint for MySQL/MariaDB (:mod:`.ltv`), looked up once.

        ``bind``: where to look it up (a host's connection, see :mod:`._joined`).
        """
        if self._orders_hint[0] or self.orders is None:
            return self._orders_hint[1]
        # Looked up outside the lock (a racing first call may look twice, harmlessly): under
        # the asyncio front the lookup yields to the event loop, and a thread lock held
        # across that yield would stop every other call on the loop's thread.
        with translating():
            hint = customer_index_hint(bind or self.engine, self.orders)
        with self._users_lock:
            if not self._orders_hint[0]:
                self._orders_hint = hint
            return self._orders_hint[1]

    def _users(self, bind: Engine | Connection | None = None) -> str | None:
        """The users table's name if it exists (looked up once per storage), else None."""
        if self._users_table is None:
            return None
        if self._users_known is None:
            # Outside the lock, for the reason given in _orders_index_hint.
            with translating():
                known = inspect(bind or self.engine).has_table(self._users_table)
            with self._users_lock:
                if self._users_known is None:
                    self._users_known = known
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
        except (exc.SQLAlchemyError, self._driver_error) as error:
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


def _checked_replicas(replicas: object, primary: Engine) -> list[Engine]:
    """The replica engines, prepared; each must use the primary's dialect and driver.

    The same driver, so that one class of driver errors is translated (and a replica's
    failure to open is recognised) whichever engine served the transaction.
    """
    if isinstance(replicas, str | bytes | Engine) or not isinstance(replicas, Sequence):
        raise ValidationError.single("replicas", "must be a list of engines")
    engines = list(replicas)
    wanted = (primary.dialect.name, primary.dialect.driver)
    for engine in engines:
        if not isinstance(engine, Engine):
            raise ValidationError.single("replicas", "must be a list of engines")
        if (engine.dialect.name, engine.dialect.driver) != wanted:
            raise ValidationError.single(
                "replicas", "must use the primary's dialect and driver ({}+{})".format(*wanted)
            )
    return [prepare_engine(engine) for engine in engines]


def _checked_table_name(value: object) -> str:
    """``reset_table`` as a table name: 1 to 64 characters (MySQL's limit)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise ValidationError.single("reset_table", "must be a table name of 1 to 64 characters")
    return value


def _begin_sql(
    engine: Engine, lock_timeout: float | None, *, session: bool = True
) -> str | list[str] | None:
    """The statement(s) that open each transaction, or None (SQLite; MySQL on its own engines).

    ``session=False``: as if the engine's sessions had no lock timeout of their own (a
    connection that lacks it, :meth:`SQLAlchemyStorage._session_lacks_lock_timeout`).
    """
    name = engine.dialect.name
    if name == "sqlite":
        return None
    statements = []
    # Under AUTOCOMMIT the connection is set READ COMMITTED per transaction (``_begin_on``).
    if not runs_read_committed(engine) and not runs_autocommit(engine):
        statements.append("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    session_timeout = session and engine.get_execution_options().get(SESSION_LOCK_TIMEOUT_OPTION)
    if name == "postgresql" and lock_timeout is not None and session_timeout != lock_timeout:
        statements.append(f"SET LOCAL lock_timeout = '{_milliseconds(lock_timeout)}ms'")
    if engine.dialect.driver == "asyncpg" and len(statements) > 1:
        # asyncpg prepares each statement, and a prepared statement holds one command only.
        return statements
    # psycopg runs several statements in one round trip when there are no parameters;
    # on MySQL/MariaDB the list holds at most the isolation statement.
    return "; ".join(statements) or None


def _autocommit_reads(engine: Engine, lock_timeout: float | None) -> bool:
    """Whether a one-statement read on ``engine`` may run in autocommit (``single_statement``):
    PostgreSQL, with no ``SET LOCAL lock_timeout`` needed (the session has the timeout)."""
    if engine.dialect.name != "postgresql":
        return False
    session_timeout = engine.get_execution_options().get(SESSION_LOCK_TIMEOUT_OPTION)
    return lock_timeout is None or session_timeout == lock_timeout


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


def _on_dbapi(connection: Connection, sql: str, *, rollback: bool = False) -> Any:
    """Run ``sql`` on the DBAPI connection under ``connection`` and return its first row
    (None without one): through SQLAlchemy the statement would begin a transaction.
    ``rollback``: end the transaction the driver itself may have opened for it."""
    dbapi = connection.connection.dbapi_connection
    cursor = dbapi.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return cursor.fetchone() if cursor.description is not None else None
    finally:
        cursor.close()
        if rollback:
            dbapi.rollback()  # type: ignore[union-attr]


def _milliseconds(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _wrapped(error: Exception, driver_error: type[Exception]) -> Exception:
    """A driver's own exception (raised outside SQLAlchemy's wrapping) as SQLAlchemy's class."""
    if not isinstance(error, driver_error):
        return error
    return exc.DBAPIError.instance(None, None, error, driver_error, hide_parameters=True)
