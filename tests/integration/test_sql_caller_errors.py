"""The caller's own UnicodeError/OverflowError inside a transaction reach it unchanged on
SQL, as in memory; the driver's, raised by a statement, are still library errors (review
finding 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from host_shop import CHEAP

from customer_core import CustomerCore, StorageError
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage, engine_from_url

CALLER_ERRORS = [
    UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    OverflowError("the host's own code"),
]


@pytest.fixture
def core(fresh_database_url: str) -> Iterator[CustomerCore[object]]:
    """A core with the library's tables on a fresh database."""
    made = CustomerCore.from_url(fresh_database_url, password_hasher=CHEAP)
    made.create_schema()
    yield made  # type: ignore[misc]
    made.storage.engine.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize("raised", CALLER_ERRORS, ids=lambda error: type(error).__name__)
def test_a_record_generators_error_is_not_relabelled(
    core: CustomerCore[object], raised: Exception
) -> None:
    """A record generator that fails mid-import: its own exception, and nothing stored."""
    good = CHEAP.hash("secret password")

    def records() -> Iterator[dict[str, object]]:
        yield {"name": "a", "email": "a@example.com", "password_hash": good}
        raise raised

    with pytest.raises(type(raised)) as caught:
        core.customers.import_many(records())
    assert caught.value is raised
    assert core.customers.search().total == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_drivers_overflow_error_is_still_a_storage_error(fresh_database_url: str) -> None:
    """sqlite3 cannot bind an integer over 64 bits: a StorageError, not OverflowError."""
    engine = engine_from_url(fresh_database_url)
    try:
        storage = SQLAlchemyStorage(engine)
        storage.create_schema()
        with pytest.raises(StorageError), storage.transaction() as tx:
            tx.connection.execute(sa.select(storage.tables.customers.c.id).where(
                storage.tables.customers.c.id == 2**70
            ))  # fmt: skip
    finally:
        engine.dispose()
