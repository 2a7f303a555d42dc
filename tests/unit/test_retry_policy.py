"""One retry policy for every write: a transaction that loses a lock is run again, whole.

The conflicts are injected by a Storage *wrapper* around the real in-memory
storage: its transaction runs the service's work on the real storage and then
raises ``StorageConflict`` before the commit, so the real storage rolls the
attempt back, as a database does after a deadlock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import attrs
import pytest

from customer_core import Argon2Hasher, CustomerCore, StorageConflict
from customer_core.adapters.memory import InMemoryOrderLedger
from customer_core.ports import Storage, Transaction
from customer_core.services._context import Context, RetryPolicy
from customer_core.testing import FrozenClock

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


class ConflictingStorage:
    """Wraps a storage; its next ``conflicts`` write transactions lose a lock after the work."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.conflicts = 0
        self.writes = 0
        self.reads = 0

    @contextmanager
    def transaction(self, read_only: bool = False, may_lag: bool = False) -> Iterator[Transaction]:
        if read_only:
            self.reads += 1
        else:
            self.writes += 1
        with self.inner.transaction(read_only=read_only, may_lag=may_lag) as tx:
            yield tx
            if self.conflicts and not read_only:
                self.conflicts -= 1
                raise StorageConflict("storage conflict: injected deadlock")

    def create_schema(self) -> None:
        self.inner.create_schema()


@pytest.fixture
def parts() -> tuple[CustomerCore[InMemoryOrderLedger], ConflictingStorage]:
    clock = FrozenClock()
    memory = CustomerCore.in_memory(clock=clock, password_hasher=CHEAP)
    storage = ConflictingStorage(memory.storage)
    core = CustomerCore(storage, orders=memory.orders, clock=clock, password_hasher=CHEAP)
    return core, storage


def _customer(core: CustomerCore[InMemoryOrderLedger]) -> int:
    ada = core.customers.register(name="Ada", email="ada@example.com", password="x" * 12)
    core.orders.record(order_id=1, customer_id=ada.id, total_amount="9.99", status="delivered")
    return ada.id


WRITES: dict[str, Callable[[CustomerCore[InMemoryOrderLedger], int], object]] = {
    "register": lambda core, _: core.customers.register(
        name="Bob", email="bob@example.com", password="y" * 12
    ),
    "update": lambda core, i: core.customers.update(i, name="Ada L."),
    "change_email": lambda core, i: core.customers.change_email(i, "ada@lovelace.org"),
    "block": lambda core, i: core.customers.block(i),
    "delete": lambda core, i: core.customers.delete(i),
    "add_address": lambda core, i: core.addresses.add(
        i,
        type="billing",
        full_name="Ada",
        phone="+442071838750",
        address_line1="1 St James's Square",
        city="London",
        state="London",
        zip_code="SW1Y 4JH",
        country="GB",
    ),
    "add_note": lambda core, i: core.notes.add(i, author_id=1, text="prefers e-mail"),
    "recalculate": lambda core, i: core.ltv.recalculate(i),
    "recalculate_many": lambda core, i: core.ltv.recalculate_many([i]),
    "recalculate_all": lambda core, _: core.ltv.recalculate_all(batch_size=1),
}


def _state(core: CustomerCore[InMemoryOrderLedger]) -> object:
    """Everything stored, without ids (a rolled-back attempt uses up ids, as sequences do)."""
    page = core.customers.search(per_page=100)
    return [
        (
            attrs.evolve(item.customer, id=0),
            [attrs.evolve(a, id=0, customer_id=0) for a in core.addresses.list(item.customer.id)],
            [attrs.evolve(n, id=0, customer_id=0) for n in core.notes.list(item.customer.id)],
        )
        for item in page.items
    ]


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_runs_again_after_a_conflict(
    parts: tuple[CustomerCore[InMemoryOrderLedger], ConflictingStorage], name: str
) -> None:
    """Three lost locks in a row, then success: the call succeeds, done once."""
    core, storage = parts
    ada_id = _customer(core)
    control = CustomerCore.in_memory(clock=FrozenClock(), password_hasher=CHEAP)
    control_id = _customer(control)
    WRITES[name](control, control_id)
    storage.conflicts = 3
    WRITES[name](core, ada_id)
    assert storage.conflicts == 0
    assert _state(core) == _state(control)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_that_keeps_losing_raises_and_changes_nothing(
    parts: tuple[CustomerCore[InMemoryOrderLedger], ConflictingStorage], name: str
) -> None:
    """Four lost locks: StorageConflict, after four attempts, and nothing changed."""
    core, storage = parts
    ada_id = _customer(core)
    before = _state(core)
    writes = storage.writes
    storage.conflicts = 4
    with pytest.raises(StorageConflict):
        WRITES[name](core, ada_id)
    assert storage.writes - writes == 4
    assert _state(core) == before


def test_recalculate_all_retries_each_batch(
    parts: tuple[CustomerCore[InMemoryOrderLedger], ConflictingStorage],
) -> None:
    """A batch that loses a lock runs again; the batches before it stay done."""
    core, storage = parts
    ids = [
        core.customers.register(name=f"C{n}", email=f"c{n}@example.com", password="x" * 12).id
        for n in range(3)
    ]
    for order_id, customer_id in enumerate(ids, start=1):
        core.orders.record(
            order_id=order_id, customer_id=customer_id, total_amount="5", status="delivered"
        )
    storage.conflicts = 2
    assert core.ltv.recalculate_all(batch_size=2) == 3
    assert {core.customers.get(i).lifetime_value for i in ids} == {Decimal("5.00")}


def test_reads_are_read_only_transactions(
    parts: tuple[CustomerCore[InMemoryOrderLedger], ConflictingStorage],
) -> None:
    """get, find_by_email, search and the listings open read-only transactions."""
    core, storage = parts
    ada_id = _customer(core)
    writes = storage.writes
    core.customers.get(ada_id)
    core.customers.find_by_email("ada@example.com")
    core.customers.search("ada")
    core.addresses.list(ada_id)
    core.notes.list(ada_id)
    assert storage.writes == writes
    assert storage.reads == 5


def test_the_pauses_grow_and_are_jittered() -> None:
    """Full jitter: each pause is drawn from 0 to a cap that doubles up to ``max_delay``."""
    policy = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)
    for failed in range(1, 6):
        cap = min(0.05, 0.01 * 2**failed)
        assert all(0 <= policy.pause(failed) <= cap for _ in range(50))
    assert len({policy.pause(3) for _ in range(20)}) > 1


def test_context_sleeps_between_attempts() -> None:
    """Context.write sleeps attempts - 1 times at most, and never after the last attempt."""
    pauses: list[float] = []
    memory = CustomerCore.in_memory(password_hasher=CHEAP)
    storage = ConflictingStorage(memory.storage)
    context = Context(
        storage, FrozenClock(), CHEAP, None, RetryPolicy(attempts=3, sleep=pauses.append)
    )
    storage.conflicts = 5
    with pytest.raises(StorageConflict):
        context.write(lambda tx: tx.customers.count())
    assert len(pauses) == 2
    storage.conflicts = 1
    assert context.write(lambda tx: tx.customers.count()) == 0
    assert len(pauses) == 3
