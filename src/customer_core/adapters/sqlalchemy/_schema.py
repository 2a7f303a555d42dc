"""The library's tables, as Laravel's migrations create them, on a MetaData a host can share.

Laravel's three, and the library's own ``customer_events`` (the timeline and outbox).

Types, defaults, index and foreign-key names follow the DDL Laravel's schema
grammars emit (``docs``: laravel-schema), per dialect:

- ids are ``bigint unsigned`` on MySQL, ``bigint`` on PostgreSQL, ``integer`` on SQLite;
- ``addresses.type`` is an ``enum`` on MySQL and a ``varchar`` with a check constraint elsewhere;
- tables are ``utf8mb4`` / ``utf8mb4_unicode_ci`` InnoDB on MySQL;
- ``customers_email_unique`` is the unique key on the e-mail (case-sensitive on
  SQLite and PostgreSQL: the library finds legacy mixed-case rows with ``lower()``);
- addresses and notes go with their customer (``on delete cascade``);
- one deliberate widening: ``customer_notes.note`` is ``mediumtext`` on MySQL
  (``text`` holds 65 535 bytes, not the 65 535 characters a note may have).

``customer_notes.user_id`` points at the host's ``users`` table in a Laravel
database. The library's metadata does not declare that foreign key (the host's
table is not ours to describe); the storage checks authors against the users
table instead, when there is one.

The password-reset tokens' table has the layout of Laravel's password-reset
table (``email`` indexed, ``token``, nullable ``created_at``; no primary key),
so Laravel's ``DatabaseTokenRepository`` and the library share it; its name is
the host's choice (default :data:`DEFAULT_RESET_TABLE`).

Indexes beyond Laravel's are opt-in: :func:`create_performance_indexes`.
"""

from __future__ import annotations

from typing import Any

import attrs

from customer_core.adapters.sqlalchemy._accents import PG_ACCENT_INDEXES
from customer_core.adapters.sqlalchemy._types import Id, Money, Timestamp
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects import mysql

__all__ = [
    "DEFAULT_RESET_TABLE",
    "CustomerTables",
    "create_performance_indexes",
    "create_tables",
    "define_tables",
]

#: Table options as Laravel's grammars write them: ``default character set ... collate ...``
#: on MySQL; ``autoincrement`` on SQLite, so the id of a deleted row is never handed out again
#: (without it SQLite reuses the highest id: a new customer would inherit a deleted one's
#: orders in the host's table).
TABLE_OPTIONS: dict[str, Any] = {
    "sqlite_autoincrement": True,
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}

ADDRESS_TYPES = ("shipping", "billing")

DEFAULT_RESET_TABLE = "customer_password_reset_tokens"
"""The password-reset tokens' table unless the host names another (``reset_table``)."""


@attrs.frozen
class CustomerTables:
    """The library's tables, all on one MetaData."""

    customers: Table
    addresses: Table
    notes: Table
    reset_tokens: Table
    events: Table

    @property
    def all(self) -> tuple[Table, Table, Table, Table]:
        """The tables in creation order (parents first); see also ``reset_tokens``."""
        return (self.customers, self.addresses, self.notes, self.events)


def define_tables(
    metadata: MetaData | None = None, *, reset_table: str = DEFAULT_RESET_TABLE
) -> CustomerTables:
    """Put the library's tables on ``metadata`` (a new one by default) and return them.

    Calling it again with the same MetaData returns the tables already there,
    so several storages can share a host's MetaData. ``reset_table`` names the
    password-reset tokens' table.
    """
    metadata = metadata if metadata is not None else MetaData()
    existing = metadata.tables
    customers = existing.get("customers")
    if customers is None:
        customers = _customers(metadata)
    addresses = existing.get("addresses")
    if addresses is None:
        addresses = _addresses(metadata)
    notes = existing.get("customer_notes")
    if notes is None:
        notes = _notes(metadata)
    reset_tokens = existing.get(reset_table)
    if reset_tokens is None:
        reset_tokens = _reset_tokens(metadata, reset_table)
    events = existing.get("customer_events")
    if events is None:
        events = _events(metadata)
    return CustomerTables(
        customers=customers,
        addresses=addresses,
        notes=notes,
        reset_tokens=reset_tokens,
        events=events,
    )


