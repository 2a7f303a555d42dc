"""The repositories on the Django ORM: ``values()`` rows turned into frozen domain values.

E-mail uniqueness is the repository's: one probe on the lower-cased e-mail
before the write (the unique index ``customers_email_unique`` is case-sensitive
on SQLite and PostgreSQL, where legacy rows may be mixed-case), and the unique
index deciding a race, translated into ``DuplicateEmail``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Case, F, Func, IntegerField, OrderBy, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from customer_core.contrib.django._accents import AccentFolded
from customer_core.contrib.django._errors import unique_email
from customer_core.contrib.django._keyset import after_keyset, capped_count
from customer_core.contrib.django._orders import OrderSQL
from customer_core.contrib.django._values import (
    ADDRESS_FIELDS,
    CUSTOMER_FIELDS,
    NOTE_FIELDS,
    address_from,
    customer_from,
    db_time,
    db_values,
    note_from,
)
from customer_core.contrib.django.models import Address as AddressRow
from customer_core.contrib.django.models import Customer as CustomerRow
from customer_core.contrib.django.models import CustomerNote as NoteRow
from customer_core.errors import CustomerNotFound, DuplicateEmail, ValidationError
from customer_core.model import Address, AddressType, Customer, ListedCustomer, Note
from customer_core.ports import Credentials, CustomerQuery, NewAddress, NewCustomer, NewNote

__all__ = [
    "DjangoAddressRepository",
    "DjangoCustomerRepository",
    "DjangoNoteRepository",
    "Folded",
    "search_filter",
]

UNKNOWN_AUTHOR = "is not a user of the host application"
#: ``find``'s statement per database alias, as the ORM writes it (see ``find``).
_FIND_SQL: dict[str, str] = {}
NULLABLE_SORTS = frozenset({"created_at", "last_order_at"})


class Folded(Func):
    """A column lower-cased as Python's ``str.lower`` does (SQLite: the ``cc_lower`` function)."""

    function = "LOWER"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        """SQLite's own ``lower()`` folds ASCII only."""
        return super().as_sql(compiler, connection, function="cc_lower", **extra)


