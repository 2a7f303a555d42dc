"""A storage whose every read runs on the primary: what ``on_primary()`` of both fronts wraps.

One place for the rule, so the sync core, the asyncio front and ``using(connection)``
agree: a core already on the primary (or inside the host's transaction, which is on
the primary) is returned as it is, and ``using()`` unwraps the view to join the host.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import cast

from customer_core.ports import Storage, Transaction

__all__ = ["OnPrimary", "on_primary", "primary_of"]


class OnPrimary:
    """A storage whose every transaction runs on the primary (``may_lag`` is dropped)."""

    __slots__ = ("storage",)

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> Iterator[Transaction]:
        """The wrapped storage's transaction, never on a replica."""
        with self.storage.transaction(read_only=read_only) as tx:
            yield tx

    def single_statement(self, *, may_lag: bool = False) -> AbstractContextManager[Transaction]:
        """The wrapped storage's one-statement read (see ``Storage``), never on a replica."""
        statement = getattr(self.storage, "single_statement", None)
        if statement is None:
            return self.storage.transaction(read_only=True)
        return cast(AbstractContextManager[Transaction], statement())

    def create_schema(self) -> None:
        """The wrapped storage's."""
        self.storage.create_schema()

    def __repr__(self) -> str:
        return f"{self.storage!r}.on_primary()"


def on_primary(storage: Storage) -> Storage | None:
    """The primary-only view of ``storage``, or None when it already is one (a view, or
    a storage joined to the host's transaction, which runs on the primary anyway)."""
    if isinstance(storage, OnPrimary) or getattr(storage, "joins_host_transaction", False):
        return None
    return OnPrimary(storage)


def primary_of(storage: object) -> object:
    """The storage under a primary-only view (the host's connection is the primary's)."""
    return storage.storage if isinstance(storage, OnPrimary) else storage
