"""The migration creates the library's tables only where missing and never alters one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections

pytestmark = [pytest.mark.sqlite, pytest.mark.sql]

#: A customers table as a Laravel app left it, with a column of the app's own.
LEGACY_CUSTOMERS = (
    'create table "customers" ("id" integer primary key autoincrement not null,'
    ' "name" varchar not null, "email" varchar not null, "phone" varchar,'
    ' "password" varchar not null, "avatar" varchar,'
    " \"is_blocked\" tinyint(1) not null default '0',"
    " \"lifetime_value\" numeric not null default '0',"
    ' "total_orders" integer not null default \'0\', "last_order_at" datetime,'
    ' "created_at" datetime, "updated_at" datetime, "loyalty_tier" varchar)'
)


def columns(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[1] for row in connection.execute(f'pragma table_info("{table}")')]


def migrate_to(path: Path, *targets: str) -> None:
    """Run the library's migrations on the SQLite file ``path`` up or down to each target."""
    entry = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    settings.DATABASES["laravel"] = entry
    configured = connections.configure_settings({"default": {}, "laravel": entry})
    connections.settings["laravel"] = configured["laravel"]
    try:
        for target in targets:
            call_command("migrate", "customer_core", target, database="laravel", verbosity=0)
    finally:
        connections["laravel"].close()
        # The handler keeps the wrapper (and its settings) per thread: forget it, so the
        # next call opens its own file.
        del connections["laravel"]


def test_an_existing_table_is_left_alone_and_the_missing_ones_created(tmp_path: Path) -> None:
    path = tmp_path / "laravel.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(LEGACY_CUSTOMERS)
        connection.execute(
            "insert into customers (name, email, password, loyalty_tier)"
            " values ('Ada', 'ada@x.io', 'h', 'gold')"
        )
    migrate_to(path, "0002", "zero")
    assert "loyalty_tier" in columns(path, "customers")  # not altered, nor dropped on reverse
    assert "zip_code" in columns(path, "addresses")
    assert "note" in columns(path, "customer_notes")
    with sqlite3.connect(path) as connection:
        assert connection.execute("select loyalty_tier from customers").fetchall() == [("gold",)]


def test_the_second_migration_adds_the_timeline_and_token_tables(tmp_path: Path) -> None:
    """A project migrated before 0.2 gets ``customer_events`` and the reset tokens' table
    from 0002; a token table already there (the SQLAlchemy adapter's) keeps its rows."""
    path = tmp_path / "upgraded.sqlite3"
    migrate_to(path, "0001")
    assert columns(path, "customer_events") == []
    with sqlite3.connect(path) as connection:
        connection.execute(
            "create table customer_password_reset_tokens"
            " (email varchar(255) not null, token varchar(255) not null, created_at datetime)"
        )
        connection.execute(
            "insert into customer_password_reset_tokens values ('a@x.io', 'hash', null)"
        )
    migrate_to(path, "0002", "0001")
    assert columns(path, "customer_events") == [
        "id",
        "customer_id",
        "type",
        "actor_id",
        "data",
        "occurred_at",
        "leased_until",
        "published_at",
    ]
    with sqlite3.connect(path) as connection:
        kept = connection.execute("select email from customer_password_reset_tokens").fetchall()
    assert kept == [("a@x.io",)]
