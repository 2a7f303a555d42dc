"""The asyncio front routes like the sync core: lag-tolerant reads on the standby (asyncpg)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

pytest.importorskip("greenlet")
pytest.importorskip("asyncpg")

from customer_core import Argon2Hasher
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage
from customer_core.aio import AsyncCustomerCore
from customer_core.errors import ValidationError
from replication import paused_replay, primary_engine, replicated_database
from servers import Server

pytestmark = [pytest.mark.postgres, pytest.mark.sql, pytest.mark.timeout(120)]

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


def _asyncpg(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql+asyncpg").render_as_string(False)


def test_reads_go_to_the_standby_and_on_primary_reads_its_writes(
    postgres_pair: tuple[Server, Server],
) -> None:
    """With replay paused, ``get`` (a lag-tolerant read) misses a new customer on the standby,
    ``on_primary().customers.get`` finds it, and ``authenticate`` (primary) logs it in."""
    url, replica_url = replicated_database(*postgres_pair)
    engine = primary_engine(url, synchronous_commit="remote_apply")  # the standby has the tables
    SQLAlchemyStorage(engine).create_schema()
    engine.dispose()

    async def story() -> tuple[str, str, int]:
        async with AsyncCustomerCore.from_url(
            _asyncpg(url), replicas=[_asyncpg(replica_url)], password_hasher=CHEAP
        ) as core:
            with paused_replay(replica_url):
                ada = await core.customers.register(
                    name="Ada", email="ada@example.com", password="correct horse"
                )
                try:
                    await core.customers.get(ada.id)
                    on_replica = "found"
                except Exception as error:  # the standby has not seen her yet
                    on_replica = type(error).__name__
                found = await core.on_primary().customers.get(ada.id)
                logged_in = await core.customers.authenticate("ada@example.com", "correct horse")
                return on_replica, found.name, logged_in.id

    on_replica, name, logged_in = asyncio.run(story())
    assert on_replica == "CustomerNotFound"
    assert name == "Ada"
    assert logged_in > 0


def test_replicas_must_be_a_list() -> None:
    """One bare URL is a mistake, named on ``replicas``, before any engine is made."""
    with pytest.raises(ValidationError) as caught:
        AsyncCustomerCore.from_url(
            "postgresql+asyncpg://u@/db?host=/nowhere",
            replicas="postgresql+asyncpg://u@/db2?host=/nowhere",  # type: ignore[arg-type]
        )
    assert "replicas" in caught.value.errors
