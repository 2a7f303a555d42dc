"""Customers in SQL: look-ups that find legacy mixed-case e-mails, and the write paths."""

from __future__ import annotations

import builtins
import json
import math
import operator
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from operator import attrgetter
from typing import Any

import attrs

from customer_core.adapters.sqlalchemy.dialects import email_equals, folded, is_mysql
from customer_core.adapters.sqlalchemy.errors import is_unique_violation, translating
from customer_core.adapters.sqlalchemy.guard import (
    check_column_lengths,
    check_lengths,
    inserted_id,
    valid_id,
)
from customer_core.adapters.sqlalchemy.ltv import recalculate_batch
from customer_core.adapters.sqlalchemy.orders import OrderColumns
from customer_core.adapters.sqlalchemy.rows import customer_from
from customer_core.adapters.sqlalchemy.schema import CustomerTables
from customer_core.adapters.sqlalchemy.search import search_customers
from customer_core.adapters.sqlalchemy.types import (
    Money,
    Timestamp,
    bulk_bind_processor,
    laravel_texts,
)
from customer_core.errors import CustomerNotFound, DuplicateEmail
from customer_core.model import Customer, ListedCustomer, OrderTotals
from customer_core.ports import Credentials, CustomerQuery, NewCustomer
from sqlalchemy import (
    Boolean,
    ColumnClause,
    ColumnElement,
    Connection,
    Integer,
    LargeBinary,
    Select,
    String,
    any_,
    bindparam,
    cast,
    delete,
    exc,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import column as untyped_column
from sqlalchemy import table as untyped_table
from sqlalchemy.dialects.postgresql import JSON

__all__ = ["SQLAlchemyCustomerRepository"]

#: E-mails per ``IN (...)`` list: far below every driver's parameter limit.
EMAIL_CHUNK = 500
#: E-mails per PostgreSQL ``= ANY(array(... :emails ...))`` look-up (one JSON parameter,
#: however long: :func:`_json_text_array`).
EMAIL_ARRAY_CHUNK = 10_000
#: A ``pg_get_indexdef`` of a B-tree on ``lower(email)`` alone, e.g. ``CREATE INDEX
#: customers_lower_email_index ON public.customers USING btree (lower((email)::text))``.
LOWER_EMAIL_INDEX = re.compile(r"USING btree \(lower\(\(?email\)?(?:::text)?\)\)")


#: A driver's positional placeholder, by DB-API paramstyle (psycopg, PyMySQL and
#: mysqlclient declare ``pyformat`` or ``format`` and take ``%s`` with tuples).
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _json_text_array(texts: Sequence[str]) -> ColumnElement[Any]:
    """PostgreSQL's ``array((SELECT json_array_elements_text(CAST(:emails AS JSON))))``.

    One text parameter, a short statement the driver parses once whatever the
    size, and, unlike an array parameter, no per-element work in Python
    (``json.dumps`` is C). Characters beyond ASCII go as they are, in the
    connection's encoding: ``\\uXXXX`` escapes of them are refused by a
    database whose encoding is not UTF-8.
    """
    listed = json.dumps(list(texts), ensure_ascii=False)
    document = cast(bindparam("emails", listed, type_=String()), JSON())
    return func.array(select(func.json_array_elements_text(document)).scalar_subquery())


_TZINFO = attrgetter("tzinfo")
_MICROSECOND = attrgetter("microsecond")
#: The alias of the JSON rows in PostgreSQL's bulk insert.
_BULK_ROWS = "bulk_rows"
#: The PostgreSQL type a JSON text is cast to, by column type (None: a text column,
#: no cast). Only these types go through JSON; the values must be of the Python types
#: their bind processing gives (:func:`_json_column`).
_JSON_TYPES: dict[type, str | None] = {
    String: None,
    Boolean: "BOOLEAN",
    Integer: "INTEGER",
    Timestamp: "TIMESTAMP WITHOUT TIME ZONE",
    Money: "NUMERIC",
}


def _json_column(column_type: object, values: list[Any]) -> tuple[list[Any], str | None] | None:
    """A column's bound values as JSON values whose text PostgreSQL parses back into
    them, and the type to cast that text to; None when there is no such form.

    Text, flags and 64-bit integers are JSON as they are (``->>`` gives their text:
    ``true``, ``12``); naive datetimes in whole seconds are Laravel's
    ``'Y-m-d H:i:s'`` (:func:`~customer_core.adapters.sqlalchemy.types.laravel_texts`);
    finite Decimals their ``str``.
    """
    if type(column_type) not in _JSON_TYPES:
        return None
    sql_type = _JSON_TYPES[type(column_type)]
    present = [value for value in values if value is not None]
    kinds = set(map(type, present))
    if not kinds:
        return values, sql_type
    if kinds == {str} and sql_type is None:
        return values, sql_type
    if kinds == {bool} and sql_type == "BOOLEAN":
        return values, sql_type
    if kinds == {int} and sql_type == "INTEGER":
        fits = min(present) >= -_MAX_INTEGER and max(present) <= _MAX_INTEGER
        return (values, sql_type) if fits else None
    if kinds == {Decimal} and sql_type == "NUMERIC":
        if not all(value.is_finite() for value in present):
            return None
        return [value if value is None else str(value) for value in values], sql_type
    if kinds == {datetime} and sql_type == _JSON_TYPES[Timestamp]:
        if set(map(_TZINFO, present)) != {None} or any(map(_MICROSECOND, present)):
            return None
        texts = iter(laravel_texts(present))
        return [value if value is None else next(texts) for value in values], sql_type
    return None


#: Fewer rows than this a statement (an old SQLite's 999 variables): one executemany instead.
MIN_ROWS_PER_STATEMENT = 500
#: SQLite's default variable limit before 3.32.0.
SQLITE_OLD_VARIABLE_LIMIT = 999


def _sqlite_rows_per_statement(connection: Connection, width: int) -> int:
    """How many rows of ``width`` bound values one SQLite statement may carry."""
    driver: Any = connection.connection.driver_connection
    try:
        limit = int(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except (AttributeError, sqlite3.Error):  # not the stdlib driver
        limit = SQLITE_OLD_VARIABLE_LIMIT
    return max(1, limit // width)


#: Text a constant may be written as in SQL: nothing to escape on any dialect
#: (no quote, backslash or ``%``).
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 .:+-]*")
#: A number written the same way in every SQL dialect (no exponent).
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
#: Integers that are a 64-bit integer in every database (SQLite makes larger ones REAL).
_MAX_INTEGER = 2**63 - 1
#: Floats written as a literal: whole, non-negative and exactly representable.
_MAX_FLOAT = 2.0**52


@attrs.frozen
class _Constant:
    """A column's value, the same in every row of a bulk insert (already bound-processed)."""

    value: Any


def _sql_literal(value: object) -> str | None:
    """``value`` spelled in SQL so that the database stores what binding it stores, or None.

    Only values whose spelling is exact and the same on every dialect: NULL,
    64-bit integers, Decimals without an exponent, whole non-negative floats
    (``0.0``, what SQLite's ``Money`` binds) and text with nothing to escape.
    """
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value) if -_MAX_INTEGER <= value <= _MAX_INTEGER else None
    if type(value) is Decimal:
        text = str(value)
        return text if _PLAIN_NUMBER.fullmatch(text) else None
    if type(value) is float:
        exact = value.is_integer() and 0.0 <= value <= _MAX_FLOAT
        return repr(value) if exact and math.copysign(1.0, value) > 0 else None
    if type(value) is str and _PLAIN_TEXT.fullmatch(value):
        return f"'{value}'"
    return None


@contextmanager
def _unique_email(email: str) -> Iterator[None]:
    """A unique-key violation while writing ``email`` is a ``DuplicateEmail`` (a lost race)."""
    try:
        yield
    except exc.DBAPIError as error:
        if is_unique_violation(error):
            raise DuplicateEmail(email) from error
        raise


class SQLAlchemyCustomerRepository:
    """A :class:`~customer_core.ports.CustomerRepository` on one connection."""

    def __init__(
        self, connection: Connection, tables: CustomerTables, orders: OrderColumns | None
    ) -> None:
        self._conn = connection
        self._t = tables
        self._c = tables.customers
        self._orders = orders
        self._dialect = connection.dialect

    def add(self, customer: NewCustomer) -> Customer:
        """Insert; ``DuplicateEmail`` if a stored e-mail equals it ignoring case."""
        if self.find_by_email(customer.email) is not None:
            raise DuplicateEmail(customer.email)
        values = _insert_values(customer)
        check_lengths(self._dialect, self._c, values)
        with translating(), _unique_email(customer.email):
            result = self._conn.execute(insert(self._c).values(values))
        return self._get(inserted_id(result))

    def add_many(self, customers: Sequence[NewCustomer]) -> int:
        """Insert all in one executemany; the service has checked them already.

        The values go in already in the driver's types, converted column by
        column (:meth:`_bound_columns`): a value that is the same object in
        every row is converted once, and a constant the SQL can spell exactly
        (NULL, a number, plain text; :func:`_sql_literal`) is written into the
        statement instead of being bound for each row. The statement is plain
        SQL with the driver's placeholders and the rows are tuples
        (:meth:`_driver_insert`), so neither SQLAlchemy nor the driver has
        per-value work left but the binding itself; where that is not
        possible (a ``schema_translate_map``, another paramstyle), the rows go
        through an ``insert()`` of untyped columns.
        """
        if not customers:
            return 0
        zero = OrderTotals.empty().lifetime_value
        count = len(customers)
        columns: dict[str, list[Any]] = {
            "name": [customer.name for customer in customers],
            "email": [customer.email for customer in customers],
            "password": [customer.password_hash for customer in customers],
            "phone": [customer.phone for customer in customers],
            "avatar": [customer.avatar for customer in customers],
            "is_blocked": [customer.is_blocked for customer in customers],
            "lifetime_value": [zero] * count,
            "total_orders": [0] * count,
            "last_order_at": [None] * count,
            "created_at": [customer.created_at for customer in customers],
            "updated_at": [customer.updated_at for customer in customers],
        }
        check_column_lengths(self._dialect, self._c, columns)
        bound = self._bound_columns(columns)
        with translating(), _unique_email("(one of the imported e-mails)"):
            done = self._json_insert(bound, count) or self._driver_insert(bound, count)
            if not done:
                self._untyped_insert(bound, count)
        return count

    def _bound_columns(self, columns: dict[str, list[Any]]) -> dict[str, list[Any] | _Constant]:
        """Each column's values through its type's bind processing, as SQLAlchemy would
        do it (:func:`~customer_core.adapters.sqlalchemy.types.bulk_bind_processor`);
        a column holding one object in every row becomes a :class:`_Constant`,
        converted once."""
        bound: dict[str, list[Any] | _Constant] = {}
        for name, values in columns.items():
            process = bulk_bind_processor(self._c.c[name].type, self._dialect)
            first = values[0]
            if all(map(operator.is_, values, repeat(first))):
                bound[name] = _Constant(first if process is None else process([first])[0])
            else:
                bound[name] = values if process is None else process(values)
        return bound

    def _driver_insert(self, bound: dict[str, list[Any] | _Constant], count: int) -> bool:
        """``INSERT ... VALUES (?, ..., NULL, 0, ...)`` through ``exec_driver_sql``; False
        (nothing done) when the paramstyle or the connection's options ask for
        SQLAlchemy's own compilation.

        The rows go as tuples to the driver's ``executemany``; on SQLite as
        multi-row ``VALUES`` lists of as many rows as its variable limit allows
        (:func:`_sqlite_rows_per_statement`), one statement instead of one per
        row (each also writes the AUTOINCREMENT counter).
        """
        marker = _PLACEHOLDERS.get(self._dialect.paramstyle)
        options = self._conn.get_execution_options()
        if marker is None or options.get("schema_translate_map"):
            return False
        preparer = self._dialect.identifier_preparer
        names: list[str] = []
        values: list[str] = []
        varying: list[list[Any]] = []
        for position, (name, column) in enumerate(bound.items()):
            names.append(preparer.quote(name))
            literal = _sql_literal(column.value) if isinstance(column, _Constant) else None
            # The first column stays a parameter: a row needs one to be a row of executemany.
            if literal is not None and position > 0:
                values.append(literal)
                continue
            values.append(marker)
            varying.append(column if isinstance(column, list) else [column.value] * count)
        head = f"INSERT INTO {preparer.format_table(self._c)} ({', '.join(names)}) VALUES "
        row = f"({', '.join(values)})"
        per_statement = 1
        if self._dialect.name == "sqlite":
            per_statement = _sqlite_rows_per_statement(self._conn, len(varying))
        if per_statement < MIN_ROWS_PER_STATEMENT:
            self._conn.exec_driver_sql(head + row, list(zip(*varying, strict=True)))
            return True
        width = len(varying)
        for start in range(0, count, per_statement):
            rows = min(per_statement, count - start)
            flat: list[Any] = [None] * (rows * width)
            for offset, column in enumerate(varying):
                flat[offset::width] = column[start : start + rows]
            self._conn.exec_driver_sql(head + ", ".join([row] * rows), tuple(flat))
        return True

    def _json_insert(self, bound: dict[str, list[Any] | _Constant], count: int) -> bool:
        """PostgreSQL: every row in one JSON text, ``INSERT ... SELECT`` from
        ``jsonb_array_elements`` in the rows' order; False (nothing done) elsewhere, or
        when a column's type or values have no exact JSON form (:func:`_json_column`).

        psycopg's ``executemany`` costs some 10 µs of Python a row (a pipeline
        round per row); ``json.dumps`` is C and the server reads the rows in one
        statement (``jsonb``: parsed once, where ``json`` is parsed again by each
        ``->>``). Each value arrives as the text PostgreSQL would parse had it
        been bound (a text column takes the JSON string as it is, so an assignment
        that is too long still fails instead of being cut), cast to the column's
        type: the stored values are the ones ``executemany`` stores.
        """
        marker = _PLACEHOLDERS.get(self._dialect.paramstyle)
        if self._dialect.name != "postgresql" or marker is None:
            return False
        if self._conn.get_execution_options().get("schema_translate_map"):
            return False
        preparer = self._dialect.identifier_preparer
        names: list[str] = []
        selected: list[str] = []
        sources: list[list[Any]] = []
        for position, (name, column) in enumerate(bound.items()):
            names.append(preparer.quote(name))
            constant = isinstance(column, _Constant)
            literal = _sql_literal(column.value) if isinstance(column, _Constant) else None
            # The first column stays in the JSON: a row needs one value to be a row.
            if literal is not None and position > 0:
                selected.append(literal)
                continue
            values = [column.value] if isinstance(column, _Constant) else column
            converted = _json_column(self._c.c[name].type, values)
            if converted is None:
                return False
            texts, sql_type = converted
            source = f"{_BULK_ROWS}.value->>{len(sources)}"
            selected.append(source if sql_type is None else f"CAST({source} AS {sql_type})")
            sources.append(texts * count if constant else texts)
        document = json.dumps(list(zip(*sources, strict=True)), ensure_ascii=False)
        statement = (
            f"INSERT INTO {preparer.format_table(self._c)} ({', '.join(names)})"
            f" SELECT {', '.join(selected)}"
            f" FROM jsonb_array_elements(CAST({marker} AS JSONB))"
            f" WITH ORDINALITY AS {_BULK_ROWS}(value, position)"
            f" ORDER BY {_BULK_ROWS}.position"
        )
        self._conn.exec_driver_sql(statement, (document,))
        return True

    def _untyped_insert(self, bound: dict[str, list[Any] | _Constant], count: int) -> None:
        """The values, already in the driver's types, through untyped columns."""
        columns: list[ColumnClause[Any]] = [untyped_column(name) for name in bound]
        untyped = untyped_table(self._c.name, *columns, schema=self._c.schema)
        lists = {
            name: values if isinstance(values, list) else [values.value] * count
            for name, values in bound.items()
        }
        rows = [dict(zip(lists, row, strict=True)) for row in zip(*lists.values(), strict=True)]
        self._conn.execute(insert(untyped), rows)

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
        """
        return self._one(self._select_id(customer_id).with_for_update())

    def find_by_email(self, email: str) -> Customer | None:
        """The customer whose e-mail, lower-cased, equals ``email``."""
        return self._one(self._select_email(email))

    def find_credentials(self, email: str) -> Credentials | None:
        """The customer and its stored password hash."""
        with translating():
            row = self._conn.execute(self._select_email(email)).first()
        if row is None:
            return None
        return Credentials(customer=customer_from(row), password_hash=str(row.password))

    def existing_emails(self, emails: Sequence[str]) -> set[str]:
        """Those of ``emails`` (lower-cased) some stored customer uses, ignoring case.

        A stored e-mail equal to a wanted one once lower-cased is either that
        very string, which the unique index finds (``email IN (...)``, chunks
        of :data:`EMAIL_CHUNK`; one JSON array on PostgreSQL), or a row whose
        e-mail is not its own lower case: a legacy mixed-case row, read in one
        pass (:meth:`_legacy_emails`) however many chunks there are. Folding the
        column instead
        (``lower(email) IN (...)``) would scan the whole table for every chunk
        on SQLite, and on PostgreSQL without ``customers_lower_email_index``;
        with that index PostgreSQL keeps the folded look-up. MySQL's
        case-insensitive collation lets the unique index find every spelling.
        """
        wanted = list(dict.fromkeys(emails))
        if not wanted:
            return set()
        if is_mysql(self._dialect) or self._lower_email_indexed():
            return self._emails_in(wanted, folded_column=True)
        return self._emails_in(wanted, folded_column=False) | self._legacy_emails(set(wanted))

    def update(self, customer_id: int, changes: Mapping[str, object]) -> Customer:
        """Write the given columns; ``DuplicateEmail`` when ``email`` is another customer's."""
        email = changes.get("email")
        if isinstance(email, str):
            other = self.find_by_email(email)
            if other is not None and other.id != customer_id:
                raise DuplicateEmail(email)
        self._write(customer_id, dict(changes), email=str(email or ""))
        return self._get(customer_id)

    def set_password_hash(self, customer_id: int, password_hash: str, updated_at: datetime) -> None:
        """Replace the stored hash."""
        self._write(customer_id, {"password": password_hash, "updated_at": updated_at})

    def delete(self, customer_id: int) -> None:
        """Delete the customer, its notes and addresses (not left to the FK cascade alone)."""
        if not valid_id(customer_id):
            return
        with translating():
            for child in (self._t.notes, self._t.addresses):
                self._conn.execute(delete(child).where(child.c.customer_id == customer_id))
            self._conn.execute(delete(self._c).where(self._c.c.id == customer_id))

    def search(self, query: CustomerQuery) -> tuple[builtins.list[ListedCustomer], int]:
        """One page of matches with their orders counts (one query), and the count of all."""
        with translating():
            return search_customers(self._conn, self._c, self._orders, query)

    def save_totals(self, customer_id: int, totals: OrderTotals, updated_at: datetime) -> Customer:
        """Store the lifetime-value fields and return the customer."""
        changes = {
            "lifetime_value": totals.lifetime_value,
            "total_orders": totals.total_orders,
            "last_order_at": totals.last_order_at,
            "updated_at": updated_at,
        }
        self._write(customer_id, changes)
        return self._get(customer_id)

    def count(self) -> int:
        """How many customers are stored."""
        with translating():
            return int(self._conn.execute(select(func.count()).select_from(self._c)).scalar_one())

    def recalculate_totals(
        self, after_id: int, limit: int, updated_at: datetime
    ) -> tuple[int, int] | None:
        """Recompute the next ``limit`` customers above ``after_id``, set-based (:mod:`.ltv`)."""
        with translating():
            return recalculate_batch(self._conn, self._c, self._orders, after_id, limit, updated_at)

    # -- helpers --------------------------------------------------------------------------

    def _select_id(self, customer_id: int) -> Select[Any]:
        wanted = customer_id if valid_id(customer_id) else 0
        return select(self._c).where(self._c.c.id == wanted)

    def _select_email(self, email: str) -> Select[Any]:
        # Legacy rows may hold both "Ada@X.io" and "ada@x.io": the exact one first, then the oldest.
        column = self._c.c.email
        exact_first = (column != email).asc()
        return (
            select(self._c)
            .where(email_equals(self._dialect, column, email))
            .order_by(exact_first, self._c.c.id)
            .limit(1)
        )

    def _emails_in(self, wanted: Sequence[str], *, folded_column: bool) -> set[str]:
        """Those of ``wanted`` found with ``email IN (...)``, or ``lower(email) IN (...)``
        (``= ANY(array(...))`` of a JSON parameter on PostgreSQL).

        On MySQL the plain ``IN`` goes through the case-insensitive collation (a
        superset, narrowed here with ``str.lower``), so it is the folded look-up.
        """
        column = self._c.c.email
        probe: ColumnElement[Any] = column
        if folded_column and not is_mysql(self._dialect):
            probe = folded(self._dialect, column)
        postgres = self._dialect.name == "postgresql"
        if probe is column and not postgres:
            found = self._driver_emails_in(wanted)
            if found is not None:
                return found & set(wanted)
        size = EMAIL_ARRAY_CHUNK if postgres else EMAIL_CHUNK
        found = set()
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            # PostgreSQL: one JSON parameter, whatever the size of the chunk.
            condition = probe == any_(_json_text_array(chunk)) if postgres else probe.in_(chunk)
            with translating():
                rows = self._conn.execute(select(column).where(condition)).scalars()
                found.update(str(value).lower() for value in rows)
        return found & set(wanted)

    def _driver_emails_in(self, wanted: Sequence[str]) -> set[str] | None:
        """The stored e-mails (lower-cased) among ``wanted``: ``email IN (?, ...)`` per
        :data:`EMAIL_CHUNK`, as plain SQL through ``exec_driver_sql`` with a tuple, so
        a chunk costs neither a compilation of its ``IN`` list nor a statement the
        driver has not seen (every full chunk is the same text); None when the
        paramstyle or the connection's options ask for SQLAlchemy's compilation."""
        marker = _PLACEHOLDERS.get(self._dialect.paramstyle)
        if marker is None or self._conn.get_execution_options().get("schema_translate_map"):
            return None
        preparer = self._dialect.identifier_preparer
        email = preparer.quote(self._c.c.email.name)
        head = f"SELECT {email} FROM {preparer.format_table(self._c)} WHERE {email} IN "
        statements: dict[int, str] = {}
        found: set[str] = set()
        for start in range(0, len(wanted), EMAIL_CHUNK):
            chunk = tuple(wanted[start : start + EMAIL_CHUNK])
            statement = statements.get(len(chunk))
            if statement is None:
                statement = statements[len(chunk)] = head + f"({', '.join([marker] * len(chunk))})"
            with translating():
                rows = self._conn.exec_driver_sql(statement, chunk).scalars()
                found.update(str(value).lower() for value in rows)
        return found

    def _legacy_emails(self, wanted: set[str]) -> set[str]:
        """Those of ``wanted`` that a stored e-mail other than itself folds to (one table scan).

        Only rows whose e-mail may differ from its lower case are read, with a
        native test:

        - SQLite: ``lower()`` folds ASCII only, and the library's ``cc_lower``
          (Python's ``str.lower``) would be a Python call per row; so the rows
          read are those ``lower()`` changes plus every row that is not pure
          ASCII (``length(CAST(email AS BLOB))`` counts bytes, ``length(email)``
          characters), folded here with ``str.lower`` as ``cc_lower`` would;
        - PostgreSQL: the rows ``lower()`` changes, with their ``lower(email)``
          (the folding the look-up by e-mail uses there).
        """
        column = self._c.c.email
        if self._dialect.name == "sqlite":
            not_ascii = func.length(cast(column, LargeBinary)) != func.length(column)
            query = select(column).where(or_(column != func.lower(column), not_ascii))
            with translating():
                rows = self._conn.execute(query).scalars()
                return {
                    lowered
                    for value in rows
                    if isinstance(value, str) and (lowered := value.lower()) in wanted
                }
        lower = func.lower(column)
        with translating():
            rows = self._conn.execute(select(lower).where(column != lower)).scalars()
            return {value for value in rows if value in wanted}

    def _lower_email_indexed(self) -> bool:
        """PostgreSQL with an index on ``lower(email)`` (``create_performance_indexes``)."""
        if self._dialect.name != "postgresql":
            return False
        table = self._dialect.identifier_preparer.format_table(self._c)
        query = text(
            "select pg_get_indexdef(indexrelid) from pg_index"
            " where indrelid = to_regclass(:table) and indpred is null"
        )
        with translating():
            definitions = self._conn.execute(query, {"table": table}).scalars().all()
        return any(LOWER_EMAIL_INDEX.search(str(definition)) for definition in definitions)

    def _one(self, query: Select[Any]) -> Customer | None:
        with translating():
            row = self._conn.execute(query).first()
        return None if row is None else customer_from(row)

    def _get(self, customer_id: int) -> Customer:
        customer = self.find(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        return customer

    def _write(self, customer_id: int, values: dict[str, object], email: str = "") -> None:
        check_lengths(self._dialect, self._c, values)
        if not valid_id(customer_id):
            raise CustomerNotFound(customer_id)
        statement = update(self._c).where(self._c.c.id == customer_id).values(values)
        with translating(), _unique_email(email):
            self._conn.execute(statement)


def _insert_values(customer: NewCustomer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "email": customer.email,
        "password": customer.password_hash,
        "phone": customer.phone,
        "avatar": customer.avatar,
        "is_blocked": customer.is_blocked,
        "lifetime_value": OrderTotals.empty().lifetime_value,
        "total_orders": 0,
        "last_order_at": None,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }
