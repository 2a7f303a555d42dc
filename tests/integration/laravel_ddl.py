"""The DDL Laravel's schema grammars emit for the seed module's migration (and a host orders table).

Copied verbatim from the project's Laravel schema notes, per dialect, so that
tests can build a database exactly as a Laravel app created it.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["LARAVEL_DDL", "build_laravel_database"]

_SQLITE = """
create table "migrations" ("id" integer primary key autoincrement not null, "migration" varchar not null, "batch" integer not null);
create table "users" ("id" integer primary key autoincrement not null, "name" varchar not null, "email" varchar not null, "email_verified_at" datetime, "password" varchar not null, "remember_token" varchar, "created_at" datetime, "updated_at" datetime);
create unique index "users_email_unique" on "users" ("email");
create table "customers" ("id" integer primary key autoincrement not null, "name" varchar not null, "email" varchar not null, "phone" varchar, "password" varchar not null, "avatar" varchar, "is_blocked" tinyint(1) not null default '0', "lifetime_value" numeric not null default '0', "total_orders" integer not null default '0', "last_order_at" datetime, "created_at" datetime, "updated_at" datetime);
create unique index "customers_email_unique" on "customers" ("email");
create table "addresses" ("id" integer primary key autoincrement not null, "customer_id" integer not null, "type" varchar check ("type" in ('shipping', 'billing')) not null, "is_default" tinyint(1) not null default '0', "full_name" varchar not null, "phone" varchar not null, "address_line1" varchar not null, "address_line2" varchar, "city" varchar not null, "state" varchar not null, "zip_code" varchar not null, "country" varchar not null, "created_at" datetime, "updated_at" datetime, foreign key("customer_id") references "customers"("id") on delete cascade);
create table "customer_notes" ("id" integer primary key autoincrement not null, "customer_id" integer not null, "user_id" integer not null, "note" text not null, "created_at" datetime, "updated_at" datetime, foreign key("customer_id") references "customers"("id") on delete cascade, foreign key("user_id") references "users"("id"));
create table "orders" ("id" integer primary key autoincrement not null, "customer_id" integer not null, "status" varchar not null default 'pending', "total_amount" numeric not null, "created_at" datetime, "updated_at" datetime, foreign key("customer_id") references "customers"("id") on delete cascade);
"""  # noqa: E501

_PGSQL = """
create table "migrations" ("id" serial not null primary key, "migration" varchar(255) not null, "batch" integer not null);
create table "users" ("id" bigserial not null primary key, "name" varchar(255) not null, "email" varchar(255) not null, "email_verified_at" timestamp(0) without time zone null, "password" varchar(255) not null, "remember_token" varchar(100) null, "created_at" timestamp(0) without time zone null, "updated_at" timestamp(0) without time zone null);
alter table "users" add constraint "users_email_unique" unique ("email");
create table "customers" ("id" bigserial not null primary key, "name" varchar(255) not null, "email" varchar(255) not null, "phone" varchar(255) null, "password" varchar(255) not null, "avatar" varchar(255) null, "is_blocked" boolean not null default '0', "lifetime_value" decimal(15, 2) not null default '0', "total_orders" integer not null default '0', "last_order_at" timestamp(0) without time zone null, "created_at" timestamp(0) without time zone null, "updated_at" timestamp(0) without time zone null);
alter table "customers" add constraint "customers_email_unique" unique ("email");
create table "addresses" ("id" bigserial not null primary key, "customer_id" bigint not null, "type" varchar(255) check ("type" in ('shipping', 'billing')) not null, "is_default" boolean not null default '0', "full_name" varchar(255) not null, "phone" varchar(255) not null, "address_line1" varchar(255) not null, "address_line2" varchar(255) null, "city" varchar(255) not null, "state" varchar(255) not null, "zip_code" varchar(255) not null, "country" varchar(255) not null, "created_at" timestamp(0) without time zone null, "updated_at" timestamp(0) without time zone null);
alter table "addresses" add constraint "addresses_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on delete cascade;
create table "customer_notes" ("id" bigserial not null primary key, "customer_id" bigint not null, "user_id" bigint not null, "note" text not null, "created_at" timestamp(0) without time zone null, "updated_at" timestamp(0) without time zone null);
alter table "customer_notes" add constraint "customer_notes_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on delete cascade;
alter table "customer_notes" add constraint "customer_notes_user_id_foreign" foreign key ("user_id") references "users" ("id");
create table "orders" ("id" bigserial not null primary key, "customer_id" bigint not null, "status" varchar(255) not null default 'pending', "total_amount" decimal(15, 2) not null, "created_at" timestamp(0) without time zone null, "updated_at" timestamp(0) without time zone null);
alter table "orders" add constraint "orders_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on delete cascade;
"""  # noqa: E501

_MYSQL = """
create table `migrations` (`id` int unsigned not null auto_increment primary key, `migration` varchar(255) not null, `batch` int not null) default character set utf8mb4 collate 'utf8mb4_unicode_ci';
create table `users` (`id` bigint unsigned not null auto_increment primary key, `name` varchar(255) not null, `email` varchar(255) not null, `email_verified_at` timestamp null, `password` varchar(255) not null, `remember_token` varchar(100) null, `created_at` timestamp null, `updated_at` timestamp null) default character set utf8mb4 collate 'utf8mb4_unicode_ci';
alter table `users` add unique `users_email_unique`(`email`);
create table `customers` (`id` bigint unsigned not null auto_increment primary key, `name` varchar(255) not null, `email` varchar(255) not null, `phone` varchar(255) null, `password` varchar(255) not null, `avatar` varchar(255) null, `is_blocked` tinyint(1) not null default '0', `lifetime_value` decimal(15, 2) not null default '0', `total_orders` int not null default '0', `last_order_at` timestamp null, `created_at` timestamp null, `updated_at` timestamp null) default character set utf8mb4 collate 'utf8mb4_unicode_ci';
alter table `customers` add unique `customers_email_unique`(`email`);
create table `addresses` (`id` bigint unsigned not null auto_increment primary key, `customer_id` bigint unsigned not null, `type` enum('shipping', 'billing') not null, `is_default` tinyint(1) not null default '0', `full_name` varchar(255) not null, `phone` varchar(255) not null, `address_line1` varchar(255) not null, `address_line2` varchar(255) null, `city` varchar(255) not null, `state` varchar(255) not null, `zip_code` varchar(255) not null, `country` varchar(255) not null, `created_at` timestamp null, `updated_at` timestamp null) default character set utf8mb4 collate 'utf8mb4_unicode_ci';
alter table `addresses` add constraint `addresses_customer_id_foreign` foreign key (`customer_id`) references `customers` (`id`) on delete cascade;
create table `customer_notes` (`id` bigint unsigned not null auto_increment primary key, `customer_id` bigint unsigned not null, `user_id` bigint unsigned not null, `note` text not null, `created_at` timestamp null, `updated_at` timestamp null) default character set utf8mb4 collate 'utf8mb4_unicode_ci';
alter table `customer_notes` add constraint `customer_notes_customer_id_foreign` foreign key (`customer_id`) references `customers` (`id`) on delete cascade;
alter table `customer_notes` add constraint `customer_notes_user_id_foreign` foreign key (`user_id`) references `users` (`id`);
create table `orders` (`id` bigint unsigned not null auto_increment primary key, `customer_id` bigint unsigned not null, `status` varchar(255) not null default 'pending', `total_amount` decimal(15, 2) not null, `created_at` timestamp null, `updated_at` timestamp null) default character set utf8mb4 collate 'utf8mb4_unicode_ci';
alter table `orders` add constraint `orders_customer_id_foreign` foreign key (`customer_id`) references `customers` (`id`) on delete cascade;
"""  # noqa: E501

#: Statements per backend name used by the test fixtures (the ``orders`` table is the host's).
LARAVEL_DDL = {"sqlite": _SQLITE, "postgres": _PGSQL, "mariadb": _MYSQL}


def build_laravel_database(engine: sa.Engine, backend: str) -> None:
    """Run Laravel's DDL for ``backend`` on an empty database, statement by statement."""
    statements = [s.strip() for s in LARAVEL_DDL[backend].split(";\n") if s.strip()]
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement.rstrip(";"))
