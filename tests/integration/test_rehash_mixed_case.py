"""A legacy hash stored with a mixed-case e-mail (as a Laravel app stored it) is re-hashed
after a log-in, on every storage (review finding 3: the lock-side read missed it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import pytest
from host_shop import CHEAP

from customer_core import CustomerCore
from customer_core.ports import NewCustomer

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
SECRET = "Legacy-Secret-1"
STORAGES = [
    pytest.param("memory", marks=pytest.mark.memory, id="memory"),
    *(
        pytest.param(name, marks=[getattr(pytest.mark, name), pytest.mark.sql], id=name)
        for name in ("sqlite", "postgres", "mariadb")
    ),
]


@pytest.fixture(params=STORAGES)
def core(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CustomerCore[object]]:
    """A core with the library's tables on a fresh database of each storage."""
    name: str = request.param
    if name == "memory":
        yield CustomerCore.in_memory(password_hasher=CHEAP)  # type: ignore[misc]
        return
    if name == "sqlite":
        url = f"sqlite:///{tmp_path / 'rehash.db'}"
    else:
        url = request.getfixturevalue(f"{name}_server").create_database("rehash")
    made = CustomerCore.from_url(url, password_hasher=CHEAP)
    made.create_schema()
    yield made  # type: ignore[misc]
    made.storage.engine.dispose()  # type: ignore[attr-defined]


def test_a_mixed_case_legacy_email_is_rehashed(core: CustomerCore[object]) -> None:
    """``Legacy@Example.com`` with a bcrypt hash: after the log-in the stored hash is new."""
    legacy = "$2y$" + bcrypt.hashpw(SECRET.encode(), bcrypt.gensalt(4)).decode("ascii")[4:]
    with core.storage.transaction() as tx:
        tx.customers.add(
            NewCustomer(
                name="Legacy", email="Legacy@Example.com", password_hash=legacy, phone=None,
                avatar=None, is_blocked=False, created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
    core.customers.authenticate("legacy@example.com", SECRET)
    with core.storage.transaction() as tx:
        stored = tx.customers.find_credentials("legacy@example.com")
    assert stored is not None
    assert stored.customer.email == "Legacy@Example.com"
    assert stored.password_hash != legacy
    assert CHEAP.verify(stored.password_hash, SECRET)
    assert not CHEAP.needs_rehash(stored.password_hash)