class DjangoCustomerRepository:
    """A :class:`~customer_core.ports.CustomerRepository` on one Django database."""

    def __init__(self, alias: str, orders: OrderSQL | None) -> None:
        self._alias = alias
        self._rows: QuerySet[CustomerRow] = CustomerRow.objects.using(alias)
        self._orders = orders

    def add(self, customer: NewCustomer) -> Customer:
        """Insert; ``DuplicateEmail`` if a stored e-mail equals it ignoring case."""
        self._refuse_taken(customer.email)
        values = db_values(customer.row())
        with unique_email(customer.email):
            row = self._rows.create(password=customer.password_hash, **values)
        return attrs.evolve(_new_customer(customer), id=int(row.pk))

    def find(self, customer_id: int) -> Customer | None:
        """The customer with this id, or None.

        The hottest read: the ORM writes its SQL once per database (building and
        compiling the query cost more than running it: ``get`` went from 1.3-1.5x the
        SQLAlchemy adapter's time to par on SQLite, docs/performance.md).
        """
        sql = _FIND_SQL.get(self._alias)
        if sql is None:
            query = self._rows.filter(pk=0).values(*CUSTOMER_FIELDS)[:1].query
            sql, params = query.sql_with_params()
            if len(params) != 1:  # the id must be the statement's one parameter
                return self._one(self._rows.filter(pk=customer_id))
            _FIND_SQL[self._alias] = sql
        with connections[self._alias].cursor() as cursor:
            cursor.execute(sql, [customer_id])
            row = cursor.fetchone()
        return None if row is None else customer_from(dict(zip(CUSTOMER_FIELDS, row, strict=True)))

    def lock(self, customer_id: int) -> Customer | None:
        """``find`` with ``SELECT ... FOR NO KEY UPDATE`` (``FOR UPDATE`` on MySQL).

        SQLite has no row locks: its write transactions serialize as a whole
        (``"transaction_mode": "IMMEDIATE"`` in the database's ``OPTIONS``).
        """
        features = connections[self._alias].features
        no_key = features.has_select_for_no_key_update
        return self._one(self._rows.filter(pk=customer_id).select_for_update(no_key=no_key))

    def find_by_email(self, email: str) -> Customer | None:
        """The customer whose e-mail, lower-cased, equals ``email``."""
        return self._one(self._by_email(email))

    def find_credentials(self, email: str) -> Credentials | None:
        """The customer and its stored password hash (the one read of the hash)."""
        rows = list(self._by_email(email).values(*CUSTOMER_FIELDS, "password")[:1])
        if not rows:
            return None
        return Credentials(customer=customer_from(rows[0]), password_hash=rows[0]["password"])

    def update(self, customer_id: int, changes: Mapping[str, object]) -> Customer:
        """Write the given columns; ``DuplicateEmail`` when ``email`` is another customer's."""
        email = changes.get("email")
        if isinstance(email, str):
            self._refuse_taken(email, customer_id)
        with unique_email(str(email or "")):
            updated = self._rows.filter(pk=customer_id).update(**db_values(changes))
        found = self.find(customer_id) if updated else None
        if found is None:
            raise CustomerNotFound(customer_id)
        return found

    def set_password_hash(self, customer_id: int, password_hash: str, updated_at: datetime) -> None:
        """Replace the stored hash."""
        self._rows.filter(pk=customer_id).update(
            password=password_hash, updated_at=db_time(updated_at)
        )

    def delete(self, customer_id: int) -> None:
        """Delete the customer, its notes and addresses (not left to the FK cascade alone)."""
        NoteRow.objects.using(self._alias).filter(customer_id=customer_id).delete()
        AddressRow.objects.using(self._alias).filter(customer_id=customer_id).delete()
        self._rows.filter(pk=customer_id).delete()

    def search(self, query: CustomerQuery) -> tuple[builtins.list[ListedCustomer], int | None]:
        """One page with each row's orders count and the count of all matches, in one query.

        Without an exact count (``query.total``): the page alone, and for an estimate
        a count that stops at ``ESTIMATE_CAP`` matches (``_keyset``).
        """
        matches = self._rows.filter(search_filter(query))
        if query.after is not None:
            matches = matches.filter(after_keyset(query, query.after))
        if query.total != "exact":
            return self._uncounted(matches, query)
        count = matches.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")
        page = matches.order_by(*_ordering(query)).annotate(
            orders_count=self._orders_count(), matches=_subquery(count)
        )
        rows = list(
            page.values(*CUSTOMER_FIELDS, "orders_count", "matches")[
                query.offset : query.offset + query.limit
            ]
        )
        if not rows:
            return [], 0 if query.offset == 0 else matches.count()
        items = [ListedCustomer(customer_from(r), int(r["orders_count"] or 0)) for r in rows]
        return items, int(rows[0]["matches"])

    def _uncounted(
        self, matches: QuerySet[CustomerRow], query: CustomerQuery
    ) -> tuple[builtins.list[ListedCustomer], int | None]:
        page = matches.order_by(*_ordering(query)).annotate(orders_count=self._orders_count())
        rows = page.values(*CUSTOMER_FIELDS, "orders_count")[
            query.offset : query.offset + query.limit
        ]
        items = [ListedCustomer(customer_from(r), int(r["orders_count"] or 0)) for r in rows]
        if query.total is None:
            return items, None
        return items, capped_count(matches)

    def count(self) -> int:
        """How many customers are stored."""
        return self._rows.count()

    def ids_after(self, after_id: int, limit: int) -> builtins.list[int]:
        """The next ``limit`` ids above ``after_id``, ascending."""
        ids = self._rows.filter(id__gt=after_id).order_by("id").values_list("id", flat=True)
        return [int(i) for i in ids[:limit]]

    def _orders_count(self) -> Any:
        if self._orders is None:
            return Value(0, output_field=IntegerField())
        column = f"{connections[self._alias].ops.quote_name('customers')}.{_quote(self, 'id')}"
        return RawSQL(self._orders.count_of(column), [], output_field=IntegerField())

    def _refuse_taken(self, email: str, owner: int | None = None) -> None:
        taken = self._rows.annotate(folded=Folded("email")).filter(folded=email)
        if owner is not None:
            taken = taken.exclude(pk=owner)
        if taken.exists():
            raise DuplicateEmail(email)

    def _by_email(self, email: str) -> QuerySet[CustomerRow]:
        # Legacy rows may hold both "Ada@X.io" and "ada@x.io": the exact one first, then the oldest.
        exact_first = Case(When(email=email, then=0), default=1, output_field=IntegerField())
        return (
            self._rows.annotate(folded=Folded("email"))
            .filter(folded=email)
            .order_by(exact_first, "id")
        )

    def _one(self, rows: QuerySet[CustomerRow]) -> Customer | None:
        found = list(rows.values(*CUSTOMER_FIELDS)[:1])
        return customer_from(found[0]) if found else None


