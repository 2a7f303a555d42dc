"""RFM as a host types it, sync and async, checked by ``mypy --strict`` (and run by pytest)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import assert_type

import pytest

from customer_core import CustomerCore, RfmScore, ValidationError
from customer_core.segments import C


def test_sync_rfm_types() -> None:
    """``rfm()`` is an iterator of RfmScore, the summary a dict of label → count."""
    core = CustomerCore.in_memory()
    assert_type(core.analytics.rfm(), Iterator[RfmScore])
    assert_type(core.analytics.rfm(segment=C.total_orders >= 2), Iterator[RfmScore])
    assert_type(core.analytics.rfm_summary(segment="total_orders >= 2"), dict[str, int])
    assert core.analytics.rfm_summary() == {}
    with pytest.raises(ValidationError):
        core.analytics.rfm(segment=2)  # type: ignore[arg-type]


async def a_host(core: object) -> None:
    """What mypy checks on the asyncio front; never awaited here."""
    from customer_core.aio import AsyncCustomerCore

    assert isinstance(core, AsyncCustomerCore)
    typed: AsyncCustomerCore[object] = core
    assert_type(typed.analytics.rfm(), AsyncIterator[RfmScore])
    async for score in typed.analytics.rfm(segment="total_orders >= 2"):
        assert_type(score, RfmScore)
    assert_type(await typed.analytics.rfm_summary(), dict[str, int])


def test_async_rfm_is_typed() -> None:
    pytest.importorskip("sqlalchemy")
    assert inspect.iscoroutinefunction(a_host)
