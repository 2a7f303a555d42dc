"""The public face: which modules are public, what each exports, and that changes are told.

Public modules are those with no ``_``-prefixed part in their dotted path; every other
module is private and may change without notice. ``public_api-0.1.json`` holds the
public names of the last release (module -> ``__all__``). A name (or module) that
appeared or disappeared since then must be named in CHANGELOG.md's ``[Unreleased]``
section, in backticks, so that no public change goes untold. At a release, the file is
replaced by the new release's names.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

import customer_core
from django_minimal import DJANGO_PACKAGE, django_ready  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[2]
RELEASED = json.loads((Path(__file__).with_name("public_api-0.1.json")).read_text())
OPTIONAL = (
    "customer_core.adapters.sqlalchemy",
    "customer_core.testing.sql",
    "customer_core.aio",  # needs SQLAlchemy (the async extra)
    DJANGO_PACKAGE,
)


def import_public(name: str) -> object:
    """Import a public module; the Django app's modules need a set-up Django first."""
    if name.startswith(DJANGO_PACKAGE + ".") and not django_ready():
        raise ImportError(f"{name} needs Django")
    return importlib.import_module(name)


def public_modules() -> list[str]:
    """Every module of the package whose dotted path has no private part.

    Read from the files (``customer_core.adapters`` is a namespace package, which
    ``pkgutil.walk_packages`` does not enter).
    """
    package = Path(customer_core.__file__).parent
    names = set()
    for path in package.rglob("*.py"):
        parts = ["customer_core", *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        if not any(part.startswith("_") for part in parts[1:]):
            names.add(".".join(parts))
    return sorted(names)


def current_api() -> dict[str, list[str]]:
    """Module -> its ``__all__``, for the public modules importable here."""
    api = {}
    for name in public_modules():
        try:
            module = import_public(name)
        except ImportError:
            if name.startswith(OPTIONAL):
                continue  # the in-memory core runs without SQLAlchemy (tests-core)
            raise
        api[name] = sorted(getattr(module, "__all__", []))
    return api


def unreleased_changelog() -> str:
    text = (ROOT / "CHANGELOG.md").read_text()
    match = re.search(r"^## \[Unreleased\]\n(.*?)(?=^## \[)", text, re.S | re.M)
    assert match, "CHANGELOG.md has no [Unreleased] section"
    return match.group(1)


def test_every_public_module_declares_all() -> None:
    """A public module says what it exports; nothing public is exported by accident."""
    for name in public_modules():
        try:
            module = import_public(name)
        except ImportError:
            continue
        assert hasattr(module, "__all__"), f"{name} is public but has no __all__"


def test_public_changes_since_the_release_are_in_the_changelog() -> None:
    """Each public module or name added or removed since 0.1 is named in [Unreleased]."""
    now = current_api()
    told = unreleased_changelog()
    untold = []
    for module in sorted(set(now) | set(RELEASED)):
        if module not in now and module.startswith(OPTIONAL):
            continue
        before, after = set(RELEASED.get(module, [])), set(now.get(module, []))
        new_or_gone = module not in RELEASED or module not in now
        if new_or_gone and f"`{module}`" not in told:
            untold.append(f"module {module}")
        for name in sorted(before ^ after):
            if f"`{name}`" not in told and f"`{module}.{name}`" not in told:
                untold.append(f"{module}.{name} ({'added' if name in after else 'removed'})")
    assert not untold, "public changes missing from CHANGELOG [Unreleased]: " + ", ".join(untold)


@pytest.mark.parametrize("module", public_modules())
def test_the_reference_covers_each_public_module(module: str) -> None:
    """docs/reference documents every public module (autodoc reads its ``__all__``)."""
    page = "cli.md" if module == "customer_core.cli" else "api.md"
    text = (ROOT / "docs" / "reference" / page).read_text()
    assert re.search(rf"{re.escape(module)}(?![\w.])", text), f"{module} is not in {page}"
