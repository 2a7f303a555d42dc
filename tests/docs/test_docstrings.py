"""The ``>>>`` examples in the package's docstrings run (doctest over every public module)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import customer_core
from django_minimal import DJANGO_PACKAGE, django_ready

# Modules that import an optional dependency, and which one.
OPTIONAL = {
    "customer_core.adapters.sqlalchemy": "sqlalchemy",
    # The asyncio front runs on SQLAlchemy's greenlet bridge.
    "customer_core.aio": "sqlalchemy",
    "customer_core.testing.sql": "sqlalchemy",
    "customer_core.testing.contract": "hypothesis",
    "customer_core.testing.strategies": "hypothesis",
    "customer_core.testing.stateful": "hypothesis",
    DJANGO_PACKAGE: "django",
}


def _needs(name: str) -> str | None:
    return next((dep for prefix, dep in OPTIONAL.items() if name.startswith(prefix)), None)


def _param(name: str) -> object:
    marks = [pytest.mark.sql] if _needs(name) == "sqlalchemy" else []
    return pytest.param(name, id=name, marks=marks)


MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(customer_core.__path__, prefix="customer_core.")
    if info.name != "customer_core.__main__"
)


def test_the_documented_modules_have_examples() -> None:
    """The entry points carry examples (a refactor must not drop them silently)."""
    found = doctest.DocTestFinder().find(importlib.import_module("customer_core._core"))
    assert any(test.examples for test in found)


@pytest.mark.parametrize("name", [_param(name) for name in ["customer_core", *MODULES]])
def test_docstring_examples(name: str) -> None:
    """Every ``>>>`` example in the module's docstrings gives the output it shows."""
    dependency = _needs(name)
    if dependency is not None and importlib.util.find_spec(dependency) is None:
        pytest.skip(f"{name} needs {dependency}")
    if dependency == "django" and not django_ready():
        pytest.skip(f"{name} needs {dependency}")
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
