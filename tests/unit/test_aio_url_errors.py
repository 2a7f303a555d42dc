"""A URL naming no installed dialect is a library error from both fronts' ``from_url``
(the asyncio front looked its driver up outside the translation, and SQLAlchemy's
``NoSuchModuleError`` escaped)."""

from __future__ import annotations

import pytest

pytest.importorskip("greenlet")

from customer_core import CustomerCore, StorageError
from customer_core.aio import AsyncCustomerCore

pytestmark = pytest.mark.sql

URL = "nosuchdialect://app:s3cret@db.example/shop"


@pytest.mark.parametrize("front", [CustomerCore, AsyncCustomerCore])
def test_an_unknown_dialect_is_a_storage_error(front: type[CustomerCore]) -> None:
    with pytest.raises(StorageError) as raised:
        front.from_url(URL)
    assert "nosuchdialect" in str(raised.value)
    assert "s3cret" not in str(raised.value)
    assert raised.value.__context__ is None
