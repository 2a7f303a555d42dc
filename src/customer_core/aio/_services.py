"""The typed faces of the asyncio services: one Protocol per service, every method a coroutine.

These are signatures only (no behaviour): at run time each service is wrapped by
:class:`customer_core.aio._bridge.AsyncService`, which turns every public method of
the one sync implementation into a coroutine. The Protocols exist so that mypy
checks a host's ``await core.customers.register(...)`` as precisely as the sync
call; ``tests/unit/test_aio_faces.py`` keeps them in step with the services.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, Protocol

from customer_core._segment import Segment
from customer_core.model import (
    Address,
    AddressType,
    CursorPage,
    Customer,
    ListedCustomer,
    Note,
    Page,
)
from customer_core.ports import TotalMode
from customer_core.rfm import RfmScore
from customer_core.services._lifetime_value import Progress
from customer_core.services._registry import UNSET, Unset
from customer_core.timeline import CustomerEvent, EventType

__all__ = [
    "AsyncAddressBook",
    "AsyncCustomerAnalytics",
    "AsyncCustomerNotes",
    "AsyncCustomerRegistry",
    "AsyncLifetimeValue",
    "AsyncPrivacy",
    "AsyncTimeline",
]


class AsyncCustomerRegistry(Protocol):
    """:class:`~customer_core.services.CustomerRegistry`, every method a coroutine."""

    async def register(
        self,
        *,
        name: str,
        email: str,
        password: str,
        phone: str | None = None,
        avatar: str | None = None,
    ) -> Customer:
        """See :meth:`CustomerRegistry.register`."""
        ...

    async def get(self, customer_id: int) -> Customer:
        """See :meth:`CustomerRegistry.get`."""
        ...

    async def find_by_email(self, email: str) -> Customer | None:
        """See :meth:`CustomerRegistry.find_by_email`."""
        ...

    async def update(
        self,
        customer_id: int,
        *,
        name: str | Unset = UNSET,
        phone: str | Unset | None = UNSET,
        avatar: str | Unset | None = UNSET,
    ) -> Customer:
        """See :meth:`CustomerRegistry.update`."""
        ...

    async def change_email(self, customer_id: int, email: str) -> Customer:
        """See :meth:`CustomerRegistry.change_email`."""
        ...

    async def change_password(self, customer_id: int, password: str) -> None:
        """See :meth:`CustomerRegistry.change_password`."""
        ...

    async def authenticate(self, email: str, password: str) -> Customer:
        """See :meth:`CustomerRegistry.authenticate` (the hash check runs off the loop)."""
        ...

    async def block(self, customer_id: int) -> Customer:
        """See :meth:`CustomerRegistry.block`."""
        ...

    async def request_password_reset(self, email: str) -> str | None:
        """See :meth:`CustomerRegistry.request_password_reset` (the hash runs off the loop)."""
        ...

    async def reset_password(self, email: str, token: str, password: str) -> Customer:
        """See :meth:`CustomerRegistry.reset_password` (the hashes run off the loop)."""
        ...

    async def unblock(self, customer_id: int) -> Customer:
        """See :meth:`CustomerRegistry.unblock`."""
        ...

    async def delete(self, customer_id: int) -> None:
        """See :meth:`CustomerRegistry.delete`."""
        ...

    async def import_many(
        self, records: Iterable[Mapping[str, object]], *, batch_size: int = 1000
    ) -> int:
        """See :meth:`CustomerRegistry.import_many`."""
        ...

    async def search(
        self,
        text: str | None = None,
        *,
        page: int = 1,
        per_page: int = 15,
        blocked: bool | None = None,
        repeat: bool | None = None,
        sort: str = "id",
        segment: Segment | str | None = None,
        ignore_accents: bool = False,
        total: TotalMode = "exact",
    ) -> Page[ListedCustomer]:
        """See :meth:`CustomerRegistry.search`."""
        ...

    async def count(self, segment: Segment | str | None = None) -> int:
        """See :meth:`CustomerRegistry.count`."""
        ...

    def stream(
        self, segment: Segment | str | None = None, *, batch_size: int = 1000
    ) -> AsyncIterator[Customer]:
        """See :meth:`CustomerRegistry.stream`: an async iterator (``async for``), each
        batch read in a greenlet; a bad argument raises at the call."""
        ...

    async def scroll(
        self,
        text: str | None = None,
        *,
        after: str | None = None,
        limit: int = 15,
        sort: str = "id",
        blocked: bool | None = None,
        repeat: bool | None = None,
        segment: Segment | str | None = None,
        ignore_accents: bool = False,
    ) -> CursorPage[ListedCustomer]:
        """See :meth:`CustomerRegistry.scroll`."""
        ...


class AsyncAddressBook(Protocol):
    """:class:`~customer_core.services.AddressBook`, every method a coroutine."""

    async def add(
        self,
        customer_id: int,
        *,
        type: AddressType | str,
        full_name: str,
        phone: str,
        address_line1: str,
        city: str,
        state: str,
        zip_code: str,
        country: str,
        address_line2: str | None = None,
        is_default: bool = False,
    ) -> Address:
        """See :meth:`AddressBook.add`."""
        ...

    async def get(self, address_id: int) -> Address:
        """See :meth:`AddressBook.get`."""
        ...

    async def list(
        self, customer_id: int, type: AddressType | str | None = None
    ) -> builtins.list[Address]:
        """See :meth:`AddressBook.list`."""
        ...

    async def default(self, customer_id: int, type: AddressType | str) -> Address | None:
        """See :meth:`AddressBook.default`."""
        ...

    async def set_default(self, address_id: int) -> Address:
        """See :meth:`AddressBook.set_default`."""
        ...

    async def update(self, address_id: int, **changes: object) -> Address:
        """See :meth:`AddressBook.update`."""
        ...

    async def remove(self, address_id: int) -> None:
        """See :meth:`AddressBook.remove`."""
        ...


class AsyncCustomerNotes(Protocol):
    """:class:`~customer_core.services.CustomerNotes`, every method a coroutine."""

    async def add(self, customer_id: int, *, author_id: int, text: str) -> Note:
        """See :meth:`CustomerNotes.add`."""
        ...

    async def list(self, customer_id: int) -> builtins.list[Note]:
        """See :meth:`CustomerNotes.list`."""
        ...

    async def edit(self, note_id: int, text: str) -> Note:
        """See :meth:`CustomerNotes.edit`."""
        ...

    async def remove(self, note_id: int) -> None:
        """See :meth:`CustomerNotes.remove`."""
        ...


class AsyncLifetimeValue(Protocol):
    """:class:`~customer_core.services.LifetimeValue`, every method a coroutine."""

    async def recalculate(self, customer_id: int) -> Customer:
        """See :meth:`LifetimeValue.recalculate`."""
        ...

    async def recalculate_many(self, customer_ids: Iterable[int]) -> int:
        """See :meth:`LifetimeValue.recalculate_many`."""
        ...

    async def recalculate_all(
        self,
        *,
        batch_size: int = 1000,
        progress: Progress | None = None,
        after_id: int = 0,
        checkpoint: Callable[[int], object] | None = None,
    ) -> int:
        """See :meth:`LifetimeValue.recalculate_all` (the callbacks run on the loop's thread)."""
        ...


class AsyncTimeline(Protocol):
    """:class:`~customer_core.services.Timeline`, every method a coroutine."""

    async def list(
        self,
        customer_id: int,
        *,
        page: int = 1,
        per_page: int = 50,
        types: Iterable[EventType | str] | None = None,
    ) -> Page[CustomerEvent]:
        """See :meth:`Timeline.list`."""
        ...

    async def claim(
        self, limit: int = 100, *, lease_seconds: int = 60
    ) -> builtins.list[CustomerEvent]:
        """See :meth:`Timeline.claim`."""
        ...

    async def ack(self, event_ids: Iterable[int]) -> int:
        """See :meth:`Timeline.ack`."""
        ...


class AsyncPrivacy(Protocol):
    """:class:`~customer_core.services.Privacy`, every method a coroutine."""

    async def export(self, customer_id: int) -> dict[str, Any]:
        """See :meth:`Privacy.export`."""
        ...

    async def anonymize(self, customer_id: int) -> Customer:
        """See :meth:`Privacy.anonymize`."""
        ...

    async def anonymize_many(
        self, segment: object, *, batch_size: int = 1000, progress: Progress | None = None
    ) -> int:
        """See :meth:`Privacy.anonymize_many` (``progress`` runs on the loop's thread)."""
        ...

    async def erase(self, customer_id: int) -> None:
        """See :meth:`Privacy.erase`."""
        ...


class AsyncCustomerAnalytics(Protocol):
    """:class:`~customer_core.services.CustomerAnalytics`: the summary a coroutine, the scores
    an async iterator."""

    def rfm(self, *, segment: Segment | str | None = None) -> AsyncIterator[RfmScore]:
        """See :meth:`CustomerAnalytics.rfm`: every scored customer, by id ascending, as an
        async iterator (``async for``).

        The one sync stream is read in batches, each in a greenlet (its I/O awaited on the
        loop): memory stays bounded and the loop is never blocked. A bad ``segment``
        raises at the call. Leaving an ``async for`` early (``break``) or ``aclose()``
        ends the read transaction.
        """
        ...

    async def rfm_summary(self, *, segment: Segment | str | None = None) -> dict[str, int]:
        """See :meth:`CustomerAnalytics.rfm_summary`: label → number of customers."""
        ...
