"""JoinedStorage: every call on the host's connection, inside the host's transaction.

``core.using(connection)`` builds one over the core's :class:`SQLAlchemyStorage`
(same tables, orders, users table). Each call runs in a SAVEPOINT
(``Connection.begin_nested``): a call that fails rolls back to it, so it changed
nothing and the host's transaction stays usable; a call that succeeds releases
it, so its writes and its row locks belong to the host's transaction and commit
or roll back with it. The library never commits, rolls back beyond its
savepoint, or closes what it was given.

What differs from the storage's own transactions:

- No retry. A ``StorageConflict`` (a deadlock, a lock wait that timed out)
  surfaces to the host: only the host can run its whole unit of work again
  (on MySQL/MariaDB a deadlock has already rolled the host's transaction back).
- The host's transaction sets the isolation level (the library's SQL is written
  for READ COMMITTED, the level of the library's engines) and, on PostgreSQL,
  the lock timeout: the storage's ``SET LOCAL lock_timeout`` would outlive the
  call in the host's transaction. On MySQL/MariaDB and SQLite the storage's
  ``lock_timeout`` is a session setting applied once per connection, as on any
  connection of an engine the storage is given.
- The connection must come from an engine the library prepared
  (``engine_from_url``, ``from_engine`` or ``prepare_engine`` before the
  connection was opened) on SQLite and MySQL/MariaDB. SQLite needs it most: with
  pysqlite's own transaction handling a host's ``begin()`` sends no BEGIN, so
  the library's SAVEPOINT would open the transaction itself and its RELEASE
  would commit it behind the host's back. The prepared engine sends ``BEGIN
  IMMEDIATE`` on ``begin()`` (and registers ``cc_lower``, foreign keys,
  MySQL's UTC session time zone).
- An ORM ``Session`` is flushed first when it autoflushes (as its own queries
  do), so that the library sees the host's pending rows, such as a new order;
  the flush is the host's own work, and its errors are the host's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from customer_core._on_primary import primary_of
from customer_core.adapters.sqlalchemy._engine import _SET_UP
from customer_core.adapters.sqlalchemy._ltv import INDEX_HINT_OPTION
from customer_core.adapters.sqlalchemy._storage import SQLAlchemyStorage, SQLAlchemyTransaction
from customer_core.errors import CustomerCoreError, StorageError, ValidationError
from sqlalchemy import Connection, NestedTransaction
from sqlalchemy.orm import Session, scoped_session

__all__ = ["HostConnection", "JoinedStorage"]

#: What ``core.using`` accepts: a Core connection, an ORM session (or a scoped one).
HostConnection = Connection | Session | scoped_session[Session]

# Dialects whose connections need the library's per-connection set-up (see the module doc).
_NEEDS_SET_UP = ("sqlite", "mysql", "mariadb")


class JoinedStorage:
    """A :class:`~customer_core.ports.Storage` whose transactions are savepoints in the host's."""

    # Context.write reads it: a conflict cannot be retried inside the host's transaction.
    joins_host_transaction = True

    def __init__(self, storage: SQLAlchemyStorage, connection: HostConnection) -> None:
        self._storage = storage
        self._host = connection
        if isinstance(connection, Connection):
            _check_prepared(connection)

    @classmethod
    def of(cls, storage: object, connection: object) -> JoinedStorage:
        """The joined storage for a core's ``storage``; TypeError when it is not on SQL."""
        storage = primary_of(storage)  # the host's connection is the primary's
        parent = storage._storage if isinstance(storage, JoinedStorage) else storage
        if not isinstance(parent, SQLAlchemyStorage):
            raise TypeError(
                f"using(connection) needs a core on SQL storage (from_url, from_engine), "
                f"not on {type(storage).__name__}"
            )
        if not isinstance(connection, Connection | Session | scoped_session):
            raise TypeError(
                "connection must be a SQLAlchemy Connection or ORM Session, "
                f"not {type(connection).__name__}"
            )
        return cls(parent, connection)

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> Iterator[SQLAlchemyTransaction]:
        """One savepoint on the host's connection: released on success, rolled back on error.

        ``read_only`` and ``may_lag`` change nothing here: the host's transaction, on
        its connection, is already open.
        """
        storage = self._storage
        host = self._host
        if not isinstance(host, Connection) and host.autoflush:
            host.flush()  # the host's pending rows: its own work, and its own errors
        with storage._translated_errors():
            # A session is asked on every call: after a commit it may be on another connection.
            connection = host if isinstance(host, Connection) else host.connection()
            _check_prepared(connection)
            storage._set_up_session(connection)
            savepoint = connection.begin_nested()
            try:
                # Looked up once per storage, on the host's connection: no second checkout.
                users = storage._users(connection)
                hint = storage._orders_index_hint(connection)
                if hint is not None:
                    connection.execution_options(**{INDEX_HINT_OPTION: hint})
                yield SQLAlchemyTransaction(
                    connection, storage.tables, storage.orders, users, storage.reset_table_exists
                )
            except BaseException as error:
                _roll_back(savepoint, error)
                raise
            savepoint.commit()

    def create_schema(self) -> None:
        """Refused: DDL commits a host's transaction on MySQL/MariaDB; use the core's own."""
        raise StorageError(
            "create_schema() does not run in a host's transaction: call it on the core itself"
        )

    def __repr__(self) -> str:
        return f"JoinedStorage({self._storage!r})"


def _check_prepared(connection: Connection) -> None:
    """The connection has the library's per-connection set-up where the SQL needs it."""
    if connection.dialect.name in _NEEDS_SET_UP and not connection.info.get(_SET_UP):
        raise ValidationError.single(
            "connection",
            "comes from an engine the library has not prepared: build the core on it "
            "(from_engine) or call prepare_engine(engine) before opening the connection",
        )


def _roll_back(savepoint: NestedTransaction, error: BaseException) -> None:
    """Undo the failed call's writes (``ROLLBACK TO SAVEPOINT``).

    When the call failed in the database, that failure is what the host must see,
    not the rollback's: a lost deadlock on MySQL/MariaDB has already rolled the
    host's transaction, and the savepoint with it, back.
    """
    if not savepoint.is_active:
        return
    try:
        savepoint.rollback()
    except Exception:
        # A call that failed on its own terms (a ValidationError, a DuplicateEmail) whose
        # rollback then fails may have left writes behind: the host must hear of that.
        if isinstance(error, CustomerCoreError) and not isinstance(error, StorageError):
            raise
