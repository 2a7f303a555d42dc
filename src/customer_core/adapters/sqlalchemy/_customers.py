"""Customers in SQL: look-ups that find legacy mixed-case e-mails, and the write paths.

Reads select the :class:`~customer_core.model.Customer` columns only; the
password hash is read by :meth:`SQLAlchemyCustomerRepository.find_credentials`
alone. Writes return the row with ``RETURNING`` where the database has it.

E-mail uniqueness is the repository's (the service does not look first): one
probe on the folded e-mail before the write (served by the unique index on
MySQL/MariaDB, whose ``utf8mb4_unicode_ci`` ignores case, and by
``customers_lower_email_index`` on PostgreSQL when the host created it), because
the unique index ``customers_email_unique`` is case-sensitive on SQLite and
PostgreSQL, where legacy rows may be mixed-case; and on MySQL/MariaDB because
InnoDB spends an auto-increment id on every INSERT its unique index rejects, so
each refused registration would leave a gap (and the ids would differ from the
other storages'). The unique index still decides a race between two writers: its
violation is translated into ``DuplicateEmail`` here;
every other driver error is translated once, by the storage's transaction.

The optional ports have SQL fast paths here too: :class:`SQLAlchemyTotals`
(set-based, :mod:`.ltv`) and :class:`SQLAlchemyImports` (:mod:`._fast`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from customer_core.adapters.sqlalchemy import _fast, _ltv
from customer_core.adapters.sqlalchemy._dialects import email_equals, is_mysql
from customer_core.adapters.sqlalchemy._errors import (
    driver_cause,
    is_unique_violation,
)
from customer_core.adapters.sqlalchemy._guard import (
    check_column_lengths,
    check_lengths,
    inserted_id,
)
from customer_core.adapters.sqlalchemy._orders import OrderColumns
from customer_core.adapters.sqlalchemy._rows import customer_columns, customer_from
from customer_core.adapters.sqlalchemy._schema import CustomerTables
from customer_core.adapters.sqlalchemy._search import search_customers
from customer_core.adapters.sqlalchemy._types import read_money, read_time
from customer_core.errors import CustomerNotFound, DuplicateEmail
from customer_core.model import Customer, ListedCustomer, OrderTotals
from customer_core.port_defaults import ChangeThenAppend, LedgerTotals
from customer_core.ports import (
    NEW_CUSTOMER_FIELDS,
    Credentials,
    CustomerQuery,
    EventLog,
    NewCustomer,
    NewCustomers,
    OrderLedger,
)
from customer_core.timeline import NewEvent
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    CursorResult,
    Insert,
    Select,
    Table,
    Update,
    any_,
    bindparam,
    delete,
    exc,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import NullType

__all__ = [
    "SQLAlchemyChanges",
    "SQLAlchemyCustomerRepository",
    "SQLAlchemyImports",
    "SQLAlchemyTotals",
]

#: E-mails per collation probe on MySQL/MariaDB (one UNION ALL branch, one parameter each).
_COLLATION_CHUNK = 500


@contextmanager
def _unique_email(email: str) -> Iterator[None]:
    """A unique-key violation while writing ``email`` is a ``DuplicateEmail`` (a lost race)."""
    try:
        yield
    except exc.DBAPIError as error:
        if is_unique_violation(error):
            raise DuplicateEmail(email) from driver_cause(error)
        raise


class SQLAlchemyCustomerRepository:
    """A :class:`~customer_core.ports.CustomerRepository` on one connection."""

    def __init__(
        self, connection: Connection, tables: CustomerTables, orders: OrderColumns | None
    ) -> None:
        self._conn = connection
        self._t = tables
        self._c = tables.customers
        self._columns = customer_columns(tables.customers)
        self._orders = orders
        self._dialect = connection.dialect
        self.dialect_name = connection.dialect.name

    def add(self, customer: NewCustomer, *, event: NewEvent | None = None) -> Customer:
        """Insert; ``DuplicateEmail`` if a stored e-mail equals it ignoring case.

        With ``event`` (PostgreSQL), the event of the new customer in the same statement
        (:func:`_with_event`; its ``customer_id`` is the new id).
        """
        values = {name: column[0] for name, column in _new_columns([customer]).items()}
        check_lengths(self._dialect, self._c, values)
        self._refuse_taken(customer.email)
        with _unique_email(customer.email):
            if event is not None:
                query = _insert_with_event(self._c, self._t.events, tuple(values))
                return customer_from(self._with_event(query, values, event).one())
            statement = insert(self._c).values(values)
            if self._dialect.insert_returning:
                return customer_from(self._conn.execute(statement.returning(*self._columns)).one())
            result = self._conn.execute(statement)
        return self._get(inserted_id(result))

    def find(self, customer_id: int) -> Customer | None:
        """The customer with this id, or None."""
        return self._one(self._select_id(customer_id))

    def lock(self, customer_id: int) -> Customer | None:
        """``find`` with ``SELECT ... FOR UPDATE``: the row stays locked until commit.

        Services lock before reading the orders, and engines run READ
        COMMITTED, so the next statement's snapshot is taken after the lock
        was granted: a recalculation waiting here sees every order change
        committed by the transaction it waited for. SQLite has no row locks;
        there every transaction starts with ``BEGIN IMMEDIATE`` instead.

        On PostgreSQL the lock is ``FOR NO KEY UPDATE`` (MySQL/MariaDB: ``FOR
        UPDATE``): it still excludes every other library lock of the row, but not
        the key-share lock a host's order insert takes through its foreign key, so
        a host transaction writing orders neither waits for it nor deadlocks
        with it (:mod:`.ltv`). A ``delete`` after it takes the full lock then.
        """
        return self._one(self._select_id(customer_id).with_for_update(key_share=True))

    def find_by_email(self, email: str) -> Customer | None:
        """The customer whose e-mail, lower-cased, equals ``email``."""
        return self._one(self._select_email(email, *self._columns))

    def find_credentials(self, email: str) -> Credentials | None:
        """The customer and its stored password hash (the one read of the hash)."""
        row = self._conn.execute(
            self._select_email(email, *self._columns, self._c.c.password)
        ).first()
        if row is None:
            return None
        return Credentials(customer=customer_from(row), password_hash=str(row.password))

    def update(
        self, customer_id: int, changes: Mapping[str, object], *, event: NewEvent | None = None
    ) -> Customer:
        """Write the given columns; ``DuplicateEmail`` when ``email`` is another customer's.

        With ``event`` (PostgreSQL), the event in the same statement (:func:`_with_event`).
        """
        email = changes.get("email")
        check_lengths(self._dialect, self._c, changes)
        if isinstance(email, str):
            self._refuse_taken(email, customer_id)
        with _unique_email(str(email or "")):
            if event is not None:
                query = _update_with_event(self._c, self._t.events, tuple(changes))
                row = self._with_event(query, {**changes, "id": customer_id}, event).first()
                if row is None:
                    raise CustomerNotFound(customer_id)
                return customer_from(row)
            statement = update(self._c).where(self._c.c.id == customer_id).values(dict(changes))
            if self._dialect.update_returning:
                row = self._conn.execute(statement.returning(*self._columns)).first()
                if row is None:
                    raise CustomerNotFound(customer_id)
                return customer_from(row)
            self._conn.execute(statement)
        return self._get(customer_id)

    def set_password_hash(self, customer_id: int, password_hash: str, updated_at: datetime) -> None:
        """Replace the stored hash."""
        values = {"password": password_hash, "updated_at": updated_at}
        check_lengths(self._dialect, self._c, values)
        self._conn.execute(update(self._c).where(self._c.c.id == customer_id).values(values))

    def delete(self, customer_id: int) -> None:
        """Delete the customer, its notes and addresses (not left to the FK cascade alone)."""
        for child in (self._t.notes, self._t.addresses):
            self._conn.execute(delete(child).where(child.c.customer_id == customer_id))
        self._conn.execute(delete(self._c).where(self._c.c.id == customer_id))

    def search(self, query: CustomerQuery) -> tuple[list[ListedCustomer], int | None]:
        """One page of matches with their orders counts and the count of all, in one query."""
        return search_customers(self._conn, self._c, self._orders, query, self._t.addresses)

    def count(self) -> int:
        """How many customers are stored."""
        return int(self._conn.execute(select(func.count()).select_from(self._c)).scalar_one())

    def ids_after(self, after_id: int, limit: int) -> list[int]:
        """The next ``limit`` ids above ``after_id``, ascending."""
        c = self._c.c
        query = select(c.id).where(c.id > after_id).order_by(c.id).limit(limit)
        return [int(i) for i in self._conn.execute(query).scalars()]

    # -- helpers --------------------------------------------------------------------------

    def _with_event(
        self, query: Select[Any], values: Mapping[str, object], event: NewEvent
    ) -> CursorResult[Any]:
        """Run a statement of :func:`_with_event` with the row's and the event's values."""
        bound = {_NEW + name: value for name, value in values.items()}
        bound[_EVENT + "type"] = event.type.value
        bound[_EVENT + "actor_id"] = event.actor_id
        bound[_EVENT + "data"] = event.data
        bound[_EVENT + "occurred_at"] = event.occurred_at
        return self._conn.execute(query, bound)

    def _refuse_taken(self, email: str, owner: int | None = None) -> None:
        """``DuplicateEmail`` if another customer's e-mail equals ``email`` ignoring case."""
        c = self._c.c
        query = select(c.id).where(email_equals(self._dialect, c.email, email))
        if owner is not None:
            query = query.where(c.id != owner)
        if self._conn.execute(query.limit(1)).first() is not None:
            raise DuplicateEmail(email)

    def _select_id(self, customer_id: int) -> Select[Any]:
        return select(*self._columns).where(self._c.c.id == customer_id)

    def _select_email(self, email: str, *columns: Column[Any]) -> Select[Any]:
        # Legacy rows may hold both "Ada@X.io" and "ada@x.io": the exact one first, then the oldest.
        column = self._c.c.email
        exact_first = (column != email).asc()
        return (
            select(*columns)
            .where(email_equals(self._dialect, column, email))
            .order_by(exact_first, self._c.c.id)
            .limit(1)
        )

    def _one(self, query: Select[Any]) -> Customer | None:
        row = self._conn.execute(query).first()
        return None if row is None else customer_from(row)

    def _get(self, customer_id: int) -> Customer:
        customer = self.find(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        return customer


class SQLAlchemyTotals(LedgerTotals):
    """Lifetime value on SQL: ``save`` as the default; a group in one UPDATE (:mod:`.ltv`)."""

    def __init__(
        self,
        connection: Connection,
        customers: SQLAlchemyCustomerRepository,
        table: Table,
        orders: OrderColumns | None,
        ledger: OrderLedger,
    ) -> None:
        super().__init__(customers, ledger)
        self._conn = connection
        self._c = table
        self._orders = orders

    def recalculate_after(
        self, after_id: int, limit: int, updated_at: datetime
    ) -> tuple[int, int] | None:
        """Recompute the next ``limit`` customers above ``after_id``: two statements."""
        found = _ltv.recalculate_batch(
            self._conn, self._c, self._orders, after_id, limit, updated_at
        )
        return None if found is None else (found[0], found[1])

    def recalculate_ids(self, ids: Sequence[int], updated_at: datetime) -> list[int]:
        """Lock the customers among ``ids`` and recompute them in one UPDATE."""
        return _ltv.recalculate_ids(self._conn, self._c, self._orders, ids, updated_at)

    def recalculate_changes_after(
        self, after_id: int, limit: int, updated_at: datetime
    ) -> tuple[int, int, dict[int, OrderTotals], dict[int, OrderTotals]] | None:
        """Where UPDATE … RETURNING exists (PostgreSQL; SQLite from 3.35, where the
        transaction's write lock stands for the row locks) the totals before come with the
        batch's locking SELECT and those after with its UPDATE: two statements, as without
        the timeline, instead of four (MySQL/MariaDB: :class:`LedgerTotals`'s reads around
        the batch)."""
        if not self._conn.dialect.update_returning:  # MySQL/MariaDB
            return super().recalculate_changes_after(after_id, limit, updated_at)
        c = self._c.c
        raw = [type_coerce(c[name], NullType()) for name in _TOTALS]
        found = _ltv.recalculate_batch(
            self._conn, self._c, self._orders, after_id, limit, updated_at, raw
        )
        if found is None:
            return None
        last, handled, before, after = found
        made: dict[tuple[Any, ...], OrderTotals] = {}
        return last, handled, _totals_by_id(before, made), _totals_by_id(after, made)

    def current(self, ids: Sequence[int]) -> dict[int, OrderTotals]:
        """One SELECT of the lifetime-value columns, a thousand ids at a time (read raw:
        :func:`_totals_by_id`)."""
        c = self._c.c
        raw: list[Any] = [literal_column(name) for name in _TOTALS]
        stored: dict[int, OrderTotals] = {}
        made: dict[tuple[Any, ...], OrderTotals] = {}
        for start in range(0, len(ids), 1000):
            chunk = list(ids[start : start + 1000])
            rows = self._conn.execute(select(c.id, *raw).where(self._among(chunk)))
            stored.update(_totals_by_id(rows, made))
        return stored

    def _among(self, ids: list[int]) -> ColumnElement[bool]:
        """``id = ANY(:ids)`` of one array parameter on PostgreSQL, else ``id IN (…)``.

        An IN list of a thousand placeholders is rendered anew by SQLAlchemy and parsed
        anew by psycopg at every call (its query cache skips long statements): that
        was most of a ``recalculate_all`` with events, two reads per batch.
        """
        column = self._c.c.id
        if self._conn.dialect.name == "postgresql":
            return column == any_(literal(ids, ARRAY(BigInteger)))
        return column.in_(ids)


#: The lifetime-value columns, in :class:`OrderTotals`' order.
_TOTALS = ("lifetime_value", "total_orders", "last_order_at")


def _totals_by_id(
    rows: Iterable[Sequence[Any]], made: dict[tuple[Any, ...], OrderTotals]
) -> dict[int, OrderTotals]:
    """``(id, *raw lifetime-value columns)`` rows as totals by id.

    Each distinct raw triple is converted once (``made`` keeps them): a batch's
    customers mostly share a few values (the conversions were most of a
    ``recalculate_all`` with events).
    """
    stored: dict[int, OrderTotals] = {}
    for customer_id, *values in rows:
        key = tuple(values)
        totals = made.get(key)
        if totals is None:
            value, count, last = values
            money_ = read_money(value) or Decimal("0.00")
            totals = made[key] = OrderTotals(money_, int(count), read_time(last))
        stored[int(customer_id)] = totals
    return stored


class SQLAlchemyImports:
    """The bulk import on SQL: multi-row INSERTs and an indexed e-mail probe."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self._conn = connection
        self._c = table
        self._dialect = connection.dialect
        # One import is one transaction: the legacy rows are read once for all its windows.
        self._legacy = _fast.LegacyEmails()
        self._planned = False
        #: The rows of the last ``add_many``, so that its events need no read-back by e-mail
        #: (:meth:`SQLAlchemyEventLog.append_imported`).
        self.last_added: Added | None = None

    def _plan_each_statement(self) -> None:
        """PostgreSQL 12+: plan every statement of this transaction for its own values.

        psycopg prepares a statement sent five times, and the server then switches
        to a generic plan made from the table's statistics. An import fills the table
        inside its own transaction, where those statistics still describe the table
        before it (empty, for a first migration): the generic plan of the e-mail probe
        and of the imported events' INSERT … SELECT is then a sequential scan that
        compares every row with every e-mail of the window, and a 20 000-record import
        repeated took 2-4 times as long from its sixth run on. ``SET LOCAL`` ends with
        the transaction.
        """
        if self._planned:
            return
        self._planned = True
        version = self._dialect.server_version_info or (0,)
        if self._dialect.name == "postgresql" and version >= (12,):
            self._conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")

    def add_many(self, customers: Sequence[NewCustomer]) -> int:
        """Insert all in as few statements as the database takes (:mod:`._fast`); the
        service has checked them already."""
        if not customers:
            return 0
        self._plan_each_statement()
        columns = _new_columns(customers)
        check_column_lengths(self._dialect, self._c, columns)
        # A failed statement aborts a PostgreSQL transaction: the savepoint keeps it usable
        # for the service's second probe after a lost race (MySQL and SQLite undo only the
        # statement, and need no extra round trips).
        pg = self._dialect.name == "postgresql"
        after = self._last_id() if self._dialect.name == "sqlite" else None
        with (
            _unique_email("(one of the imported e-mails)"),
            self._conn.begin_nested() if pg else nullcontext(),
        ):
            ids = _fast.insert_columns(self._conn, self._c, columns, ids=pg)
        emails = columns["email"]
        self.last_added = None if ids is None and after is None else Added(emails, ids, after)
        return len(customers)

    def _last_id(self) -> int:
        """The highest id stored (0: none). A SQLite transaction is serializable (and the
        library's write transactions begin ``IMMEDIATE``): no other connection's row
        appears in it, so the rows with a higher id after ``add_many`` are the ones it
        inserted."""
        table = self._dialect.identifier_preparer.format_table(self._c)
        return int(self._conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0)

    def existing_emails(self, emails: Sequence[str]) -> set[str]:
        """Those of ``emails`` (lower-cased) some stored customer uses, ignoring case
        (:mod:`._fast`: no whole-table scan per chunk of e-mails); on MySQL/MariaDB
        under the column's collation, as :func:`email_equals` and the unique index."""
        if is_mysql(self._dialect):
            return _taken_under_collation(self._conn, self._c, emails)
        self._plan_each_statement()
        return _fast.existing_emails(self._conn, self._c, emails, self._legacy)


@attrs.frozen
class Added:
    """The customers one ``add_many`` inserted: their e-mails, in order, and where their
    rows are: their ids (PostgreSQL's ``RETURNING``) or the id they all come after (SQLite)."""

    emails: list[str]
    ids: list[int] | None
    after_id: int | None


class SQLAlchemyChanges(ChangeThenAppend):
    """:class:`~customer_core.ports.RecordedChanges` on SQL: on PostgreSQL a write and its
    event as one statement (:func:`_with_event`); elsewhere two (MySQL/MariaDB have no
    data-modifying CTE; SQLite's round trips are calls inside the process)."""

    def __init__(self, customers: SQLAlchemyCustomerRepository, events: EventLog) -> None:
        super().__init__(customers, events)
        self._sql = customers
        self._one_statement = customers.dialect_name == "postgresql"

    def add(self, customer: NewCustomer, event: NewEvent) -> Customer:
        """Insert the customer with its event."""
        if not self._one_statement:
            return super().add(customer, event)
        return self._sql.add(customer, event=event)

    def update(self, customer_id: int, changes: Mapping[str, object], event: NewEvent) -> Customer:
        """Update the customer with its event."""
        if not self._one_statement:
            return super().update(customer_id, changes, event)
        return self._sql.update(customer_id, changes, event=event)


#: Prefixes of the bound parameters of :func:`_with_event`'s statements (a parameter may
#: not be named like a column its statement sets).
_NEW, _EVENT = "new_", "event_"
#: The event's columns bound per call; its ``customer_id`` is the written row's id.
_EVENT_VALUES = ("type", "actor_id", "data", "occurred_at")


def _insert_with_event(customers: Table, events: Table, names: tuple[str, ...]) -> Select[Any]:
    """``INSERT`` of a customer's ``names`` columns, with its event (:func:`_with_event`)."""
    cache, key = _statements(customers), ("insert", customers, events, names)
    if key not in cache:
        values = {name: bindparam(_NEW + name, type_=customers.c[name].type) for name in names}
        cache[key] = _with_event(insert(customers).values(values), customers, events)
    return cache[key]


def _update_with_event(customers: Table, events: Table, names: tuple[str, ...]) -> Select[Any]:
    """``UPDATE`` of a customer's ``names`` columns, with its event (:func:`_with_event`)."""
    cache, key = _statements(customers), ("update", customers, events, names)
    if key not in cache:
        c = customers.c
        values = {name: bindparam(_NEW + name, type_=c[name].type) for name in names}
        where = c.id == bindparam(_NEW + "id", type_=c.id.type)
        statement = update(customers).where(where).values(values)
        cache[key] = _with_event(statement, customers, events)
    return cache[key]


def _statements(customers: Table) -> dict[tuple[object, ...], Select[Any]]:
    """The statements of :func:`_with_event` built for ``customers``, in the table's ``info``:
    they live as long as the table (a module-level cache keyed on tables kept every core's
    tables and MetaData for the life of the process). The key holds the table itself, so a
    copy of the table (``to_metadata``, which copies ``info``) builds its own."""
    cache: dict[tuple[object, ...], Select[Any]] = customers.info.setdefault(_STATEMENTS, {})
    return cache


#: The key of :func:`_statements`'s cache in ``Table.info``.
_STATEMENTS = "customer_core.statements_with_event"


def _with_event(statement: Insert | Update, customers: Table, events: Table) -> Select[Any]:
    """``WITH written AS (statement RETURNING …), logged AS (INSERT INTO customer_events …
    SELECT written.id, :event_type, … FROM written) SELECT … FROM written`` (PostgreSQL).

    One round trip for the write and its event, and a statement that writes no row writes
    no event. Built once per table and set of columns, with bound parameters only: a
    statement object reused keeps its compiled-cache key, and building and keying this
    one per call cost more CPU than the second round trip it saves.
    """
    written = statement.returning(*customer_columns(customers)).cte("written")
    t = events.c
    bound = [bindparam(_EVENT + name, type_=t[name].type) for name in _EVENT_VALUES]
    event = select(written.c.id, *bound)
    logged = events.insert().from_select(["customer_id", *_EVENT_VALUES], event)
    return select(written).add_cte(logged.cte("logged"))


def _taken_under_collation(connection: Connection, table: Table, emails: Sequence[str]) -> set[str]:
    """Those of ``emails`` a stored e-mail equals under the column's collation (MySQL).

    Per chunk, ``email IN (...)`` first (the unique index, one short statement): no row,
    nothing taken, the common case of an import. Otherwise the stored spelling it
    returns cannot be matched to the wanted one in Python (``josé@`` is ``jose@``
    there), so the chunk is asked again as ``SELECT 0 FROM DUAL WHERE EXISTS (...
    email = :e0) UNION ALL SELECT 1 ...``, which answers with the wanted e-mails
    (about 20 times slower: only an import about to be refused pays it).
    """
    wanted = list(dict.fromkeys(emails))
    column = table.c.email
    taken: set[str] = set()
    for start in range(0, len(wanted), _COLLATION_CHUNK):
        chunk = wanted[start : start + _COLLATION_CHUNK]
        if connection.execute(select(column).where(column.in_(chunk)).limit(1)).first() is None:
            continue
        probe = union_all(
            *(
                select(literal(position)).where(exists().where(column == email))
                for position, email in enumerate(chunk)
            )
        )
        taken.update(chunk[position] for position in connection.execute(probe).scalars())
    return taken


def _new_columns(customers: Sequence[NewCustomer]) -> dict[str, list[Any]]:
    """The rows of new customers (no orders yet), a list per column, from their columns
    (:class:`NewCustomers`: as they are)."""
    new = NewCustomers.of(customers)
    count = len(new)
    columns: dict[str, list[Any]] = {
        name: [value] * count for name, value in attrs.asdict(OrderTotals.empty()).items()
    }
    for name in NEW_CUSTOMER_FIELDS:
        columns[name] = new.columns[name]
    columns["password"] = new.columns["password_hash"]
    return columns