def _timestamps() -> list[Column[Any]]:
    """Laravel's nullable ``created_at`` / ``updated_at``."""
    return [
        Column("created_at", Timestamp(), nullable=True),
        Column("updated_at", Timestamp(), nullable=True),
    ]


def _customer_fk(name: str) -> ForeignKey:
    return ForeignKey("customers.id", name=name, ondelete="CASCADE")


def _customers(metadata: MetaData) -> Table:
    return Table(
        "customers",
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("name", String(255), nullable=False),
        Column("email", String(255), nullable=False, unique=False),
        Column("phone", String(255), nullable=True),
        Column("password", String(255), nullable=False),
        Column("avatar", String(255), nullable=True),
        Column("is_blocked", Boolean(), nullable=False, server_default=text("'0'")),
        # Laravel writes default '0'; MySQL keeps it as 0.00, and saying so keeps Alembic quiet.
        Column("lifetime_value", Money(), nullable=False, server_default=text("'0.00'")),
        Column("total_orders", Integer(), nullable=False, server_default=text("'0'")),
        Column("last_order_at", Timestamp(), nullable=True),
        *_timestamps(),
        Index("customers_email_unique", "email", unique=True),
        **TABLE_OPTIONS,
    )


def _addresses(metadata: MetaData) -> Table:
    address_type = String(255).with_variant(mysql.ENUM(*ADDRESS_TYPES), "mysql", "mariadb")
    return Table(
        "addresses",
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("customer_id", Id, _customer_fk("addresses_customer_id_foreign"), nullable=False),
        Column("type", address_type, nullable=False),
        Column("is_default", Boolean(), nullable=False, server_default=text("'0'")),
        Column("full_name", String(255), nullable=False),
        Column("phone", String(255), nullable=False),
        Column("address_line1", String(255), nullable=False),
        Column("address_line2", String(255), nullable=True),
        Column("city", String(255), nullable=False),
        Column("state", String(255), nullable=False),
        Column("zip_code", String(255), nullable=False),
        Column("country", String(255), nullable=False),
        *_timestamps(),
        # MySQL gets the enum instead; elsewhere Laravel writes this check.
        _type_check(),
        **TABLE_OPTIONS,
    )


def _type_check() -> CheckConstraint:
    """Laravel's check on ``addresses.type``, where there is no enum (not MySQL)."""
    check = CheckConstraint("type in ('shipping', 'billing')", name="addresses_type_check")
    # SQLAlchemy documents a tuple of dialect names; its annotation says str only.
    dialects: Any = ("sqlite", "postgresql")
    return check.ddl_if(dialect=dialects)


