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


def test_an_existing_table_is_left_alone_and_the_missing_ones_created(tmp_path: Path) -> None:
    path = tmp_path / "laravel.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(LEGACY_CUSTOMERS)
        connection.execute(
            "insert into customers (name, email, password, loyalty_tier)"
            " values ('Ada', 'ada@x.io', 'h', 'gold')"
        )
    entry = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    settings.DATABASES["laravel"] = entry
    configured = connections.configure_settings({"default": {}, "laravel": entry})
    connections.settings["laravel"] = configured["laravel"]
    try:
        call_command("migrate", "customer_core", database="laravel", verbosity=0)
        call_command("migrate", "customer_core", "zero", database="laravel", verbosity=0)
    finally:
        connections["laravel"].close()
    assert "loyalty_tier" in columns(path, "customers")  # not altered, nor dropped on reverse
    assert "zip_code" in columns(path, "addresses")
    assert "note" in columns(path, "customer_notes")
    with sqlite3.connect(path) as connection:
        assert connection.execute("select loyalty_tier from customers").fetchall() == [("gold",)]
