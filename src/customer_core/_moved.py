"""Old import paths of modules that became private in 0.2, kept for one release.

``import customer_core.adapters.sqlalchemy.storage`` (and ``from ... import``)
still works and gives the private module, with a :class:`DeprecationWarning`
naming the public place to import from. The finder answers only for the names
in :data:`MOVED`, so every other import is untouched. Remove in 0.3.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

__all__ = ["MOVED", "install"]

_PACKAGES = {
    "customer_core.adapters.sqlalchemy": (
        "addresses customers dialects engine errors guard ltv notes orders rows schema"
        " search storage types bulk_insert email_probe"
    ),
    "customer_core.adapters.memory": "journal ledger repositories storage",
    "customer_core.services": "address_book context importer lifetime_value notes registry",
    "customer_core.testing.contract": (
        "addresses atomicity authentication importer lifetime_value notes registry search"
    ),
    "customer_core.testing": "harness",
    # Not ``main``: importing a module of that name would rebind ``customer_core.cli.main``,
    # the command's function, to the module.
    "customer_core.cli": (
        "csv_import database demo exits parser progress recalculate resume schema stats"
    ),
    "customer_core": "core demo",
}
# 0.1's bulk-import modules now live in the private ``_fast`` package.
_RENAMED = {
    "customer_core.adapters.sqlalchemy.bulk_insert": (
        "customer_core.adapters.sqlalchemy._fast.bulk_insert"
    ),
    "customer_core.adapters.sqlalchemy.email_probe": (
        "customer_core.adapters.sqlalchemy._fast.email_probe"
    ),
}

MOVED: dict[str, str] = {
    f"{package}.{name}": _RENAMED.get(f"{package}.{name}", f"{package}._{name}")
    for package, names in _PACKAGES.items()
    for name in names.split()
}
"""Old module path -> the private module that holds its code now."""


class _Alias:
    """Finds an old path and loads it as the private module itself (no second copy).

    A meta-path finder and loader by protocol (``importlib.abc`` is not imported: it
    would cost ``import customer_core`` a sixth of its time).
    """

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, cast("Loader", self))

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        public = spec.name.rsplit(".", 1)[0]
        warnings.warn(
            f"{spec.name} is private since customer_core 0.2 ({new});"
            f" import what you need from {public}",
            DeprecationWarning,
            stacklevel=_stack_level(),
        )
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the private module was loaded by ``create_module``."""


def _stack_level() -> int:
    """How far up the import machinery the importing module's frame is (for the warning)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(("<frozen", __file__)):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (``customer_core/__init__`` calls it)."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.append(_Alias())
