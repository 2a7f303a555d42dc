"""A core that is gone leaves no table behind: the write-with-event statements cached per
table (PostgreSQL) must not keep a closed core's tables (and their MetaData) alive."""

from __future__ import annotations

import gc
import weakref

import pytest
from host_shop import CHEAP

from customer_core import CustomerCore
from servers import Server

pytestmark = pytest.mark.postgres


def test_a_closed_core_leaves_its_tables_to_the_collector(postgres_server: Server) -> None:
    url = postgres_server.create_database("cache_memory")
    core = CustomerCore.from_url(url, password_hasher=CHEAP)
    core.create_schema()
    ada = core.customers.register(name="Ada", email="a@example.com", password="pw" * 6)
    core.customers.block(ada.id)
    table = weakref.ref(core.storage.tables.customers)  # type: ignore[attr-defined]
    core.storage.engine.dispose()  # type: ignore[attr-defined]
    del core
    gc.collect()
    assert table() is None
