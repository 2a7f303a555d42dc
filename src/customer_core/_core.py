"""CustomerCore: the composition root that wires storage, orders, hasher and clock into services.

This is the one module that knows the adapters exist. The in-memory adapter
is built directly; the SQLAlchemy adapter is imported only inside
:meth:`CustomerCore.from_url` and :meth:`CustomerCore.from_engine`, so the core
installs and imports without SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from customer_core.adapters.memory import InMemoryOrderLedger, InMemoryStorage
from customer_core.clock import SystemClock
from customer_core.errors import CustomerNotFound, ValidationError
from customer_core.events import EVENT_TYPES, OrderEvent
from customer_core.model import Customer
from customer_core.passwords import Argon2Hasher, PasswordHasher
from customer_core.ports import Clock, Storage
from customer_core.rules import record_id
from customer_core.services import AddressBook, CustomerNotes, CustomerRegistry, LifetimeValue
from customer_core.services._context import Context

if TYPE_CHECKING:
    from sqlalchemy import Engine, MetaData

    from customer_core.adapters.sqlalchemy import OrdersTable

__all__ = ["CustomerCore", "OrdersT"]

OrdersT = TypeVar("OrdersT", covariant=True, default=object)
"""What ``core.orders`` is: the in-memory ledger, or the SQL ``OrdersTable`` mapping."""


class CustomerCore(Generic[OrdersT]):
    """The library's entry point: ``customers``, ``addresses``, ``notes``, ``ltv`` and events.

    >>> core = CustomerCore.in_memory()
    >>> ada = core.customers.register(name="Ada", email="Ada@Example.com", password="correct horse")
    >>> ada.email
    'ada@example.com'
    """

    customers: CustomerRegistry
    """The customer registry."""
    addresses: AddressBook
    """The address book."""
    notes: CustomerNotes
    """Internal notes."""
    ltv: LifetimeValue
    """Lifetime value and repeat detection."""

    def __init__(
        self,
        storage: Storage,
        *,
        orders: OrdersT,
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
    ) -> None:
        """Build the services over ``storage``; prefer the ``in_memory``/``from_url`` factories."""
        self.storage = storage
        self._orders = orders
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.password_hasher: PasswordHasher = password_hasher or Argon2Hasher()
        self.default_region = _region(default_region)
        context = Context(storage, self.clock, self.password_hasher, self.default_region)
        self.customers = CustomerRegistry(context)
        self.addresses = AddressBook(context)
        self.notes = CustomerNotes(context)
        self.ltv = LifetimeValue(context)

    @classmethod
    def in_memory(
        cls,
        *,
        password_hasher: PasswordHasher | None = None,
        clock: Clock | None = None,
        default_region: str | None = None,
    ) -> CustomerCore[InMemoryOrderLedger]:
        """An embedded core with no I/O; ``core.orders`` is an :class:`InMemoryOrderLedger`."""
        clock = clock if clock is not None else SystemClock()
        ledger = InMemoryOrderLedger(clock=clock)
        return CustomerCore(
            InMemoryStorage(ledger),
            orders=ledger,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
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
        **engine_options: Any,
    ) -> CustomerCore[OrdersTable | None]:
        """A core on a SQL database (SQLite, PostgreSQL, MySQL/MariaDB) given by URL.

        ``orders`` maps the host's orders table (read only); ``users_table``
        names the host's users table that note authors must exist in, when
        the database has one. ``lock_timeout`` (seconds, default 10) bounds every
        wait for another transaction's lock: a longer wait raises ``StorageConflict``.
        """
        from customer_core.adapters.sqlalchemy import engine_from_url

        engine = engine_from_url(url, **engine_options)
        return cls.from_engine(
            engine,
            orders=orders,
            metadata=metadata,
            users_table=users_table,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
            lock_timeout=lock_timeout,
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
    ) -> CustomerCore[OrdersTable | None]:
        """A core on an SQLAlchemy engine the host already has (warmed pools included).

        ``lock_timeout`` as for :meth:`from_url`; None leaves the database's own.
        """
        from customer_core.adapters.sqlalchemy import SQLAlchemyStorage

        storage = SQLAlchemyStorage(
            engine,
            orders=orders,
            metadata=metadata,
            users_table=users_table,
            lock_timeout=lock_timeout,
        )
        return CustomerCore(
            storage,
            orders=orders,
            password_hasher=password_hasher,
            clock=clock,
            default_region=default_region,
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
        customer_id = _customer_of(event)
        return None if customer_id is None else self._recalculate_known(customer_id)

    def handle_many(self, events: Iterable[OrderEvent]) -> int:
        """One recalculation per distinct customer; returns how many known customers were done.

        Unknown customers are skipped. Every event is checked before anything is
        written; then the customers are recalculated set-based through
        :meth:`LifetimeValue.recalculate_many` (a thousand per transaction).
        """
        ids = [_customer_of(event) for event in events]
        return self.ltv.recalculate_many([i for i in ids if i is not None])

    def _recalculate_known(self, customer_id: int) -> Customer | None:
        try:
            return self.ltv.recalculate(customer_id)
        except CustomerNotFound:
            return None

    def __repr__(self) -> str:
        return f"CustomerCore({self.storage!r}, hasher={self.password_hasher!r})"


def _customer_of(event: object) -> int | None:
    """The event's customer id; None for an id no customer can have."""
    if not isinstance(event, EVENT_TYPES):
        raise ValidationError.single(
            "event", "must be an OrderPlaced, OrderCancelled or OrderStatusChanged"
        )
    try:
        return record_id(event.customer_id)
    except ValueError:
        raise ValidationError.single("customer_id", "must be an integer") from None


def _region(value: str | None) -> str | None:
    """Validate the default phone region (an ISO country code phonenumbers knows)."""
    if value is None:
        return None
    import phonenumbers

    region = value.upper() if isinstance(value, str) else ""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError.single("default_region", "must be an ISO country code")
    return region
