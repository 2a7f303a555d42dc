"""A failure at the last write of an anonymization undoes all of it (in memory; SQL:
tests/integration/test_sql_privacy.py), in one call and in a batch of anonymize_many."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest

from customer_core import Argon2Hasher, CustomerCore, StorageError
from customer_core.adapters.memory import InMemoryStorage
from customer_core.ports import Transaction
from customer_core.timeline import NewEvent

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


class FailingEvents:
    """A storage whose transactions fail when they append many events (the last write of
    an anonymization: the ``anonymized`` events)."""

    def __init__(self, inner: InMemoryStorage) -> None:
        self.inner = inner

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> Iterator[Transaction]:
        with self.inner.transaction(read_only=read_only, may_lag=may_lag) as tx:
            tx.events.append_many = _refuse  # type: ignore[method-assign]
            yield tx

    def create_schema(self) -> None:
        self.inner.create_schema()


def _refuse(events: Sequence[NewEvent]) -> None:
    raise StorageError("the disk is full")


@pytest.mark.parametrize(
    "call",
    [
        lambda core, ids: core.privacy.anonymize(ids[0]),
        lambda core, ids: core.privacy.anonymize_many(None, batch_size=10),
    ],
    ids=["anonymize", "anonymize_many"],
)
def test_a_failed_anonymization_changes_nothing(
    call: Callable[[CustomerCore, list[int]], object],
) -> None:
    plain = CustomerCore.in_memory(password_hasher=CHEAP)
    ids = []
    for i in range(3):
        person = plain.customers.register(
            name=f"P {i}", email=f"p{i}@example.com", password="pw-123456", phone="+14155550123"
        )
        plain.addresses.add(
            person.id,
            type="shipping",
            full_name=f"P {i}",
            phone="+14155550123",
            address_line1="1 Road",
            city="London",
            state="London",
            zip_code="SW1",
            country="GB",
        )
        plain.notes.add(person.id, author_id=1, text=f"about P {i}")
        ids.append(person.id)
    tables = plain.storage._tables  # type: ignore[attr-defined]
    before = copy.deepcopy(tables)
    failing = CustomerCore(
        FailingEvents(plain.storage),  # type: ignore[arg-type]
        orders=plain.orders,
        password_hasher=CHEAP,
    )
    with pytest.raises(StorageError):
        call(failing, ids)
    assert tables == before  # every row and index as it was (dict order aside)