def _quote(repository: DjangoCustomerRepository, name: str) -> str:
    quoted: str = connections[repository._alias].ops.quote_name(name)
    return quoted


def _subquery(queryset: QuerySet[Any]) -> Any:
    from django.db.models import Subquery

    return Subquery(queryset, output_field=IntegerField())


def _new_customer(customer: NewCustomer) -> Customer:
    """The stored customer but its id: the new one's values, in their stored form."""
    return Customer(id=0, **customer.row())  # type: ignore[arg-type]


def search_filter(query: CustomerQuery) -> Q:
    """The condition of a search: the text in the folded name or e-mail, the flags."""
    condition = Q()
    if query.text:
        contains = _accent_folded_contains if query.ignore_accents else _folded_contains
        condition &= Q(contains("name", query.text)) | Q(contains("email", query.text))
    if query.blocked is not None:
        condition &= Q(is_blocked=query.blocked)
    if query.repeat is not None:
        condition &= Q(total_orders__gt=1) if query.repeat else Q(total_orders__lte=1)
    if query.segment is not None:
        from customer_core.contrib.django._segments import segment_q  # it imports Folded

        condition &= segment_q(query.segment)
    return condition


def _folded_contains(column: str, text: str) -> Any:
    """``folded(column) LIKE '%text%'`` with ``%``, ``_`` and ``\\`` escaped (Django's
    ``contains`` lookup escapes them)."""
    from django.db.models.lookups import Contains

    return Contains(Folded(column, output_field=_field(column)), text)


def _accent_folded_contains(column: str, text: str) -> Any:
    """``fold(column) LIKE '%text%'``, the accent-folded twin of :func:`_folded_contains`."""
    from django.db.models.lookups import Contains

    return Contains(AccentFolded(column, output_field=_field(column)), text)


def _field(name: str) -> Any:
    """The model field of a customers column (a Folded value keeps its lookups)."""
    return CustomerRow._meta.get_field(name)


def _ordering(query: CustomerQuery) -> builtins.list[Any]:
    """Sort key (names folded like Python), empty values last, ties by id ascending."""
    if query.sort == "name":
        key: Any = Folded("name", output_field=_field("name"))
    else:
        key = F(query.sort)
    nulls_last = True if query.sort in NULLABLE_SORTS else None
    ordering: builtins.list[Any] = [
        OrderBy(key, descending=query.descending, nulls_last=nulls_last)
    ]
    if query.sort != "id":
        ordering.append(F("id").asc())
    return ordering


