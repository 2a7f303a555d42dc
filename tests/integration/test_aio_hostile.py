"""The hostile-input property tests of tests/unit/test_rules_properties.py, unchanged,
against the asyncio front on every storage.

The module is loaded a second time under another name and its ``fresh`` (the one
place it builds a core) is replaced by one that builds an asyncio core behind the
sync façade of tests/aio_front.py; its test functions then run as they are, once
per storage (a module-scoped autouse fixture picks it).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("greenlet")

from aio_front import (
    AIO_BACKENDS,
    LoopRunner,
    aio_database,
    memory_harness,
    sql_harness,
)
from customer_core.passwords import PasswordHasher
from customer_core.testing import Harness
from customer_core.testing.contract._support import PASSWORD

_SOURCE = Path(__file__).resolve().parents[1] / "unit" / "test_rules_properties.py"
_spec = importlib.util.spec_from_file_location("aio_rules_properties", _SOURCE)
assert _spec is not None
assert _spec.loader is not None
rules_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules_tests)

#: What ``fresh`` builds on: (backend, runner, database or None, async engine or None).
_CURRENT: list[Any] = []


def aio_fresh(
    hasher: PasswordHasher = rules_tests.CHEAP_ARGON2, region: str | None = None
) -> Harness:
    """``fresh`` of the rules tests, on the asyncio front of the current storage."""
    backend, runner, database, engine = _CURRENT
    options = {"password_hasher": hasher, "default_region": region}
    if backend == "memory":
        harness = memory_harness(runner, **options)
    else:
        harness = sql_harness(database, runner, engine, **options)
    harness.core.customers.register(name="Base", email="base@example.com", password=PASSWORD)
    harness.clock.advance(60)
    return harness


rules_tests.fresh = aio_fresh
globals().update(
    {name: test for name, test in vars(rules_tests).items() if name.startswith("test_")}
)


@pytest.fixture(scope="module", autouse=True, params=AIO_BACKENDS)
def aio_storage(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test of this module on each storage through the asyncio front."""
    runner = LoopRunner()
    database = engine = None
    if request.param != "memory":
        from sqlalchemy.ext.asyncio import create_async_engine

        database = aio_database(request.param, request)
        engine = create_async_engine(database.async_url, hide_parameters=True)
    _CURRENT[:] = [request.param, runner, database, engine]
    yield
    if engine is not None:
        runner.run(engine.dispose())
    runner.close()
