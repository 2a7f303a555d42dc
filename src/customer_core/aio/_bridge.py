"""The greenlet bridge: the sync services run as coroutines, their I/O awaited on the event loop.

SQLAlchemy's asyncio ORM works this way: ``greenlet_spawn(fn)`` runs the sync
``fn`` in a greenlet; wherever the async driver would block, SQLAlchemy's
``await_only`` hands the awaitable to the event loop and the greenlet waits
without a thread. Everything here builds on that one mechanism.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor
from functools import partial
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy.util import await_only, greenlet_spawn
from sqlalchemy.util.concurrency import in_greenlet

from customer_core.passwords import PasswordHasher

__all__ = [
    "BATCH",
    "ITERATOR_METHODS",
    "AsyncService",
    "OffLoopHasher",
    "iterate_sync",
    "loop_friendly_sleep",
    "run_sync",
]

T = TypeVar("T")


async def run_sync(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` in a greenlet: its I/O waits on the running event loop.

    Cancelling the awaiting task throws ``CancelledError`` into the greenlet at the
    point it waits, so the sync code's ``with`` blocks (the storage's transaction)
    roll back and return their connection before the cancellation goes on.
    """
    return await greenlet_spawn(function, *args, **kwargs)


#: Service methods that return an iterator: on the asyncio front they return an async
#: iterator instead of a coroutine. Such a method must check its arguments and return
#: a lazy iterator without any I/O (it is called on the loop, so a bad argument
#: raises at the call); its items are then read in batches, each in a greenlet.
ITERATOR_METHODS = frozenset({"rfm", "stream"})

#: Items taken from a sync iterator per trip into the bridge's greenlet: a trip costs a
#: greenlet and a loop turn, so one per item would cost more than most items.
BATCH = 500


async def iterate_sync(iterator: Iterator[T], batch: int | None = None) -> AsyncIterator[T]:
    """``iterator``'s items, read ``batch`` (default :data:`BATCH`) at a time in a greenlet
    (its I/O awaited on the loop), so memory stays bounded and the loop is never blocked.

    Leaving an ``async for`` early (``break``, an exception) or ``aclose()`` closes
    ``iterator`` in a greenlet too: a read transaction it holds open (RFM's streamed
    snapshot) ends there and gives its connection back, not in a garbage collector
    outside the bridge.
    """
    exhausted = False
    try:
        size = batch or BATCH
        while items := await run_sync(_take, iterator, size):
            for item in items:
                yield item
        exhausted = True
    finally:
        # An exhausted generator has run its own ``finally``: no trip to close it.
        close = None if exhausted else getattr(iterator, "close", None)
        if close is not None:
            await run_sync(close)


def _take(iterator: Iterator[T], size: int) -> list[T]:
    return list(islice(iterator, size))


class AsyncService:
    """Any service's public methods as coroutines that run the sync method in a greenlet.

    Generic on purpose: one proxy for every service rather than an async twin
    of each method (the typed faces are the Protocols in :mod:`._services`).
    Each method's wrapper is made once, on first use, and kept: a call pays no
    lookup or closure beyond the first.
    """

    __slots__ = ("_methods", "_service")

    def __init__(self, service: object) -> None:
        self._service = service
        self._methods: dict[str, Callable[..., Any]] = {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        wrapper = self._methods.get(name)
        if wrapper is None:
            wrapper = self._methods[name] = _wrapped(name, getattr(self._service, name))
        return wrapper

    def __repr__(self) -> str:
        return f"AsyncService({self._service!r})"


def _wrapped(name: str, method: object) -> Callable[..., Any]:
    """``method`` as a coroutine function (an async iterator's, for :data:`ITERATOR_METHODS`)."""
    if not callable(method):
        raise AttributeError(name)
    sync = method
    if name in ITERATOR_METHODS:
        # A method that reads in batches of its own (``stream``'s ``batch_size``) is taken
        # one of its batches per trip: a trip never reads ahead into the next batch, so
        # what changed between two batches is seen, as on the sync core.
        own = inspect.signature(sync).parameters.get("batch_size")
        default = None if own is None else own.default

        def iterate(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            return iterate_sync(sync(*args, **kwargs), kwargs.get("batch_size", default))

        wrapper: Callable[..., Any] = iterate
    else:

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await greenlet_spawn(sync, *args, **kwargs)

        wrapper = call
    wrapper.__name__ = name
    wrapper.__doc__ = sync.__doc__
    return wrapper


class OffLoopHasher:
    """The configured hasher, its hashing and verification run in ``executor``, off the loop.

    Inside the bridge's greenlet the call is sent to the executor and the
    greenlet awaits it through ``await_only``: the loop serves other tasks
    meanwhile. Outside a greenlet (a sync caller) it calls the hasher directly.
    ``needs_rehash`` only parses a hash: it stays inline.
    """

    __slots__ = ("_executor", "_hasher")

    def __init__(self, hasher: PasswordHasher, executor: Executor) -> None:
        self._hasher = hasher
        self._executor = executor

    @property
    def wrapped(self) -> PasswordHasher:
        """The hasher doing the work."""
        return self._hasher

    def hash(self, password: str) -> str:
        """A new hash of ``password``, computed in the worker pool."""
        return self._off_loop(self._hasher.hash, password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``, checked in the worker pool."""
        return self._off_loop(self._hasher.verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash is not of the configured scheme and parameters (cheap: inline)."""
        return self._hasher.needs_rehash(password_hash)

    def _off_loop(self, function: Callable[..., T], *args: Any) -> T:
        if not in_greenlet():
            return function(*args)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.run_in_executor(self._executor, partial(function, *args))
        return await_only(future)

    def __repr__(self) -> str:
        return repr(self._hasher)


def loop_friendly_sleep(seconds: float) -> None:
    """The retry pause: ``asyncio.sleep`` inside the bridge, ``time.sleep`` elsewhere."""
    if in_greenlet():
        await_only(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)
