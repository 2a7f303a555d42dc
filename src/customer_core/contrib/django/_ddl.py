"""The tables as Laravel's schema grammars create them, per Django database vendor.

The same DDL as ``docs/reference`` laravel-schema (and the SQLAlchemy adapter's
metadata): one deliberate difference with Laravel's, no foreign key from
``customer_notes.user_id`` to the host's users (the storage checks authors
instead), and ``mediumtext`` notes on MySQL (``text`` holds 65 535 bytes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["TABLES", "create_missing_tables"]

TABLES = ("customers", "addresses", "customer_notes")

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
}

_TS = "timestamp(0) without time zone null"
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
}

_BY_VENDOR = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL, "mysql": _MYSQL}


def create_missing_tables(connection: Any) -> list[str]:
    """Create those of :data:`TABLES` that ``connection``'s database lacks; returns their names.

    An existing table is never altered, whatever its columns (a Laravel database).
    """
    ddl = _BY_VENDOR.get(connection.vendor)
    if ddl is None:
        raise NotImplementedError(f"customer_core has no DDL for {connection.vendor}")
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        created = [name for name in TABLES if name not in existing]
        for statement in _statements(ddl, created):
            cursor.execute(statement)
    return created


def _statements(ddl: dict[str, list[str]], tables: Iterable[str]) -> list[str]:
    return [statement for table in tables for statement in ddl[table]]
