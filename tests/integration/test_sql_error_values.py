"""No value the caller gave reaches a library error's text, its chain or the log, whatever
the driver quoted in its message.

MySQL/MariaDB quote the refused value (``Duplicate entry '<value>' for key ...``,
``Incorrect integer value: '<value>' for column ...``), PostgreSQL too
(``invalid input syntax for type integer: "<value>"``), and the library builds its
error's message and the ``DriverError`` cause from that message. Here a host's schema
makes each driver refuse a name that is a recognisable marker (think of a password typed
into the name field); the marker must then be in no ``str``/``repr``/``args``/attribute
of the error or of anything in its ``__cause__``/``__context__`` chain, in no formatted
traceback, and in no log record. The useful part of the message stays.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from host_shop import CHEAP

from customer_core import CustomerCore
from customer_core.errors import CustomerCoreError, ValidationError
from leaks import MARKER, assert_no_marker

#: DDL making the second customer named MARKER a unique-key violation.
UNIQUE_NAME = "create unique index customers_name_unique on customers (name)"
#: DDL making a name that is not a number a refused value: PostgreSQL casts it in a CHECK,
#: MariaDB stores it in an integer column (SQLite quotes no value in any message).
NAME_IS_A_NUMBER = {
    "postgres": "alter table customers add constraint name_is_a_number check (name::integer > 0)",
    "mariadb": "alter table customers modify name integer not null",
}
#: What the driver's message still says: the error, without the value.
KEPT = {
    ("unique", "postgres"): "customers_name_unique",
    ("unique", "mariadb"): "customers_name_unique",
    ("unique", "sqlite"): "customers.name",
    ("number", "postgres"): "invalid input syntax for type integer",
    ("number", "mariadb"): "Incorrect integer value: '…' for column",
}


@pytest.fixture(params=["unique", "number"])
def scenario(request: pytest.FixtureRequest, backend: str, fresh_database_url: str) -> str:
    """The library's tables on a fresh database, then the scenario's DDL (a host's)."""
    name: str = request.param
    ddl = UNIQUE_NAME if name == "unique" else NAME_IS_A_NUMBER.get(backend)
    if ddl is None:
        pytest.skip(f"{backend} quotes no value in any message of this case")
    engine = sa.create_engine(fresh_database_url)
    try:
        CustomerCore.from_engine(engine, password_hasher=CHEAP).create_schema()
        with engine.begin() as connection:
            connection.exec_driver_sql(ddl)
    finally:
        engine.dispose()
    return name


def _register_twice(register: Callable[[str], object]) -> CustomerCoreError:
    """Register MARKER twice (the second fails on a unique name; a number check, the first)."""
    try:
        register("first@example.com")
        register("second@example.com")
    except CustomerCoreError as error:
        return error
    raise AssertionError("the database took both customers")


def test_a_refused_value_is_in_no_error_text(
    fresh_database_url: str, backend: str, scenario: str, caplog: pytest.LogCaptureFixture
) -> None:
    """psycopg, PyMySQL and sqlite3: the marker the server refused is quoted nowhere."""
    caplog.set_level(logging.DEBUG, logger="customer_core")
    engine = sa.create_engine(fresh_database_url)
    try:
        core = CustomerCore.from_engine(engine, password_hasher=CHEAP)
        error = _register_twice(
            lambda email: core.customers.register(name=MARKER, email=email, password="pw" * 6)
        )
    finally:
        engine.dispose()
    assert_no_marker(error, caplog.text, KEPT[scenario, backend])


def test_a_refused_value_is_in_no_error_text_on_the_asyncio_front(
    fresh_database_url: str, backend: str, scenario: str, caplog: pytest.LogCaptureFixture
) -> None:
    """asyncpg, asyncmy and aiosqlite through ``AsyncCustomerCore``: the same."""
    pytest.importorskip("greenlet")
    from aio_front import async_url
    from customer_core.aio import AsyncCustomerCore

    caplog.set_level(logging.DEBUG, logger="customer_core")

    async def register_twice() -> CustomerCoreError:
        url = async_url(fresh_database_url, backend)
        async with AsyncCustomerCore.from_url(url, password_hasher=CHEAP) as core:
            for email in ("first@example.com", "second@example.com"):
                try:
                    await core.customers.register(name=MARKER, email=email, password="pw" * 6)
                except CustomerCoreError as error:
                    return error
        raise AssertionError("the database took both customers")

    assert_no_marker(asyncio.run(register_twice()), caplog.text, KEPT[scenario, backend])


@pytest.mark.parametrize("scenario", ["number"], indirect=True)
def test_a_value_holding_column_does_not_name_the_field(
    fresh_database_url: str, backend: str, scenario: str
) -> None:
    """MariaDB's "Incorrect integer value: '<value>' for column `db`.`customers`.`name`":
    the field is read after the value is cut, so "Ada column Quokka" names no field."""
    if backend != "mariadb":
        pytest.skip("only MySQL/MariaDB name the column after the value")
    engine = sa.create_engine(fresh_database_url)
    try:
        core = CustomerCore.from_engine(engine, password_hasher=CHEAP)
        with pytest.raises(ValidationError) as raised:
            core.customers.register(
                name="Ada column Quokka", email="ada@example.com", password="pw" * 6
            )
    finally:
        engine.dispose()
    assert raised.value.errors == {"name": "cannot be stored"}
