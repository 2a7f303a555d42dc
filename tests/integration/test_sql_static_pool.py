"""In-memory SQLite on a StaticPool: threads share one connection, so their transactions
take turns and each stays whole (review finding 2)."""

from __future__ import annotations

import threading
import uuid

import pytest
from host_shop import CHEAP
from threads import run_threads

from customer_core import CustomerCore, ValidationError

pytestmark = [pytest.mark.sqlite, pytest.mark.sql]

THREADS, IMPORTS, RECORDS = 4, 10, 10


def _memory_urls() -> list[str]:
    return ["sqlite://", f"sqlite:///file:m{uuid.uuid4().hex}?mode=memory&cache=shared&uri=true"]


@pytest.mark.parametrize("url", _memory_urls(), ids=["memory", "shared-cache"])
def test_threads_transactions_stay_whole(url: str) -> None:
    """Threads importing at once (every other import refused): exactly the accepted
    imports' rows are stored, and no call fails for another's transaction."""
    core = CustomerCore.from_url(url, password_hasher=CHEAP)
    core.create_schema()
    good = CHEAP.hash("secret password")
    stored: list[int] = []
    guard = threading.Lock()

    def importer(thread: int) -> None:
        for k in range(IMPORTS):
            records = [
                {"name": "x", "email": f"t{thread}-{k}-{i}@example.com", "password_hash": good}
                for i in range(RECORDS)
            ]
            if k % 2 == 0:
                records.append({"name": "bad", "email": "nope", "password_hash": good})
            try:
                count = core.customers.import_many(records, batch_size=1)
            except ValidationError:
                continue
            with guard:
                stored.append(count)

    run_threads(importer, THREADS)
    assert sum(stored) == THREADS * IMPORTS // 2 * RECORDS
    assert core.customers.search(per_page=1).total == sum(stored)
