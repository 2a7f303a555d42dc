"""CustomerCore: the composition root that wires storage, orders, hasher and clock into services.

This is the one module that knows the adapters exist. The in-memory adapter
is built directly; the SQLAlchemy adapter is imported only inside
:meth:`CustomerCore.from_url` and :meth:`CustomerCore.from_engine`, so the core
installs and imports without SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from customer_core import rules
from customer_core._on_primary import on_primary
from customer_core.adapters.memory import InMemoryOrderLedger, InMemoryStorage
from customer_core.clock import SystemClock
from customer_core.errors import ValidationError
from customer_core.event_handler import handle_event, handle_events
from customer_core.events import OrderEvent
from customer_core.model import Customer
from customer_core.passwords import Argon2Hasher, PasswordHasher
from customer_core.ports import Clock, Storage
from customer_core.rules import Fields, Invalid
from customer_core.services import (
    AddressBook,
    CustomerAnalytics,
    CustomerNotes,
    CustomerRegistry,
    LifetimeValue,
    Privacy,
    Timeline,
)
from customer_core.services._context import Context
from customer_core.services._cursor import cursor_key, random_secret

if TYPE_CHECKING:
    from sqlalchemy import Engine, MetaData

    from customer_core.adapters.sqlalchemy import OrdersTable
    from customer_core.adapters.sqlalchemy._joined import HostConnection

__all__ = ["CustomerCore", "OrdersT"]

DEFAULT_RESET_TOKEN_TTL = timedelta(minutes=60)

OrdersT = TypeVar("OrdersT", covariant=True, default=object)
"""What ``core.orders`` is: the in-memory ledger, or the SQL ``OrdersTable`` mapping."""


class CustomerCore(Generic[OrdersT]):
    """The library's entry point: ``customers``, ``addresses``, ``notes``, ``ltv`` and events.

    >>> core = CustomerCore.in_memory()
    >>> ada = core.customers.register(name="Ada", email="Ada@Example.com", password="correct horse")
    >>> ada.email
    'ada@example.com'
    """

    __slots__ = (
        "__weakref__",
        "_actor_id",
        "_addresses",
        "_analytics",
        "_clock",
        "_cursor_secret",
        "_customers",
        "_default_region",
        "_ltv",
        "_notes",
        "_orders",
        "_password_hasher",
        "_privacy",
        "_reset_token_ttl",
        "_storage",
        "_timeline",
    )

    def __init__(
        self,
        storage: Storage,
        *,
        orders: OrdersT,
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
        reset_token_ttl: timedelta = DEFAULT_RESET_TOKEN_TTL,
        actor_id: int | None = None,
        cursor_secret: str | bytes | None = None,
    ) -> None:
        """Build the services over ``storage``; prefer the ``in_memory``/``from_url`` factories.

        ``reset_token_ttl``: how long a password-reset token stays valid.
        ``cursor_secret``: the key that signs scroll cursors (None: a random key of this
        core's, shared by its views; ``from_url``/``from_engine`` derive one from the
        database URL's password instead). Pass the host's secret, the same on every
        process that serves one scroll, when they differ. Every attribute
        is read-only: the services hold the same storage, clock and
        hasher, so swapping one behind their backs would split the core in two.
        """
        self._storage = storage
        self._orders = orders
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._password_hasher: PasswordHasher = password_hasher or Argon2Hasher()
        self._default_region = _region(default_region)
        self._reset_token_ttl = _ttl(reset_token_ttl)
        self._actor_id = _actor(actor_id)
        # Resolved once: the views of this core (acting_as, on_primary, using) sign alike.
        secret = random_secret() if cursor_secret is None else cursor_secret
        key = _cursor_key(secret)
        self._cursor_secret = secret
        context = Context(
            storage,
            self._clock,
            self._password_hasher,
            self._default_region,
            reset_token_ttl=self._reset_token_ttl,
            actor_id=self._actor_id,
            cursor_key=key,
        )
        self._customers = CustomerRegistry(context)
        self._addresses = AddressBook(context)
        self._notes = CustomerNotes(context)
        self._ltv = LifetimeValue(context)
        self._timeline = Timeline(context)
        self._privacy = Privacy(context)
        self._analytics = CustomerAnalytics(context)

    def _with_storage(self, storage: Storage) -> CustomerCore[OrdersT]:
        """The same core (orders, hasher, clock, region) on another storage.

        What ``on_primary()``, ``using(connection)`` and the like build on: a view of
        the same data through another door, never a second configuration.
        """
        return CustomerCore(
            storage,
            orders=self._orders,
            password_hasher=self._password_hasher,
            clock=self._clock,
            default_region=self._default_region,
            reset_token_ttl=self._reset_token_ttl,
            actor_id=self._actor_id,
            cursor_secret=self._cursor_secret,
        )

    def acting_as(self, actor_id: int) -> CustomerCore[OrdersT]:
        """The same core (storage, settings, services) whose every change is attributed
        to ``actor_id`` (the host's admin user id) in the timeline.

        >>> core = CustomerCore.in_memory()
        >>> admin = core.acting_as(7)
        >>> ada = admin.customers.register(
        ...     name="Ada", email="ada@example.com", password="pw-123456"
        ... )
        >>> core.timeline.list(ada.id).items[0].actor_id
        7
        """
        fields = Fields()
        actor = fields.check("actor_id", rules.author_id, actor_id)
        fields.done()
        return CustomerCore(
            self._storage,
            orders=self._orders,
            password_hasher=self._password_hasher,
            clock=self._clock,
            default_region=self._default_region,
            reset_token_ttl=self._reset_token_ttl,
            actor_id=actor,
            cursor_secret=self._cursor_secret,
        )

    @property
    def actor_id(self) -> int | None:
        """Who this core's changes are attributed to (:meth:`acting_as`); None: nobody."""
        return self._actor_id

    def using(self, connection: HostConnection) -> CustomerCore[OrdersT]:
        """The same core, every call inside the host's open transaction on ``connection``.

        ``connection`` is a SQLAlchemy ``Connection`` or ORM ``Session`` (a session
        is asked for its connection on each call, and flushed first when it
        autoflushes). Each call runs in a SAVEPOINT: a failed call changes nothing
        and leaves the host's transaction usable; a call that succeeds commits or
        rolls back with the host's transaction, and the row locks it took are held
        until then. The library never commits, rolls back or closes ``connection``.
        A ``StorageConflict`` is raised at once (never retried): roll back and run
        the whole unit of work again. TypeError on a core that is not on SQL.
        """
        try:
            from customer_core.adapters.sqlalchemy._joined import JoinedStorage
        except ImportError:  # no SQLAlchemy installed: no core here runs on SQL
            raise TypeError(
                f"using(connection) needs a core on SQL storage, not on "
                f"{type(self._storage).__name__}"
            ) from None
        return self._with_storage(JoinedStorage.of(self._storage, connection))

    def on_primary(self) -> CustomerCore[OrdersT]:
        """The same core with every read on the primary: read-your-writes after a write.

        Use it for the rest of a request that has just written (a profile page after
        its update); writes and ``authenticate`` run on the primary anyway. On a core
        without replicas it changes nothing.

        >>> core = CustomerCore.in_memory()
        >>> ada = core.customers.register(name="Ada", email="a@b.example", password="correct horse")
        >>> core.on_primary().customers.get(ada.id).name
        'Ada'
        """
        view = on_primary(self._storage)
        return self if view is None else self._with_storage(view)

    @property
    def customers(self) -> CustomerRegistry:
        """The customer registry."""
        return self._customers

    @property
    def addresses(self) -> AddressBook:
        """The address book."""
        return self._addresses

    @property
    def notes(self) -> CustomerNotes:
        """Internal notes."""
        return self._notes

    @property
    def ltv(self) -> LifetimeValue:
        """Lifetime value and repeat detection."""
        return self._ltv

    @property
    def timeline(self) -> Timeline:
        """The customer timeline and the outbox of its events."""
        return self._timeline

    @property
    def privacy(self) -> Privacy:
        """Export, anonymize and erase a person's data (access and erasure requests)."""
        return self._privacy

    @property
    def analytics(self) -> CustomerAnalytics:
        """RFM scores and their summary by label."""
        return self._analytics

    @property
    def storage(self) -> Storage:
        """The storage every service reads and writes through."""
        return self._storage

    @property
    def clock(self) -> Clock:
        """The clock that stamps every write."""
        return self._clock

    @property
    def password_hasher(self) -> PasswordHasher:
        """The hasher that makes new password hashes (any known scheme still verifies)."""
        return self._password_hasher

    @property
    def default_region(self) -> str | None:
        """The ISO country code national phone numbers are read in, if one was given."""
        return self._default_region

    @property
    def reset_token_ttl(self) -> timedelta:
        """How long a password-reset token stays valid."""
        return self._reset_token_ttl

    @classmethod
    def in_memory(
        cls,
        *,
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
        reset_token_ttl: timedelta = DEFAULT_RESET_TOKEN_TTL,
        cursor_secret: str | bytes | None = None,
    ) -> CustomerCore[InMemoryOrderLedger]:
        """An embedded core with no I/O; ``core.orders`` is an :class:`InMemoryOrderLedger`.

        ``reset_token_ttl``: how long a password-reset token stays valid (default an hour);
        ``cursor_secret``: the key that signs scroll cursors (default: random, this core's).
        """
        clock = clock if clock is not None else SystemClock()
        ledger = InMemoryOrderLedger(clock=clock)
        return CustomerCore(
            InMemoryStorage(ledger),
            orders=ledger,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
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
        reset_token_ttl: timedelta = DEFAULT_RESET_TOKEN_TTL,
        reset_table: str = "customer_password_reset_tokens",
        cursor_secret: str | bytes | None = None,
        **engine_options: Any,
    ) -> CustomerCore[OrdersTable | None]:
        """A core on a SQL database (SQLite, PostgreSQL, MySQL/MariaDB) given by URL.

        ``orders`` maps the host's orders table (read only); ``users_table``
        names the host's users table that note authors must exist in, when
        the database has one. ``lock_timeout`` (seconds, default 10) bounds every
        wait for another transaction's lock: a longer wait raises ``StorageConflict``.
        ``replicas`` are URLs of read replicas of that database: reads that tolerate
        lag run there, as docs/explanation.md's routing table says (``engine_options``
        apply to them too).
        ``reset_token_ttl`` is how long a password-reset token stays valid;
        ``reset_table`` names the tokens' table (Laravel's password-reset layout);
        ``cursor_secret`` is the key that signs scroll cursors; by default it is derived
        from the URL without its password (the same on every process using that
        database; not a secret: pass one to make cursors unforgeable).
        """
        from customer_core.adapters.sqlalchemy._session import library_engine

        if isinstance(replicas, str | bytes) or not isinstance(replicas, Sequence):
            raise ValidationError.single("replicas", "must be a list of URLs")
        if not all(isinstance(replica, str) for replica in replicas):
            raise ValidationError.single("replicas", "must be a list of URLs")
        # The lock timeout in every session (PostgreSQL): no SET LOCAL per transaction.
        engine = library_engine(url, lock_timeout, engine_options)
        return cls.from_engine(
            engine,
            orders=orders,
            metadata=metadata,
            users_table=users_table,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
            lock_timeout=lock_timeout,
            replicas=[library_engine(each, lock_timeout, engine_options) for each in replicas],
            reset_token_ttl=reset_token_ttl,
            reset_table=reset_table,
            cursor_secret=cursor_secret,
        )

    @classmethod
    def from_engine(
        cls,
        engine: Engine,
        *,
        orders: OrdersTable | None = None,
        metadata: MetaData | None = None,
        users_table: str | None = "users",
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
        lock_timeout: float | None = 10.0,
        replicas: Sequence[Engine] = (),
        reset_token_ttl: timedelta = DEFAULT_RESET_TOKEN_TTL,
        reset_table: str = "customer_password_reset_tokens",
        cursor_secret: str | bytes | None = None,
    ) -> CustomerCore[OrdersTable | None]:
        """A core on an SQLAlchemy engine the host already has (warmed pools included).

        ``lock_timeout``, ``reset_token_ttl``, ``reset_table`` and ``cursor_secret`` as for
        :meth:`from_url`; a None ``lock_timeout`` leaves the database's own.
        ``replicas`` are engines on read replicas of ``engine``'s database.
        """
        from customer_core.adapters.sqlalchemy import SQLAlchemyStorage
        from customer_core.adapters.sqlalchemy._cursor_secret import engine_cursor_secret

        storage = SQLAlchemyStorage(
            engine,
            orders=orders,
            metadata=metadata,
            users_table=users_table,
            lock_timeout=lock_timeout,
            replicas=replicas,
            reset_table=reset_table,
        )
        return CustomerCore(
            storage,
            orders=orders,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
            reset_token_ttl=reset_token_ttl,
            cursor_secret=engine_cursor_secret(engine) if cursor_secret is None else cursor_secret,
        )

    @property
    def orders(self) -> OrdersT:
        """The host's orders: the :class:`InMemoryOrderLedger`, or the SQL ``OrdersTable``."""
        return self._orders

    def create_schema(self) -> None:
        """Create the library's tables where missing; never alters an existing table."""
        self.storage.create_schema()

    def handle(self, event: OrderEvent) -> Customer | None:
        """Recalculate the event's customer; None (never an error) if it no longer exists."""
        return handle_event(self.ltv, event)

    def handle_many(self, events: Iterable[OrderEvent]) -> int:
        """One recalculation per distinct customer; returns how many known customers were done.

        Unknown customers are skipped. Every event is checked before anything is
        written; then the customers are recalculated set-based through
        :meth:`LifetimeValue.recalculate_many` (a thousand per transaction).
        """
        return handle_events(self.ltv, events)

    def __repr__(self) -> str:
        return f"CustomerCore({self.storage!r}, hasher={self.password_hasher!r})"


def _actor(value: int | None) -> int | None:
    """Validate the actor the changes are attributed to (a host user's id), if any."""
    if value is None:
        return None
    fields = Fields()
    actor = fields.check("actor_id", rules.author_id, value)
    fields.done()
    return actor


def _region(value: str | None) -> str | None:
    """Validate the default phone region (an ISO country code phonenumbers knows)."""
    if value is None:
        return None
    import phonenumbers

    region = value.upper() if isinstance(value, str) else ""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError.single("default_region", "must be an ISO country code")
    return region


def _cursor_key(secret: object) -> bytes:
    """Validate ``cursor_secret`` (None, or non-empty text or bytes) into the cursors' HMAC key."""
    try:
        return cursor_key(secret)  # type: ignore[arg-type]
    except Invalid as error:
        raise ValidationError.single("cursor_secret", str(error)) from None


def _ttl(value: object) -> timedelta:
    """Validate ``reset_token_ttl``: a positive ``timedelta``."""
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError.single("reset_token_ttl", "must be a positive timedelta")
    return value
