"""Customers in SQL: look-ups that find legacy mixed-case e-mails, and the write paths."""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from customer_core.adapters.sqlalchemy.dialects import email_equals, folded, is_mysql
from customer_core.adapters.sqlalchemy.errors import is_unique_violation, translating
from customer_core.adapters.sqlalchemy.guard import (
    check_lengths,
    check_many_lengths,
    inserted_id,
    valid_id,
)
from customer_core.adapters.sqlalchemy.ltv import recalculate_batch
from customer_core.adapters.sqlalchemy.orders import OrderColumns
from customer_core.adapters.sqlalchemy.rows import customer_from
from customer_core.adapters.sqlalchemy.schema import CustomerTables
from customer_core.adapters.sqlalchemy.search import search_customers
from customer_core.errors import CustomerNotFound, DuplicateEmail
from customer_core.model import Customer, ListedCustomer, OrderTotals
from customer_core.ports import Credentials, CustomerQuery, NewCustomer
from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Connection,
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
from sqlalchemy.dialects.postgresql import ARRAY

__all__ = ["SQLAlchemyCustomerRepository"]

#: E-mails per ``IN (...)`` list: far below every driver's parameter limit.
EMAIL_CHUNK = 500
#: E-mails per PostgreSQL ``= ANY(:array)`` look-up (one parameter, however long).
EMAIL_ARRAY_CHUNK = 10_000
#: A ``pg_get_indexdef`` of a B-tree on ``lower(email)`` alone, e.g. ``CREATE INDEX
#: customers_lower_email_index ON public.customers USING btree (lower((email)::text))``.
LOWER_EMAIL_INDEX = re.compile(r"USING btree \(lower\(\(?email\)?(?:::text)?\)\)")


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

        The rows go in already in the driver's types (:meth:`_bound`), through
        untyped columns, so SQLAlchemy has no per-value work left to do.
        """
        if not customers:
            return 0
        zero = OrderTotals.empty().lifetime_value
        rows = [_insert_values(customer, zero) for customer in customers]
        check_many_lengths(self._dialect, self._c, rows)
        names = list(rows[0])
        columns: list[ColumnClause[Any]] = [untyped_column(name) for name in names]
        untyped = untyped_table(self._c.name, *columns, schema=self._c.schema)
        with translating(), _unique_email("(one of the imported e-mails)"):
            self._conn.execute(insert(untyped), self._bound(rows))
        return len(rows)

    def _bound(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` with each value through its column type's bind processing, as
        SQLAlchemy would do it, once per distinct object: most columns of a bulk
        insert hold one or two objects (the same ``updated_at``, flag, amount)."""
        for name in rows[0]:
            column_type = self._c.c[name].type
            process = column_type.dialect_impl(self._dialect).bind_processor(self._dialect)
            if process is None:
                continue
            # The originals stay referenced here, so no id() is reused while converting.
            originals = [row[name] for row in rows]
            done: dict[int, Any] = {}
            for row, value in zip(rows, originals, strict=True):
                key = id(value)
                if key not in done:
                    done[key] = process(value)
                row[name] = done[key]
        return rows

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
        of :data:`EMAIL_CHUNK`; one array on PostgreSQL), or a row whose e-mail is not its own lower
        case: a legacy mixed-case row, read in one pass (:meth:`_legacy_emails`)
        however many chunks there are. Folding the column instead
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
        (``= ANY(:emails)`` on PostgreSQL).

        On MySQL the plain ``IN`` goes through the case-insensitive collation (a
        superset, narrowed here with ``str.lower``), so it is the folded look-up.
        """
        column = self._c.c.email
        probe: ColumnElement[Any] = column
        if folded_column and not is_mysql(self._dialect):
            probe = folded(self._dialect, column)
        postgres = self._dialect.name == "postgresql"
        size = EMAIL_ARRAY_CHUNK if postgres else EMAIL_CHUNK
        found: set[str] = set()
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            if postgres:
                # One array parameter: a short statement the driver parses once, whatever the size.
                condition = probe == any_(bindparam("emails", chunk, type_=ARRAY(String())))
            else:
                condition = probe.in_(chunk)
            with translating():
                rows = self._conn.execute(select(column).where(condition)).scalars()
                found.update(str(value).lower() for value in rows)
        return found & set(wanted)

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


def _insert_values(customer: NewCustomer, zero: Decimal | None = None) -> dict[str, Any]:
    return {
        "name": customer.name,
        "email": customer.email,
        "password": customer.password_hash,
        "phone": customer.phone,
        "avatar": customer.avatar,
        "is_blocked": customer.is_blocked,
        "lifetime_value": OrderTotals.empty().lifetime_value if zero is None else zero,
        "total_orders": 0,
        "last_order_at": None,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }
