"""Customers in SQL: look-ups that find legacy mixed-case e-mails, and the write paths.

The bulk paths of ``import_many`` (the insert and the duplicate check) are in :mod:`._fast`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from customer_core.adapters.sqlalchemy import _fast, ltv
from customer_core.adapters.sqlalchemy.dialects import email_equals
from customer_core.adapters.sqlalchemy.errors import (
    driver_cause,
    is_unique_violation,
    translating,
)
from customer_core.adapters.sqlalchemy.guard import (
    check_column_lengths,
    check_lengths,
    inserted_id,
    valid_id,
)
from customer_core.adapters.sqlalchemy.orders import OrderColumns
from customer_core.adapters.sqlalchemy.rows import customer_from
from customer_core.adapters.sqlalchemy.schema import CustomerTables
from customer_core.adapters.sqlalchemy.search import search_customers
from customer_core.errors import CustomerNotFound, DuplicateEmail
from customer_core.model import Customer, ListedCustomer, OrderTotals
from customer_core.ports import Credentials, CustomerQuery, NewCustomer
from sqlalchemy import Connection, Select, delete, exc, func, insert, select, update

__all__ = ["SQLAlchemyCustomerRepository"]


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
        self._orders = orders
        self._dialect = connection.dialect

    def add(self, customer: NewCustomer) -> Customer:
        """Insert; ``DuplicateEmail`` if a stored e-mail equals it ignoring case."""
        if self.find_by_email(customer.email) is not None:
            raise DuplicateEmail(customer.email)
        values = {name: column[0] for name, column in _new_columns([customer]).items()}
        check_lengths(self._dialect, self._c, values)
        with translating(), _unique_email(customer.email):
            result = self._conn.execute(insert(self._c).values(values))
        return self._get(inserted_id(result))

    def add_many(self, customers: Sequence[NewCustomer]) -> int:
        """Insert all in as few statements as the database takes (:mod:`._fast`); the
        service has checked them already."""
        if not customers:
            return 0
        columns = _new_columns(customers)
        check_column_lengths(self._dialect, self._c, columns)
        with translating(), _unique_email("(one of the imported e-mails)"):
            _fast.insert_columns(self._conn, self._c, columns)
        return len(customers)

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
        return self._one(self._select_email(email))

    def find_credentials(self, email: str) -> Credentials | None:
        """The customer and its stored password hash."""
        with translating():
            row = self._conn.execute(self._select_email(email)).first()
        if row is None:
            return None
        return Credentials(customer=customer_from(row), password_hash=str(row.password))

    def existing_emails(self, emails: Sequence[str]) -> set[str]:
        """Those of ``emails`` (lower-cased) some stored customer uses, ignoring case
        (:mod:`._fast`: no whole-table scan per chunk of e-mails)."""
        with translating():
            return _fast.existing_emails(self._conn, self._c, emails)

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

    def search(self, query: CustomerQuery) -> tuple[list[ListedCustomer], int]:
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
            return ltv.recalculate_batch(
                self._conn, self._c, self._orders, after_id, limit, updated_at
            )

    def recalculate_ids(self, ids: Sequence[int], updated_at: datetime) -> list[int]:
        """Lock the customers among ``ids`` and recompute them in one UPDATE (:mod:`.ltv`)."""
        with translating():
            return ltv.recalculate_ids(self._conn, self._c, self._orders, ids, updated_at)

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


def _new_columns(customers: Sequence[NewCustomer]) -> dict[str, list[Any]]:
    """The rows of new customers (no orders yet), a list per column."""
    zero = OrderTotals.empty().lifetime_value
    count = len(customers)
    return {
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