def _notes(metadata: MetaData) -> Table:
    return Table(
        "customer_notes",
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column(
            "customer_id", Id, _customer_fk("customer_notes_customer_id_foreign"), nullable=False
        ),
        Column("user_id", Id, nullable=False),
        # MySQL's text holds 65 535 bytes, fewer than the 65 535 characters a note may
        # have; mediumtext is the smallest type that fits (Laravel's DDL says text).
        Column("note", Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"), nullable=False),
        *_timestamps(),
        **TABLE_OPTIONS,
    )


def _reset_tokens(metadata: MetaData, name: str) -> Table:
    """Laravel 8's ``password_resets`` migration, under the host's table name."""
    return Table(
        name,
        metadata,
        Column("email", String(255), nullable=False),
        Column("token", String(255), nullable=False),
        Column("created_at", Timestamp(), nullable=True),
        Index(f"{name}_email_index", "email"),
        # No id to auto-increment: only the MySQL options apply.
        **{key: value for key, value in TABLE_OPTIONS.items() if key.startswith("mysql_")},
    )


def _events(metadata: MetaData) -> Table:
    """The timeline and outbox (the library's own table: Laravel's migration has none).

    No foreign key to ``customers``: the events of a deleted customer stay until
    the outbox has published them. ``leased_until`` and ``published_at`` are the
    outbox's state; the second index serves its claim (unpublished, oldest first).
    """
    return Table(
        "customer_events",
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("customer_id", Id, nullable=False),
        Column("type", String(64), nullable=False),
        Column("actor_id", Id, nullable=True),
        Column("data", JSON(), nullable=False),
        Column("occurred_at", Timestamp(), nullable=False),
        Column("leased_until", Timestamp(), nullable=True),
        Column("published_at", Timestamp(), nullable=True),
        Index("customer_events_customer_id_occurred_at_index", "customer_id", "occurred_at", "id"),
        Index("customer_events_published_at_index", "published_at", "id"),
        **TABLE_OPTIONS,
    )


def create_tables(engine: Engine, tables: CustomerTables) -> None:
    """Create those of ``tables`` that are missing; an existing table is never touched."""
    with engine.begin() as connection:
        for table in (*tables.all, tables.reset_tokens):
            table.create(connection, checkfirst=True)


def create_performance_indexes(engine: Engine) -> list[str]:
    """Opt in to indexes Laravel's migration lacks; returns the statements run.

    - PostgreSQL: ``customers_lower_email_index`` on ``lower(email)`` (e-mail
      look-ups) and, when the ``pg_trgm`` extension is installed, trigram GIN
      indexes on ``lower(name)`` / ``lower(email)`` for substring search, and
      on their accent-folded forms for ``search(..., ignore_accents=True)``
      (:data:`~customer_core.adapters.sqlalchemy._accents.PG_ACCENT_INDEXES`).
    - MySQL/MariaDB: none needed for e-mails (``utf8mb4_unicode_ci`` is already
      case-insensitive) and a B-tree cannot serve ``LIKE '%x%'``.
    - SQLite: ``customers_legacy_email_index``, a partial index holding only the
      rows whose e-mail may differ from its lower case (:data:`SQLITE_LEGACY_EMAIL_INDEX`),
      which ``import_many``'s duplicate check reads instead of the whole table.
      It uses built-in functions only; an index on the library's unicode
      ``cc_lower`` would break every other client (Laravel) that writes the table
      without that function.

    Never called implicitly: indexes on a host's live table are the host's
    decision, and they are not on the library's MetaData, so migrations tools
    comparing against it do not see them. Existing indexes are left alone.
    """
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql(SQLITE_LEGACY_EMAIL_INDEX)
        return [SQLITE_LEGACY_EMAIL_INDEX]
    if engine.dialect.name != "postgresql":
        return []
    statements = [PG_LOWER_EMAIL_INDEX]
    with engine.begin() as connection:
        trgm = connection.execute(text("select 1 from pg_extension where extname = 'pg_trgm'"))
        if trgm.first() is not None:
            statements += PG_TRIGRAM_INDEXES + PG_ACCENT_INDEXES
        for statement in statements:
            connection.execute(text(statement))
    return statements


PG_LOWER_EMAIL_INDEX = (
    "create index if not exists customers_lower_email_index on customers (lower(email))"
)
PG_TRIGRAM_INDEXES = [
    f"create index if not exists customers_lower_{column}_trgm_index"
    f" on customers using gin (lower({column}) gin_trgm_ops)"
    for column in ("name", "email")
]
#: SQLite: the rows whose e-mail is not surely its own lower case (an upper-case ASCII
#: letter, or any character beyond ASCII), the legacy rows another writer stored. Its
#: condition is spelled exactly as the import's read of those rows (``_legacy_emails`` in
#: ``adapters/sqlalchemy/_fast/email_probe.py``, as SQLAlchemy renders it), because
#: SQLite uses a partial index only for a query with the very same expression (``CAST(...
#: AS BLOB)`` in capitals included). Rows a writer stores in lower case never enter it.
SQLITE_LEGACY_EMAIL_INDEX = (
    "create index if not exists customers_legacy_email_index on customers (email)"
    " where email != lower(email) or length(CAST(email AS BLOB)) != length(email)"
)