class DjangoAddressRepository:
    """An :class:`~customer_core.ports.AddressRepository` on one Django database."""

    def __init__(self, alias: str) -> None:
        self._rows: QuerySet[AddressRow] = AddressRow.objects.using(alias)

    def add(self, address: NewAddress) -> Address:
        """Insert and return the address."""
        values = db_values(attrs.asdict(address, recurse=False))
        values["type"] = str(address.type)
        row = self._rows.create(**values)
        return Address(id=int(row.pk), **attrs.asdict(address, recurse=False))

    def find(self, address_id: int) -> Address | None:
        """The address with this id, or None."""
        found = list(self._rows.filter(pk=address_id).values(*ADDRESS_FIELDS)[:1])
        return address_from(found[0]) if found else None

    def list(self, customer_id: int, type: AddressType | None = None) -> builtins.list[Address]:
        """The customer's addresses: defaults first, then by id."""
        rows = self._rows.filter(customer_id=customer_id)
        if type is not None:
            rows = rows.filter(type=str(type))
        ordered = rows.order_by(F("is_default").desc(), "id").values(*ADDRESS_FIELDS)
        return [address_from(row) for row in ordered]

    def update(self, address_id: int, changes: Mapping[str, object]) -> Address:
        """Write the given columns and return the result."""
        values = db_values(changes)
        if "type" in values:
            values["type"] = str(values["type"])
        self._rows.filter(pk=address_id).update(**values)
        found = self.find(address_id)
        if found is None:
            raise ValidationError.single("address_id", "is not a stored address")
        return found

    def clear_default(self, customer_id: int, type: AddressType, updated_at: datetime) -> None:
        """Unset the default flag of every address of this customer and type."""
        self._rows.filter(customer_id=customer_id, type=str(type), is_default=True).update(
            is_default=False, updated_at=db_time(updated_at)
        )

    def remove(self, address_id: int) -> None:
        """Delete the address."""
        self._rows.filter(pk=address_id).delete()


class DjangoNoteRepository:
    """A :class:`~customer_core.ports.NoteRepository` on one Django database.

    Where ``django.contrib.auth`` is installed, authors are the host's users
    (``get_user_model()``): an unknown author is a ``ValidationError``.
    """

    def __init__(self, alias: str) -> None:
        self._alias = alias
        self._rows: QuerySet[NoteRow] = NoteRow.objects.using(alias)

    def add(self, note: NewNote) -> Note:
        """Insert; ``ValidationError`` on ``author_id`` when the author is not a host user."""
        if apps.is_installed("django.contrib.auth"):
            users = get_user_model()._default_manager.using(self._alias)
            if not users.filter(pk=note.author_id).exists():
                raise ValidationError.single("author_id", UNKNOWN_AUTHOR)
        row = self._rows.create(
            customer_id=note.customer_id,
            user_id=note.author_id,
            note=note.text,
            created_at=db_time(note.created_at),
            updated_at=db_time(note.updated_at),
        )
        return Note(id=int(row.pk), **attrs.asdict(note, recurse=False))

    def find(self, note_id: int) -> Note | None:
        """The note with this id, or None."""
        found = list(self._rows.filter(pk=note_id).values(*NOTE_FIELDS)[:1])
        return note_from(found[0]) if found else None

    def list(self, customer_id: int) -> builtins.list[Note]:
        """The customer's notes, newest first (``created_at``, then id, descending)."""
        rows = self._rows.filter(customer_id=customer_id).order_by("-created_at", "-id")
        return [note_from(row) for row in rows.values(*NOTE_FIELDS)]

    def update(self, note_id: int, text: str, updated_at: datetime) -> Note:
        """Replace the text."""
        self._rows.filter(pk=note_id).update(note=text, updated_at=db_time(updated_at))
        found = self.find(note_id)
        if found is None:
            raise ValidationError.single("note_id", "is not a stored note")
        return found

    def remove(self, note_id: int) -> None:
        """Delete the note."""
        self._rows.filter(pk=note_id).delete()
