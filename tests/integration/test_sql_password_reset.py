"""The password-reset table on SQL: Laravel's layout, the host's name, a database without it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from customer_core import (
    Argon2Hasher,
    CustomerCore,
    InvalidResetToken,
    StorageError,
    ValidationError,
)
from customer_core.adapters.sqlalchemy import engine_from_url

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[sa.Engine]:
    """An engine on a new, empty database."""
    engine = engine_from_url(fresh_database_url)
    yield engine
    engine.dispose()


def test_the_table_has_laravels_password_reset_layout(engine: sa.Engine) -> None:
    """``email`` (indexed), ``token``, nullable ``created_at``; nothing else."""
    CustomerCore.from_engine(engine).create_schema()
    inspector = sa.inspect(engine)
    columns = {c["name"]: c for c in inspector.get_columns("customer_password_reset_tokens")}
    assert list(columns) == ["email", "token", "created_at"]
    assert not columns["email"]["nullable"]
    assert not columns["token"]["nullable"]
    assert columns["created_at"]["nullable"]
    indexes = inspector.get_indexes("customer_password_reset_tokens")
    assert [(i["name"], i["column_names"]) for i in indexes] == [
        ("customer_password_reset_tokens_email_index", ["email"])
    ]


def test_reset_table_names_the_table_and_an_existing_one_is_kept(engine: sa.Engine) -> None:
    """``reset_table="password_resets"`` uses Laravel 8's own table, rows and all."""
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "create table password_resets (email varchar(255) not null,"
                " token varchar(255) not null, created_at timestamp null)"
            )
        )
        connection.execute(
            sa.text("insert into password_resets values ('old@example.com', 'x', null)")
        )
    core = CustomerCore.from_engine(
        engine, reset_table="password_resets", password_hasher=CHEAP_HASHER
    )
    core.create_schema()
    core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    token = core.customers.request_password_reset("ada@example.com")
    assert token is not None
    with engine.connect() as connection:
        rows = connection.execute(sa.text("select email from password_resets order by email"))
        assert [row.email for row in rows] == ["ada@example.com", "old@example.com"]
    assert not sa.inspect(engine).has_table("customer_password_reset_tokens")
    core.customers.reset_password("ada@example.com", token, "a brand new secret")


def test_a_database_without_the_table_still_deletes_and_changes_emails(
    engine: sa.Engine,
) -> None:
    """No reset table yet: old calls work, a request says what is missing."""
    CustomerCore.from_engine(engine).create_schema()  # as 0.1 did: without the reset table
    with engine.begin() as connection:
        connection.execute(sa.text("drop table customer_password_reset_tokens"))
    core = CustomerCore.from_engine(engine, password_hasher=CHEAP_HASHER)
    ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    bob = core.customers.register(name="Bob", email="bob@example.com", password=PASSWORD)
    core.customers.change_email(ada.id, "ada@new.example.com")
    core.customers.delete(bob.id)
    with pytest.raises(StorageError, match="customer_password_reset_tokens"):
        core.customers.request_password_reset("ada@new.example.com")
    with pytest.raises(InvalidResetToken):
        core.customers.reset_password("ada@new.example.com", "whatever", "a brand new secret")
    core.create_schema()
    assert core.customers.request_password_reset("ada@new.example.com") is not None


def test_reset_table_must_be_a_name(engine: sa.Engine) -> None:
    """An empty or over-long name is a ValidationError naming ``reset_table``."""
    for bad in ("", "x" * 65, None):
        with pytest.raises(ValidationError) as raised:
            CustomerCore.from_engine(engine, reset_table=bad)  # type: ignore[arg-type]
        assert "reset_table" in raised.value.errors
