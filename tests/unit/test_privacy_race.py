"""anonymize_many asks the segment again after locking: a customer who left it meanwhile
(between the read that chose the batch and the write) is not anonymized."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.memory import InMemoryStorage
from customer_core.anonymization import ANONYMIZED_NAME
from customer_core.ports import Transaction
from customer_core.testing import FrozenClock

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


class BeforeFirstWrite:
    """A storage that runs ``hook`` once, just before its first write transaction begins."""

    def __init__(self, inner: InMemoryStorage, hook: Callable[[], object]) -> None:
        self.inner = inner
        self.hook: Callable[[], object] | None = hook

    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> AbstractContextManager[Transaction]:
        if not read_only and self.hook is not None:
            hook, self.hook = self.hook, None
            hook()
        return self.inner.transaction(read_only=read_only, may_lag=may_lag)

    def create_schema(self) -> None:
        self.inner.create_schema()


@contextmanager
def shop() -> Iterator[tuple[CustomerCore, CustomerCore, list[int]]]:
    clock = FrozenClock()
    plain = CustomerCore.in_memory(clock=clock, password_hasher=CHEAP)
    ids = [
        plain.customers.register(name=f"P {i}", email=f"p{i}@example.com", password="pw-123456").id
        for i in range(4)
    ]
    yield plain, CustomerCore(plain.storage, orders=plain.orders, clock=clock), ids


def test_a_customer_who_ordered_meanwhile_is_not_anonymized() -> None:
    with shop() as (plain, _, ids):

        def order_meanwhile() -> None:
            plain.orders.record(
                order_id=1, customer_id=ids[1], total_amount="5", status="delivered"
            )
            plain.ltv.recalculate(ids[1])

        storage = BeforeFirstWrite(plain.storage, order_meanwhile)  # type: ignore[arg-type]
        racing = CustomerCore(
            storage, orders=plain.orders, clock=plain.clock, password_hasher=CHEAP
        )
        assert racing.privacy.anonymize_many("total_orders == 0", batch_size=10) == 3
        names = [plain.customers.get(i).name for i in ids]
        assert names == [ANONYMIZED_NAME, "P 1", ANONYMIZED_NAME, ANONYMIZED_NAME]
