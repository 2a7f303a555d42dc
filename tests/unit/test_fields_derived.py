"""A customer's fields are written once, in the model; the rest derive them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from customer_core.laravel import laravel_customer
from customer_core.model import Customer
from customer_core.ports import NEW_CUSTOMER_FIELDS, NewCustomer

AT = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_a_new_customer_row_is_every_customer_field_but_the_id() -> None:
    """NewCustomer.row() fills every Customer field but ``id``, with no orders yet."""
    new = NewCustomer(
        name="Ada",
        email="ada@example.com",
        password_hash="$argon2id$not-shown",
        phone=None,
        avatar=None,
        is_blocked=False,
        created_at=AT,
        updated_at=AT,
    )
    row = new.row()
    assert set(row) == {field.name for field in attrs.fields(Customer)} - {"id"}
    assert (row["lifetime_value"], row["total_orders"], row["last_order_at"]) == (
        Decimal("0.00"),
        0,
        None,
    )
    assert "password_hash" not in NEW_CUSTOMER_FIELDS
    assert "$argon2id$" not in repr(row)


def test_laravel_json_has_every_customer_field_in_order() -> None:
    """laravel_customer writes the model's fields, in the model's order."""
    ada = Customer(1, "Ada", "ada@example.com", None, None, False, Decimal(5), 1, AT, AT, AT)
    assert list(laravel_customer(ada)) == [field.name for field in attrs.fields(Customer)]


@pytest.mark.sql
def test_sql_rows_read_after_the_annotations_were_resolved() -> None:
    """The SQL reader derives from the model even when something resolved its annotations
    first (``attrs.resolve_types``, as a Celery worker's import chain does)."""
    code = (
        "import attrs\n"
        "from customer_core.model import Customer\n"
        "attrs.resolve_types(Customer)\n"
        "from customer_core.adapters.sqlalchemy import _rows, define_tables\n"
        "print(len(_rows.customer_columns(define_tables().customers)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(len(attrs.fields(Customer)))
