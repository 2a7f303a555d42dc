"""A core on a fresh database that also holds the host's tables (orders, users)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import engine_from_url
from customer_core.testing import FrozenClock
from customer_core.testing.sql import HostTables, SQLOrderRecorder

#: Hashing is not what these tests measure.
CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)

Shop = tuple[CustomerCore, SQLOrderRecorder, sa.Engine, HostTables]


@contextmanager
def open_shop(url: str, *, pool_size: int = 5) -> Iterator[Shop]:
    """The core, a recorder of host orders, the engine and the host's tables; disposed after."""
    engine = engine_from_url(url, pool_size=pool_size)
    host = HostTables.define()
    host.create(engine)
    clock = FrozenClock()
    core = CustomerCore.from_engine(
        engine, orders=host.orders_spec, clock=clock, password_hasher=CHEAP
    )
    core.create_schema()
    try:
        yield core, SQLOrderRecorder(engine, host, clock=clock), engine, host
    finally:
        engine.dispose()
