"""Emptying the translated driver exception must stop at the library's own objects: an
exception the caller is handling when it calls the library (the driver error's
``__context__``) is the caller's, and keeps its message and traceback."""

from __future__ import annotations

import traceback

import pytest
import sqlalchemy as sa
from host_shop import CHEAP

from customer_core import CustomerCore
from customer_core.errors import CustomerCoreError

UNIQUE_NAME = "create unique index customers_name_unique on customers (name)"


def _callers_failure() -> None:
    kept = "the caller's local"  # noqa: F841 - what a debugger or error tracker reads
    raise LookupError("the caller's own error", 42)


def test_the_callers_exception_in_handling_is_left_alone(fresh_database_url: str) -> None:
    engine = sa.create_engine(fresh_database_url)
    try:
        core = CustomerCore.from_engine(engine, password_hasher=CHEAP)
        core.create_schema()
        with engine.begin() as connection:
            connection.exec_driver_sql(UNIQUE_NAME)
        core.customers.register(name="Ada", email="a@example.com", password="pw" * 6)
        callers: LookupError | None = None
        try:
            _callers_failure()
        except LookupError as error:
            callers = error
            with pytest.raises(CustomerCoreError):
                # Fails on a unique name: the driver's error is raised while ``callers``
                # is being handled, so it is that error's __context__.
                core.customers.register(name="Ada", email="b@example.com", password="pw" * 6)
    finally:
        engine.dispose()
    assert callers is not None
    assert callers.args == ("the caller's own error", 42)
    frames = [frame for frame, _ in traceback.walk_tb(callers.__traceback__)]
    assert frames[-1].f_locals.get("kept") == "the caller's local"
