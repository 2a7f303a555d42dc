"""What a library error's traceback frames hold after a driver error (review findings).

Emptying the translated driver exception must stop at the library's own objects: an
exception the caller is handling when it calls the library (the driver error's
``__context__``) is the caller's, and keeps its message and traceback. And the library's
own frames the error left through should not hold the password hash the library computed
(an error tracker that records local variables, Sentry's default, sends every frame)."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from host_shop import CHEAP

from customer_core import CustomerCore
from customer_core.errors import CustomerCoreError
from customer_core.passwords import PasswordHasher
from leaks import reachable

UNIQUE_NAME = "create unique index customers_name_unique on customers (name)"


@contextmanager
def _core_refusing_a_second_ada(url: str, hasher: PasswordHasher) -> Iterator[CustomerCore[Any]]:
    """A core on ``url`` with Ada registered, whose schema refuses a second customer named Ada."""
    engine = sa.create_engine(url)
    try:
        core = CustomerCore.from_engine(engine, password_hasher=hasher)
        core.create_schema()
        with engine.begin() as connection:
            connection.exec_driver_sql(UNIQUE_NAME)
        core.customers.register(name="Ada", email="a@example.com", password="pw" * 6)
        yield core
    finally:
        engine.dispose()


def _callers_failure() -> None:
    kept = "the caller's local"  # noqa: F841 - what a debugger or error tracker reads
    raise LookupError("the caller's own error", 42)


def test_the_callers_exception_in_handling_is_left_alone(fresh_database_url: str) -> None:
    callers: LookupError | None = None
    with _core_refusing_a_second_ada(fresh_database_url, CHEAP) as core:
        try:
            _callers_failure()
        except LookupError as error:
            callers = error
            with pytest.raises(CustomerCoreError):
                # The driver's error is raised while ``callers`` is being handled, so it
                # is that error's __context__.
                core.customers.register(name="Ada", email="b@example.com", password="pw" * 6)
    assert callers is not None
    assert callers.args == ("the caller's own error", 42)
    frames = [frame for frame, _ in traceback.walk_tb(callers.__traceback__)]
    assert frames[-1].f_locals.get("kept") == "the caller's local"


class RecordingHasher:
    """CHEAP, remembering the last hash it made."""

    last = ""

    def hash(self, password: str) -> str:
        self.last = CHEAP.hash(password)
        return self.last

    def __getattr__(self, name: str) -> Any:
        return getattr(CHEAP, name)


def test_no_frame_of_the_error_holds_the_computed_hash(fresh_database_url: str) -> None:
    """The repository that wrote the row (its values: the hash the library computed) and
    every other finished library call in the error's tracebacks keep no locals."""
    hasher = RecordingHasher()
    with (
        _core_refusing_a_second_ada(fresh_database_url, hasher) as core,  # type: ignore[arg-type]
        pytest.raises(CustomerCoreError) as raised,
    ):
        core.customers.register(name="Ada", email="b@example.com", password="pw" * 6)
    holders = [
        f"{frame.f_code.co_qualname} ({frame.f_globals['__name__']})"
        for linked in reachable(raised.value)
        for frame, _ in traceback.walk_tb(linked.__traceback__)
        if hasher.last in repr(frame.f_locals)
    ]
    assert holders == [], holders
