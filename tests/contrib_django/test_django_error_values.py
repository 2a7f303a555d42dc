"""The Django storage quotes no refused value in its errors (as tests/integration/
test_sql_error_values.py for SQLAlchemy): a host's constraint refuses a name that is a
marker, on SQLite and PostgreSQL, and the marker is in no error text, chain or log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connections, transaction
from django_support import empty_tables

from customer_core import Argon2Hasher
from customer_core.contrib.django import get_core
from customer_core.errors import CustomerCoreError
from leaks import MARKER, assert_no_marker

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
#: The host's DDL (rolled back with the test's block) and what the driver's message keeps.
UNIQUE_NAME = "create unique index customers_name_unique on customers (name)"
CASES = {
    ("unique", "default"): (UNIQUE_NAME, "customers.name"),
    ("unique", "postgres"): (UNIQUE_NAME, "customers_name_unique"),
    ("number", "postgres"): (
        "alter table customers add constraint name_is_a_number check (name::integer > 0)",
        "invalid input syntax for type integer",
    ),
}


class Undo(Exception):
    """Leaves the test's atomic block, rolling the host's DDL back; ``raised``: the error."""

    raised: CustomerCoreError


@pytest.mark.parametrize("scenario", ["unique", "number"])
def test_a_refused_value_is_in_no_error_text(
    django_alias: str, scenario: str, caplog: pytest.LogCaptureFixture
) -> None:
    if (scenario, django_alias) not in CASES:
        pytest.skip(f"{django_alias} quotes no value in any message of this case")
    empty_tables(django_alias)
    ddl, kept = CASES[scenario, django_alias]
    caplog.set_level(logging.DEBUG, logger="customer_core")
    core = get_core(using=django_alias, password_hasher=CHEAP_HASHER)
    with pytest.raises(Undo):
        refused_in_a_block(django_alias, ddl, core)
    assert_no_marker(Undo.raised, caplog.text, kept)


def refused_in_a_block(alias: str, ddl: str, core: Any) -> None:
    """Run the host's DDL, register MARKER twice, keep the error, roll the block back."""
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute(ddl)
        for email in ("first@example.com", "second@example.com"):
            try:
                core.customers.register(name=MARKER, email=email, password="pw" * 6)
            except CustomerCoreError as error:
                Undo.raised = error
                raise Undo from None
    raise AssertionError("the database took both customers")
