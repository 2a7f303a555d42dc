"""A sync façade over ``AsyncCustomerCore``: sync test classes run against the asyncio front.

Every call becomes a coroutine run on ONE event loop owned by a background
thread (:class:`LoopRunner`): the async front is exercised exactly as an
asyncio host would, while the contract suite (and threads of the concurrency
tests, which then become concurrent tasks on that loop) stay unchanged.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from customer_core.aio import AsyncCustomerCore
from customer_core.events import OrderEvent
from customer_core.model import Customer
from customer_core.passwords import PasswordHasher
from customer_core.ports import Clock, Storage

T = TypeVar("T")


class LoopRunner:
    """An event loop running in a daemon thread; :meth:`run` waits for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        """The coroutine's result (or its exception), run on the loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class _SyncService:
    """Each coroutine method of an async service as a plain call run on the runner's loop."""

    def __init__(self, service: object, runner: LoopRunner) -> None:
        self._service = service
        self._runner = runner

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._service, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._runner.run(method(*args, **kwargs))

        return call


class SyncFront:
    """Stands in for ``CustomerCore`` in a Harness; every service call goes through ``core``.

    ``storage`` is what tests use to set up rows directly and to build cores of
    their own: the async core's storage for in-memory, a sync storage on the same
    database for SQL (the async one may only be used inside the bridge).
    """

    def __init__(
        self, core: AsyncCustomerCore[Any], runner: LoopRunner, storage: Storage | None = None
    ) -> None:
        self.aio = core
        self._runner = runner
        self._storage = storage or core.storage
        self.customers = _SyncService(core.customers, runner)
        self.addresses = _SyncService(core.addresses, runner)
        self.notes = _SyncService(core.notes, runner)
        self.ltv = _SyncService(core.ltv, runner)

    @property
    def storage(self) -> Storage:
        return self._storage

    @property
    def orders(self) -> Any:
        return self.aio.orders

    @property
    def clock(self) -> Clock:
        return self.aio.clock

    @property
    def password_hasher(self) -> PasswordHasher:
        return self.aio.password_hasher

    @property
    def default_region(self) -> str | None:
        return self.aio.default_region

    def create_schema(self) -> None:
        self._runner.run(self.aio.create_schema())

    def handle(self, event: OrderEvent) -> Customer | None:
        return self._runner.run(self.aio.handle(event))

    def handle_many(self, events: Iterable[OrderEvent]) -> int:
        return self._runner.run(self.aio.handle_many(events))
