"""mypy checks a host's use of the asyncio front as precisely as of the sync core.

This module is type-checked by the mypy session (``tests/typing`` is in its files):
each ``await`` below must have the sync method's result type, and a wrong call must
be an error (the ``type: ignore`` comments would be unused otherwise: strict mode
reports that).
"""

from __future__ import annotations

import inspect

import pytest

pytest.importorskip("sqlalchemy")

from customer_core.model import Address, Customer, ListedCustomer, Note, Page


async def a_host(core: object) -> None:
    """What mypy checks; never awaited here."""
    from customer_core.adapters.sqlalchemy import OrdersTable
    from customer_core.aio import AsyncCustomerCore

    assert isinstance(core, AsyncCustomerCore)
    typed: AsyncCustomerCore[OrdersTable | None] = core
    ada: Customer = await typed.customers.register(name="A", email="a@x.io", password="p" * 12)
    page: Page[ListedCustomer] = await typed.customers.search("a", per_page=10)
    addresses: list[Address] = await typed.addresses.list(ada.id)
    notes: list[Note] = await typed.notes.list(ada.id)
    done: int = await typed.handle_many([])
    await typed.customers.register(name="A")  # type: ignore[call-arg]
    await typed.customers.get("1")  # type: ignore[arg-type]
    print(page, addresses, notes, done)


def test_the_host_is_a_coroutine_function() -> None:
    assert inspect.iscoroutinefunction(a_host)
