"""AsyncCustomerCore: the sync core's one implementation, run on the event loop.

Every service method runs in a greenlet (:mod:`._bridge`) over a storage on the
``sync_engine`` of SQLAlchemy's ``AsyncEngine``; the async driver's I/O is
awaited on the loop. Password hashing and verification go to a bounded
worker pool. See docs/explanation.md, "The asyncio front".
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, cast

from customer_core import rules
from customer_core._core import (
    DEFAULT_RESET_TOKEN_TTL,
    OrdersT,
    _actor,
    _cursor_key,
    _region,
    _ttl,
)
from customer_core._on_primary import on_primary
from customer_core.adapters.memory import InMemoryOrderLedger, InMemoryStorage
from customer_core.aio._bridge import AsyncService, OffLoopHasher, loop_friendly_sleep, run_sync
from customer_core.aio._hash_pool import hash_pool
from customer_core.aio._services import (
    AsyncAddressBook,
    AsyncCustomerAnalytics,
    AsyncCustomerNotes,
    AsyncCustomerRegistry,
    AsyncLifetimeValue,
    AsyncPrivacy,
    AsyncTimeline,
)
from customer_core.clock import SystemClock
from customer_core.event_handler import handle_event, handle_events
from customer_core.events import OrderEvent
from customer_core.model import Customer
from customer_core.passwords import Argon2Hasher, PasswordHasher
from customer_core.ports import Clock, Storage
from customer_core.rules import Fields
from customer_core.services import (
    AddressBook,
    CustomerAnalytics,
    CustomerNotes,
    CustomerRegistry,
    LifetimeValue,
    Privacy,
    Timeline,
)
from customer_core.services._context import Context, RetryPolicy
from customer_core.services._cursor import random_secret

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.ext.asyncio import AsyncEngine

    from customer_core.adapters.sqlalchemy import OrdersTable

__all__ = ["DEFAULT_MAX_HASH_WORKERS", "AsyncCustomerCore"]

DEFAULT_MAX_HASH_WORKERS = max(1, min(4, (os.cpu_count() or 2) - 1))
"""Threads hashing passwords at once when the host passes neither ``executor`` nor a limit.

One core fewer than the machine has (at most 4): hashing on every core starves the
event loop's thread of CPU (docs/performance.md, "The asyncio front")."""


