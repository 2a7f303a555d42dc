"""``acting_as`` on both fronts: the same core, settings included, for another actor."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from customer_core import Argon2Hasher, CustomerCore, EventType, InvalidResetToken, ValidationError
from customer_core.testing import FrozenClock

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
SHORT = timedelta(minutes=5)
PASSWORD = "correct horse battery"


def async_core(**options: Any) -> Any:
    """An in-memory asyncio core; skips without SQLAlchemy's greenlet bridge (tests-core)."""
    pytest.importorskip("greenlet")
    pytest.importorskip("sqlalchemy")
    from customer_core.aio import AsyncCustomerCore

    return AsyncCustomerCore.in_memory(password_hasher=CHEAP, **options)


def test_the_admin_core_keeps_the_reset_token_ttl() -> None:
    """A five-minute TTL holds for the admin core too (it used to fall back to an hour)."""
    clock = FrozenClock()
    core = CustomerCore.in_memory(password_hasher=CHEAP, clock=clock, reset_token_ttl=SHORT)
    admin = core.acting_as(7)
    assert admin.reset_token_ttl == SHORT
    core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    token = admin.customers.request_password_reset("ada@example.com")
    assert token is not None
    clock.advance(6 * 60)
    with pytest.raises(InvalidResetToken):
        admin.customers.reset_password("ada@example.com", token, "a brand new secret")


def test_the_asyncio_front_acts_as_an_admin() -> None:
    """``AsyncCustomerCore.acting_as``: attribution, the same storage and settings."""

    core = async_core(reset_token_ttl=SHORT)  # made (or skipped) outside the loop

    async def main() -> None:
        async with core:
            admin = core.acting_as(7)
            assert (admin.actor_id, core.actor_id) == (7, None)
            assert admin.storage is core.storage
            assert admin.reset_token_ttl == SHORT
            ada = await admin.customers.register(
                name="Ada", email="ada@example.com", password=PASSWORD
            )
            await core.customers.block(ada.id)
            page = await core.timeline.list(ada.id)
            assert [(e.type, e.actor_id) for e in page.items] == [
                (EventType.BLOCKED, None),
                (EventType.REGISTERED, 7),
            ]

    asyncio.run(main())


@pytest.mark.parametrize("bad", [0, -1, "7", 1.5, None, True])
def test_the_asyncio_front_refuses_a_bad_actor(bad: Any) -> None:
    """The same ValidationError on ``actor_id`` as the sync core's."""
    core = async_core()
    with pytest.raises(ValidationError) as raised:
        core.acting_as(bad)
    assert "actor_id" in raised.value.errors
