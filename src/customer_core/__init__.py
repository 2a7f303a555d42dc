"""customer_core: a framework-agnostic customer-management core.

Start with :class:`CustomerCore`::

    from customer_core import CustomerCore
    core = CustomerCore.in_memory()
"""

from __future__ import annotations

from customer_core import _moved
from customer_core._core import CustomerCore
from customer_core.errors import (
    AddressNotFound,
    CustomerBlocked,
    CustomerCoreError,
    CustomerNotFound,
    DuplicateEmail,
    InvalidCredentials,
    InvalidResetToken,
    NoteNotFound,
    NotFound,
    StorageConflict,
    StorageError,
    StorageUnavailable,
    ValidationError,
)
from customer_core.model import (
    Address,
    AddressType,
    CursorPage,
    Customer,
    ListedCustomer,
    Note,
    Page,
)
from customer_core.passwords import Argon2Hasher, BcryptHasher, PasswordHasher
from customer_core.rfm import RfmScore
from customer_core.timeline import CustomerEvent, EventType

_moved.install()  # 0.1's module paths still import, with a DeprecationWarning (until 0.3)

__all__ = [
    "Address",
    "AddressNotFound",
    "AddressType",
    "Argon2Hasher",
    "BcryptHasher",
    "CursorPage",
    "Customer",
    "CustomerBlocked",
    "CustomerCore",
    "CustomerCoreError",
    "CustomerEvent",
    "CustomerNotFound",
    "DuplicateEmail",
    "EventType",
    "InvalidCredentials",
    "InvalidResetToken",
    "ListedCustomer",
    "NotFound",
    "Note",
    "NoteNotFound",
    "Page",
    "PasswordHasher",
    "RfmScore",
    "StorageConflict",
    "StorageError",
    "StorageUnavailable",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> str:
    # __version__ is read from the installed metadata on first use:
    # importlib.metadata alone is a third of the library's import time.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customer-core")
    except PackageNotFoundError:  # running from a source tree
        return "0.0.0"
