"""The tables as Laravel's schema grammars create them, per Django database vendor.

The same DDL as ``docs/reference`` laravel-schema (and the SQLAlchemy adapter's
metadata): one deliberate difference with Laravel's, no foreign key from
``customer_notes.user_id`` to the host's users (the storage checks authors
instead), and ``mediumtext`` notes on MySQL (``text`` holds 65 535 bytes).

The library's own two tables follow the SQLAlchemy adapter's metadata, so both
adapters share them: ``customer_events`` (the timeline and outbox; no foreign
key, events outlive their customer) and ``customer_password_reset_tokens``
(Laravel's password-reset layout: no primary key, ``email`` indexed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "LARAVEL_TABLES",
    "LIFECYCLE_TABLES",
    "RESET_TABLE",
    "TABLES",
    "create_missing_tables",
]

#: The SQLAlchemy adapter's default reset-token table (``DEFAULT_RESET_TABLE``), written
#: out here: this package must not import SQLAlchemy.
RESET_TABLE = "customer_password_reset_tokens"
#: The tables of the first migration (Laravel's three).
LARAVEL_TABLES = ("customers", "addresses", "customer_notes")
#: The tables of the second migration: the timeline/outbox and the reset tokens.
LIFECYCLE_TABLES = ("customer_events", RESET_TABLE)
TABLES = (*LARAVEL_TABLES, *LIFECYCLE_TABLES)


def _event_indexes(q: str) -> list[str]:
    """The two indexes of ``customer_events`` (timeline pages; the outbox's claim)."""
    return [
        f"create index {q}customer_events_customer_id_occurred_at_index{q}"
        f" on {q}customer_events{q} ({q}customer_id{q}, {q}occurred_at{q}, {q}id{q})",
        f"create index {q}customer_events_published_at_index{q}"
        f" on {q}customer_events{q} ({q}published_at{q}, {q}id{q})",
    ]


def _reset_index(q: str) -> str:
    """The e-mail index of the reset tokens (Laravel's ``…_email_index``)."""
    return f"create index {q}{RESET_TABLE}_email_index{q} on {q}{RESET_TABLE}{q} ({q}email{q})"


_SQLITE = {
    "customers": [
        'create table "customers" ("id" integer primary key autoincrement not null,'
        ' "name" varchar not null, "email" varchar not null, "phone" varchar,'
        ' "password" varchar not null, "avatar" varchar,'
        " \"is_blocked\" tinyint(1) not null default '0',"
        " \"lifetime_value\" numeric not null default '0',"
        ' "total_orders" integer not null default \'0\', "last_order_at" datetime,'
        ' "created_at" datetime, "updated_at" datetime)',
        'create unique index "customers_email_unique" on "customers" ("email")',
    ],
    "addresses": [
        'create table "addresses" ("id" integer primary key autoincrement not null,'
        ' "customer_id" integer not null,'
        " \"type\" varchar check (\"type\" in ('shipping', 'billing')) not null,"
        ' "is_default" tinyint(1) not null default \'0\', "full_name" varchar not null,'
        ' "phone" varchar not null, "address_line1" varchar not null, "address_line2" varchar,'
        ' "city" varchar not null, "state" varchar not null, "zip_code" varchar not null,'
        ' "country" varchar not null, "created_at" datetime, "updated_at" datetime,'
        ' foreign key("customer_id") references "customers"("id") on delete cascade)',
    ],
    "customer_notes": [
        'create table "customer_notes" ("id" integer primary key autoincrement not null,'
        ' "customer_id" integer not null, "user_id" integer not null, "note" text not null,'
        ' "created_at" datetime, "updated_at" datetime,'
        ' foreign key("customer_id") references "customers"("id") on delete cascade)',
    ],
    "customer_events": [
        'create table "customer_events" ("id" integer primary key autoincrement not null,'
        ' "customer_id" integer not null, "type" varchar(64) not null, "actor_id" integer,'
        ' "data" json not null, "occurred_at" datetime not null, "leased_until" datetime,'
        ' "published_at" datetime)',
        *_event_indexes('"'),
    ],
    RESET_TABLE: [
        f'create table "{RESET_TABLE}" ("email" varchar(255) not null,'
        ' "token" varchar(255) not null, "created_at" datetime)',
        _reset_index('"'),
    ],
}

_TS = "timestamp(0) without time zone null"
_TS_REQUIRED = "timestamp(0) without time zone not null"
_POSTGRESQL = {
    "customers": [
        'create table "customers" ("id" bigserial not null primary key,'
        ' "name" varchar(255) not null, "email" varchar(255) not null,'
        ' "phone" varchar(255) null, "password" varchar(255) not null,'
        ' "avatar" varchar(255) null, "is_blocked" boolean not null default \'0\','
        " \"lifetime_value\" decimal(15, 2) not null default '0',"
        f' "total_orders" integer not null default \'0\', "last_order_at" {_TS},'
        f' "created_at" {_TS}, "updated_at" {_TS})',
        'alter table "customers" add constraint "customers_email_unique" unique ("email")',
    ],
    "addresses": [
        'create table "addresses" ("id" bigserial not null primary key,'
        ' "customer_id" bigint not null,'
        " \"type\" varchar(255) check (\"type\" in ('shipping', 'billing')) not null,"
        ' "is_default" boolean not null default \'0\', "full_name" varchar(255) not null,'
        ' "phone" varchar(255) not null, "address_line1" varchar(255) not null,'
        ' "address_line2" varchar(255) null, "city" varchar(255) not null,'
        ' "state" varchar(255) not null, "zip_code" varchar(255) not null,'
        f' "country" varchar(255) not null, "created_at" {_TS}, "updated_at" {_TS})',
        'alter table "addresses" add constraint "addresses_customer_id_foreign"'
        ' foreign key ("customer_id") references "customers" ("id") on delete cascade',
    ],
    "customer_notes": [
        'create table "customer_notes" ("id" bigserial not null primary key,'
        ' "customer_id" bigint not null, "user_id" bigint not null, "note" text not null,'
        f' "created_at" {_TS}, "updated_at" {_TS})',
        'alter table "customer_notes" add constraint "customer_notes_customer_id_foreign"'
        ' foreign key ("customer_id") references "customers" ("id") on delete cascade',
    ],
    "customer_events": [
        'create table "customer_events" ("id" bigserial not null primary key,'
        ' "customer_id" bigint not null, "type" varchar(64) not null, "actor_id" bigint null,'
        f' "data" json not null, "occurred_at" {_TS_REQUIRED},'
        f' "leased_until" {_TS}, "published_at" {_TS})',
        *_event_indexes('"'),
    ],
    RESET_TABLE: [
        f'create table "{RESET_TABLE}" ("email" varchar(255) not null,'
        f' "token" varchar(255) not null, "created_at" {_TS})',
        _reset_index('"'),
    ],
}

_MYSQL_OPTIONS = " default character set utf8mb4 collate 'utf8mb4_unicode_ci'"
_MYSQL = {
    "customers": [
        "create table `customers` (`id` bigint unsigned not null auto_increment primary key,"
        " `name` varchar(255) not null, `email` varchar(255) not null,"
        " `phone` varchar(255) null, `password` varchar(255) not null,"
        " `avatar` varchar(255) null, `is_blocked` tinyint(1) not null default '0',"
        " `lifetime_value` decimal(15, 2) not null default '0',"
        " `total_orders` int not null default '0', `last_order_at` timestamp null,"
        " `created_at` timestamp null, `updated_at` timestamp null)" + _MYSQL_OPTIONS,
        "alter table `customers` add unique `customers_email_unique`(`email`)",
    ],
    "addresses": [
        "create table `addresses` (`id` bigint unsigned not null auto_increment primary key,"
        " `customer_id` bigint unsigned not null, `type` enum('shipping', 'billing') not null,"
        " `is_default` tinyint(1) not null default '0', `full_name` varchar(255) not null,"
        " `phone` varchar(255) not null, `address_line1` varchar(255) not null,"
        " `address_line2` varchar(255) null, `city` varchar(255) not null,"
        " `state` varchar(255) not null, `zip_code` varchar(255) not null,"
        " `country` varchar(255) not null, `created_at` timestamp null,"
        " `updated_at` timestamp null)" + _MYSQL_OPTIONS,
        "alter table `addresses` add constraint `addresses_customer_id_foreign`"
        " foreign key (`customer_id`) references `customers` (`id`) on delete cascade",
    ],
    "customer_notes": [
        "create table `customer_notes` (`id` bigint unsigned not null auto_increment"
        " primary key, `customer_id` bigint unsigned not null,"
        " `user_id` bigint unsigned not null, `note` mediumtext not null,"
        " `created_at` timestamp null, `updated_at` timestamp null)" + _MYSQL_OPTIONS,
        "alter table `customer_notes` add constraint `customer_notes_customer_id_foreign`"
        " foreign key (`customer_id`) references `customers` (`id`) on delete cascade",
    ],
    "customer_events": [
        "create table `customer_events` (`id` bigint unsigned not null auto_increment"
        " primary key, `customer_id` bigint unsigned not null, `type` varchar(64) not null,"
        " `actor_id` bigint unsigned null, `data` json not null,"
        " `occurred_at` timestamp not null, `leased_until` timestamp null,"
        " `published_at` timestamp null)" + _MYSQL_OPTIONS,
        *_event_indexes("`"),
    ],
    RESET_TABLE: [
        f"create table `{RESET_TABLE}` (`email` varchar(255) not null,"
        " `token` varchar(255) not null, `created_at` timestamp null)" + _MYSQL_OPTIONS,
        _reset_index("`"),
    ],
}

_BY_VENDOR = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL, "mysql": _MYSQL}


def create_missing_tables(connection: Any, names: Iterable[str] = TABLES) -> list[str]:
    """Create those of ``names`` (default :data:`TABLES`) that ``connection``'s database
    lacks; returns their names.

    An existing table is never altered, whatever its columns (a Laravel database).
    """
    ddl = _BY_VENDOR.get(connection.vendor)
    if ddl is None:
        raise NotImplementedError(f"customer_core has no DDL for {connection.vendor}")
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        created = [name for name in names if name not in existing]
        for statement in _statements(ddl, created):
            cursor.execute(statement)
    return created


def _statements(ddl: dict[str, list[str]], tables: Iterable[str]) -> list[str]:
    return [statement for table in tables for statement in ddl[table]]