class AsyncCustomerCore(Generic[OrdersT]):
    """``CustomerCore`` for asyncio: the same services, names, results and errors, as coroutines.

    >>> import asyncio
    >>> async def main() -> str:
    ...     async with AsyncCustomerCore.in_memory() as core:
    ...         ada = await core.customers.register(
    ...             name="Ada", email="Ada@Example.com", password="correct horse"
    ...         )
    ...         return ada.email
    >>> asyncio.run(main())
    'ada@example.com'
    """

    __slots__ = (
        "_actor_id",
        "_clock",
        "_cursor_secret",
        "_default_region",
        "_engines",
        "_executor",
        "_faces",
        "_hasher",
        "_orders",
        "_owned_executor",
        "_reset_token_ttl",
        "_services",
        "_storage",
    )

    def __init__(
        self,
        storage: Storage,
        *,
        orders: OrdersT,
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
        executor: Executor | None = None,
        max_hash_workers: int | None = None,
        engine: AsyncEngine | Sequence[AsyncEngine] | None = None,
        reset_token_ttl: timedelta = DEFAULT_RESET_TOKEN_TTL,
        actor_id: int | None = None,
        cursor_secret: str | bytes | None = None,
    ) -> None:
        """Build the services over ``storage``; prefer the factories.

        ``executor`` runs password hashing and verification (the host's own pool);
        without one the core makes a pool of ``max_hash_workers`` threads
        (default :data:`DEFAULT_MAX_HASH_WORKERS`) and shuts it down in :meth:`aclose`.
        ``engine``: the ``AsyncEngine`` (or engines: the primary's and its replicas')
        the core owns and disposes of in :meth:`aclose`. ``cursor_secret``: the key that
        signs scroll cursors, as for ``CustomerCore`` (None: a random key of this core's).
        """
        if executor is not None and max_hash_workers is not None:
            raise TypeError("pass executor= or max_hash_workers=, not both")
        if max_hash_workers is not None and (
            not isinstance(max_hash_workers, int) or max_hash_workers < 1
        ):
            raise ValueError("max_hash_workers must be a positive integer")
        self._storage = storage
        self._orders = orders
        self._engines: tuple[AsyncEngine, ...] = (
            ()
            if engine is None
            else (engine,)
            if not isinstance(engine, Sequence)
            else tuple(engine)
        )
        self._reset_token_ttl = _ttl(reset_token_ttl)
        self._actor_id = _actor(actor_id)
        # Resolved once: the views of this core (acting_as, on_primary, using) sign alike.
        secret = random_secret() if cursor_secret is None else cursor_secret
        key = _cursor_key(secret)
        self._cursor_secret = secret
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._hasher: PasswordHasher = password_hasher or Argon2Hasher()
        self._default_region = _region(default_region)
        self._owned_executor = executor is None
        # The core's own pool hashes at a lower priority than the loop (see _hash_pool).
        self._executor: Executor = executor or hash_pool(
            max_hash_workers or DEFAULT_MAX_HASH_WORKERS
        )
        context = Context(
            storage,
            self._clock,
            OffLoopHasher(self._hasher, self._executor),
            self._default_region,
            # A retry's pause must not block the loop.
            RetryPolicy(sleep=loop_friendly_sleep),
            reset_token_ttl=self._reset_token_ttl,
            actor_id=self._actor_id,
            cursor_key=key,
        )
        self._services = (
            CustomerRegistry(context),
            AddressBook(context),
            CustomerNotes(context),
            LifetimeValue(context),
            Timeline(context),
            Privacy(context),
            CustomerAnalytics(context),
        )
        # Made once: a call through ``core.customers`` builds no proxy.
        self._faces = tuple(AsyncService(service) for service in self._services)

    @classmethod
    def in_memory(
        cls,
        *,
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
        executor: Executor | None = None,
        max_hash_workers: int | None = None,
        reset_token_ttl: timedelta = DEFAULT_RESET_TOKEN_TTL,
        cursor_secret: str | bytes | None = None,
    ) -> AsyncCustomerCore[InMemoryOrderLedger]:
        """An embedded core with no I/O (hashing still off the loop); ``orders`` is the ledger.

        ``cursor_secret``: the key that signs scroll cursors (default: random, this core's).
        """
        clock = clock if clock is not None else SystemClock()
        ledger = InMemoryOrderLedger(clock=clock)
        return AsyncCustomerCore(
            InMemoryStorage(ledger),
            orders=ledger,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
            executor=executor,
            max_hash_workers=max_hash_workers,
            reset_token_ttl=reset_token_ttl,
            cursor_secret=cursor_secret,
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        orders: OrdersTable | None = None,
        metadata: MetaData | None = None,
        users_table: str | None = "users",
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
        lock_timeout: float | None = 10.0,
        replicas: Sequence[str] = (),
        executor: Executor | None = None,
        max_hash_workers: int | None = None,
        reset_token_ttl: timedelta = DEFAULT_RESET_TOKEN_TTL,
        reset_table: str = "customer_password_reset_tokens",
        cursor_secret: str | bytes | None = None,
        **engine_options: Any,
    ) -> AsyncCustomerCore[OrdersTable | None]:
        """A core on an async driver's URL (``sqlite+aiosqlite``, ``postgresql+asyncpg``,
        ``postgresql+psycopg``, ``mysql+asyncmy``, ``mariadb+asyncmy``).

        The arguments are those of ``CustomerCore.from_url`` (``reset_table`` included) plus
        ``executor`` / ``max_hash_workers``; the core owns the engine and disposes of it in
        :meth:`aclose`.
        """
        from sqlalchemy.ext.asyncio import create_async_engine

        from customer_core.adapters.sqlalchemy._engine import engine_settings
        from customer_core.adapters.sqlalchemy._errors import translating
        from customer_core.aio._asyncpg import asyncpg_options, prepare_asyncpg_engine

        engines = []
        for each in (url, *_urls(replicas)):
            parsed, options = engine_settings(each, **engine_options)
            # An unknown dialect fails at its first look-up: asyncpg_options'.
            with translating():
                # Before the storage reads the engine: what it saves per call (see _asyncpg).
                options, session_lock_timeout = asyncpg_options(
                    parsed, lock_timeout, options, engine_options
                )
                engines.append(create_async_engine(parsed, **options))
            prepare_asyncpg_engine(engines[-1].sync_engine, session_lock_timeout)
        return cls._on_engine(
            engines[0],
            replicas=engines[1:],
            owned=True,
            orders=orders,
            metadata=metadata,
            users_table=users_table,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
            lock_timeout=lock_timeout,
            executor=executor,
            max_hash_workers=max_hash_workers,
            reset_token_ttl=reset_token_ttl,
            reset_table=reset_table,
            cursor_secret=cursor_secret,
        )

    @classmethod
    def from_engine(
        cls,
        engine: AsyncEngine,
        *,
        orders: OrdersTable | None = None,
        metadata: MetaData | None = None,
        users_table: str | None = "users",
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
        lock_timeout: float | None = 10.0,
        replicas: Sequence[AsyncEngine] = (),
        executor: Executor | None = None,
        max_hash_workers: int | None = None,
        reset_token_ttl: timedelta = DEFAULT_RESET_TOKEN_TTL,
        reset_table: str = "customer_password_reset_tokens",
        cursor_secret: str | bytes | None = None,
    ) -> AsyncCustomerCore[OrdersTable | None]:
        """A core on the host's ``AsyncEngine`` (shared pool); :meth:`aclose` leaves it open.

        ``replicas``: the host's ``AsyncEngine`` objects on read replicas (as for
        ``CustomerCore.from_engine``); ``reset_table`` and ``cursor_secret`` as for
        ``CustomerCore.from_engine`` (the secret's default: derived from the engine's URL
        with its password, else random).
        """
        return cls._on_engine(
            engine,
            replicas=replicas,
            owned=False,
            orders=orders,
            metadata=metadata,
            users_table=users_table,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
            lock_timeout=lock_timeout,
            executor=executor,
            max_hash_workers=max_hash_workers,
            reset_token_ttl=reset_token_ttl,
            reset_table=reset_table,
            cursor_secret=cursor_secret,
        )

    @classmethod
    def _on_engine(
        cls,
        engine: AsyncEngine,
        *,
        replicas: Sequence[AsyncEngine],
        owned: bool,
        orders: OrdersTable | None,
        metadata: MetaData | None,
        users_table: str | None,
        lock_timeout: float | None,
        reset_table: str,
        cursor_secret: str | bytes | None,
        **options: Any,
    ) -> AsyncCustomerCore[OrdersTable | None]:
        from customer_core.adapters.sqlalchemy import SQLAlchemyStorage
        from customer_core.adapters.sqlalchemy._cursor_secret import engine_cursor_secret
        from customer_core.errors import ValidationError

        if isinstance(replicas, str | bytes) or not isinstance(replicas, Sequence):
            raise ValidationError.single("replicas", "must be a list of engines")
        storage = SQLAlchemyStorage(
            engine.sync_engine,
            orders=orders,
            metadata=metadata,
            users_table=users_table,
            lock_timeout=lock_timeout,
            reset_table=reset_table,
            # The sync side of each replica's AsyncEngine: the routing is the storage's.
            replicas=[_sync_engine(replica) for replica in replicas],
        )
        owned_engines = (engine, *replicas) if owned else None
        if cursor_secret is None:
            cursor_secret = engine_cursor_secret(engine.sync_engine)
        return AsyncCustomerCore(
            storage, orders=orders, engine=owned_engines, cursor_secret=cursor_secret, **options
        )

    def using(self, connection: object) -> AsyncCustomerCore[OrdersT]:
        """The same core, every call inside the host's open transaction on ``connection``.

        ``connection`` is the host's SQLAlchemy ``AsyncConnection`` or ``AsyncSession``
        (its ``sync_connection`` / ``sync_session`` is what the calls run on, in the
        bridge). Each call runs in a SAVEPOINT, as ``CustomerCore.using`` says: the
        library never commits, rolls back or closes what it was given, and a
        ``StorageConflict`` is raised at once. TypeError on a core that is not on SQL.
        """
        from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

        from customer_core.adapters.sqlalchemy._joined import JoinedStorage

        if isinstance(connection, AsyncConnection):
            host: object = connection.sync_connection
            if host is None:
                raise TypeError("the AsyncConnection is not started (use it inside `async with`)")
        elif isinstance(connection, AsyncSession):
            host = connection.sync_session
        else:
            raise TypeError(
                "connection must be a SQLAlchemy AsyncConnection or AsyncSession, "
                f"not {type(connection).__name__}"
            )
        return self._derived(JoinedStorage.of(self._storage, host))

    def on_primary(self) -> AsyncCustomerCore[OrdersT]:
        """The same core with every read on the primary: read-your-writes after a write.

        It shares this core's hashing pool and engines (it closes neither).
        """
        view = on_primary(self._storage)
        return self if view is None else self._derived(view)

    def acting_as(self, actor_id: int) -> AsyncCustomerCore[OrdersT]:
        """The same core whose every change is attributed to ``actor_id`` (the host's
        admin user id) in the timeline; see ``CustomerCore.acting_as``.

        It shares this core's storage, hashing pool and engines (it closes neither).
        ``ValidationError`` on ``actor_id`` when it is not a positive integer.
        """
        fields = Fields()
        actor = fields.check("actor_id", rules.author_id, actor_id)
        fields.done()
        return self._derived(self._storage, actor)

    @property
    def actor_id(self) -> int | None:
        """Who this core's changes are attributed to (:meth:`acting_as`); None: nobody."""
        return self._actor_id

    @property
    def reset_token_ttl(self) -> timedelta:
        """How long a password-reset token stays valid."""
        return self._reset_token_ttl

    def _derived(
        self, storage: Storage, actor_id: int | Literal["same"] | None = "same"
    ) -> AsyncCustomerCore[OrdersT]:
        """The same core on another storage (or for another actor), sharing the hashing
        pool and engines (it closes neither: :meth:`aclose` of this core does)."""
        return AsyncCustomerCore(
            storage,
            orders=self._orders,
            password_hasher=self._hasher,
            clock=self._clock,
            default_region=self._default_region,
            executor=self._executor,
            reset_token_ttl=self._reset_token_ttl,
            actor_id=self._actor_id if actor_id == "same" else actor_id,
            cursor_secret=self._cursor_secret,
        )

    @property
    def customers(self) -> AsyncCustomerRegistry:
        """The customer registry."""
        return cast(AsyncCustomerRegistry, self._faces[0])

    @property
    def addresses(self) -> AsyncAddressBook:
        """The address book."""
        return cast(AsyncAddressBook, self._faces[1])

    @property
    def notes(self) -> AsyncCustomerNotes:
        """Internal notes."""
        return cast(AsyncCustomerNotes, self._faces[2])

    @property
    def ltv(self) -> AsyncLifetimeValue:
        """Lifetime value and repeat detection."""
        return cast(AsyncLifetimeValue, self._faces[3])

    @property
    def timeline(self) -> AsyncTimeline:
        """The customer timeline and the outbox."""
        return cast(AsyncTimeline, self._faces[4])

    @property
    def privacy(self) -> AsyncPrivacy:
        """Export, anonymize and erase a person's data."""
        return cast(AsyncPrivacy, self._faces[5])

    @property
    def analytics(self) -> AsyncCustomerAnalytics:
        """RFM scores (an async iterator) and their summary by label."""
        return cast(AsyncCustomerAnalytics, self._faces[6])

    @property
    def storage(self) -> Storage:
        """The (sync) storage the services run on, inside the bridge."""
        return self._storage

    @property
    def orders(self) -> OrdersT:
        """The host's orders: the :class:`InMemoryOrderLedger`, or the SQL ``OrdersTable``."""
        return self._orders

    @property
    def clock(self) -> Clock:
        """The clock that stamps every write."""
        return self._clock

    @property
    def password_hasher(self) -> PasswordHasher:
        """The configured hasher (the core calls it in its worker pool)."""
        return self._hasher

    @property
    def default_region(self) -> str | None:
        """The ISO country code national phone numbers are read in, if one was given."""
        return self._default_region

    async def create_schema(self) -> None:
        """Create the library's tables where missing; never alters an existing table."""
        await run_sync(self._storage.create_schema)

    async def handle(self, event: OrderEvent) -> Customer | None:
        """Recalculate the event's customer; None (never an error) if it no longer exists."""
        return await run_sync(handle_event, self._services[3], event)

    async def handle_many(self, events: Iterable[OrderEvent]) -> int:
        """One recalculation per distinct customer; see ``CustomerCore.handle_many``."""
        return await run_sync(handle_events, self._services[3], events)

    async def aclose(self) -> None:
        """Dispose of the engine the core made and shut down its own hashing pool.

        A host's engine (``from_engine``) and executor are left to the host.
        """
        for engine in self._engines:
            await engine.dispose()
        if self._owned_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncCustomerCore({self._storage!r}, hasher={self._hasher!r})"


def _urls(replicas: object) -> list[str]:
    """The replicas' URLs, checked: a list of strings (one bare string is a mistake)."""
    from customer_core.errors import ValidationError

    if isinstance(replicas, str | bytes) or not isinstance(replicas, Sequence):
        raise ValidationError.single("replicas", "must be a list of URLs")
    if not all(isinstance(url, str) for url in replicas):
        raise ValidationError.single("replicas", "must be a list of URLs")
    return list(replicas)


def _sync_engine(engine: object) -> Any:
    """The sync engine under an ``AsyncEngine``; anything else as it is (the storage then
    refuses it with a ``ValidationError`` on ``replicas``)."""
    return getattr(engine, "sync_engine", engine)
