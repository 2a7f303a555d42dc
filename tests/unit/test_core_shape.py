"""The shape of the core: 0.1's paths kept for a release, read-only attributes, derived cores."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from customer_core._moved import MOVED


def _importable(new: str) -> bool:
    try:
        importlib.import_module(new)
    except ImportError:
        return False
    return True


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_path_is_the_private_module_with_a_warning(old: str, new: str) -> None:
    """Each old path gives the very module object of its new place, and warns where to go."""
    if not _importable(new):
        pytest.skip(f"{new} needs an optional dependency")
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=r"private since customer_core 0\.2"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)


def test_from_import_of_an_old_path_works_in_a_fresh_interpreter() -> None:
    """What a 0.1 host wrote still runs (the warning goes to stderr, shown as an error here)."""
    code = (
        "import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
        "try:\n"
        "    from customer_core.core import CustomerCore\n"
        "except DeprecationWarning as w:\n"
        "    print('warned', w)\n"
        "import warnings; warnings.simplefilter('ignore', DeprecationWarning)\n"
        "from customer_core.core import CustomerCore\n"
        "import customer_core\n"
        "print(CustomerCore is customer_core.CustomerCore)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "warned customer_core.core is private since customer_core 0.2" in run.stdout
    assert run.stdout.strip().endswith("True")


def test_unmoved_names_are_not_answered() -> None:
    """The finder answers only for the listed old paths: a typo is still ModuleNotFoundError."""
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("customer_core.no_such_module")


@pytest.mark.parametrize(
    "name",
    [
        "customers",
        "addresses",
        "notes",
        "ltv",
        "orders",
        "storage",
        "clock",
        "password_hasher",
        "default_region",
    ],
)
def test_a_cores_attributes_cannot_be_reassigned(name: str) -> None:
    """Swapping a part behind the services' backs is refused: they share the original."""
    from customer_core import CustomerCore

    core = CustomerCore.in_memory()
    before = getattr(core, name)
    with pytest.raises(AttributeError):
        setattr(core, name, object())
    assert getattr(core, name) is before
    with pytest.raises(AttributeError):
        core.something_new = 1  # type: ignore[attr-defined]


def test_the_old_homes_of_moved_names_still_answer_with_a_warning() -> None:
    """``events.OrderEventHandler`` and ``serialization.laravel_*`` work for one more release."""
    from customer_core import event_handler, events, laravel, serialization

    with pytest.warns(DeprecationWarning, match="customer_core.event_handler"):
        assert events.OrderEventHandler is event_handler.OrderEventHandler
    with pytest.warns(DeprecationWarning, match="customer_core.laravel"):
        assert serialization.laravel_paginator is laravel.laravel_paginator
    with pytest.raises(AttributeError):
        _ = events.no_such_name


def test_no_old_path_shadows_a_public_name_of_its_package() -> None:
    """Importing an old path binds it on its package: it must not hide a public name there."""
    for old in MOVED:
        package, name = old.rsplit(".", 1)
        try:
            public = importlib.import_module(package)
        except ImportError:
            continue
        assert name not in getattr(public, "__all__", ()), old


def test_a_core_on_another_storage_keeps_its_settings() -> None:
    """``_with_storage`` (the base of derived cores) keeps orders, hasher, clock and region."""
    from customer_core import CustomerCore
    from customer_core.adapters.memory import InMemoryStorage

    core = CustomerCore.in_memory(default_region="GB")
    other = core._with_storage(InMemoryStorage(core.orders))
    assert other.storage is not core.storage
    assert (other.orders, other.password_hasher, other.clock, other.default_region) == (
        core.orders,
        core.password_hasher,
        core.clock,
        "GB",
    )
