"""A read whose replica is lost mid-read runs again once on the primary (Context.read)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from customer_core import CustomerCore
from customer_core.adapters.memory import InMemoryStorage
from customer_core.errors import StorageUnavailable
from customer_core.ports import Transaction


class _LosesItsReplica:
    """The in-memory storage, whose "replica" (a lag-tolerant read) dies inside the read."""

    def __init__(self, inner: InMemoryStorage, *, replicas: bool) -> None:
        self.inner = inner
        self.replicas = replicas
        self.opened: list[bool] = []

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> Iterator[Transaction]:
        self.opened.append(may_lag)
        with self.inner.transaction(read_only=read_only) as tx:
            if may_lag:
                raise StorageUnavailable("storage unavailable: the replica went away")
            yield tx

    def create_schema(self) -> None:
        self.inner.create_schema()


def _cores(replicas: bool) -> tuple[CustomerCore, _LosesItsReplica, int]:
    plain = CustomerCore.in_memory()
    ada = plain.customers.register(name="Ada", email="ada@example.com", password="correct horse")
    storage = _LosesItsReplica(plain.storage, replicas=replicas)  # type: ignore[arg-type]
    return plain._with_storage(storage), storage, ada.id


def test_a_read_that_loses_its_replica_is_served_by_the_primary() -> None:
    """The caller gets its answer; the storage saw one lag-tolerant try, then the primary."""
    core, storage, ada = _cores(replicas=True)
    assert core.customers.get(ada).name == "Ada"
    assert storage.opened == [True, False]


def test_without_replicas_the_error_is_not_waited_for_twice() -> None:
    """A storage with no replicas has nowhere else to go: the error is the caller's at once."""
    core, storage, ada = _cores(replicas=False)
    with pytest.raises(StorageUnavailable):
        core.customers.get(ada)
    assert storage.opened == [True]
