"""The asyncio front on the in-memory core: shape, hashing off the loop, no lock across a yield."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from customer_core import Argon2Hasher, CustomerCore, InvalidCredentials, ValidationError
from customer_core.services import (
    AddressBook,
    CustomerAnalytics,
    CustomerNotes,
    CustomerRegistry,
    LifetimeValue,
    Timeline,
)

pytest.importorskip("greenlet")
pytest.importorskip("sqlalchemy")

from aio_front import LoopRunner
from customer_core.aio import (
    AsyncAddressBook,
    AsyncCustomerAnalytics,
    AsyncCustomerCore,
    AsyncCustomerNotes,
    AsyncCustomerRegistry,
    AsyncLifetimeValue,
    AsyncTimeline,
)
from customer_core.aio._bridge import ITERATOR_METHODS
from customer_core.aio._hash_pool import HASH_THREAD_NICENESS

pytestmark = pytest.mark.memory

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
FACES = [
    (CustomerRegistry, AsyncCustomerRegistry),
    (AddressBook, AsyncAddressBook),
    (CustomerNotes, AsyncCustomerNotes),
    (LifetimeValue, AsyncLifetimeValue),
    (Timeline, AsyncTimeline),
    (CustomerAnalytics, AsyncCustomerAnalytics),
]


class ThreadRecordingHasher:
    """CHEAP, noting the thread each hash and verification ran on."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def hash(self, password: str) -> str:
        self.threads.append(threading.get_ident())
        return CHEAP.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.threads.append(threading.get_ident())
        return CHEAP.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return CHEAP.needs_rehash(password_hash)


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(value)
        for name, value in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(value)
    }


@pytest.mark.parametrize(("service", "face"), FACES, ids=lambda c: c.__name__)
def test_each_typed_face_has_the_services_methods_and_signatures(service: type, face: type) -> None:
    """The Protocols mypy checks hosts against say exactly what the proxied services take."""
    sync, typed = public_methods(service), public_methods(face)
    assert sorted(typed) == sorted(sync)
    for name, signature in sync.items():
        # Annotations are strings here; the Protocols spell the list type builtins.list.
        expected = str(signature).replace("builtins.", "")
        if name in ITERATOR_METHODS:
            # An iterator of the sync service is an async iterator of the front.
            expected = expected.replace("'Iterator[", "'AsyncIterator[")
        assert str(typed[name]).replace("builtins.", "") == expected, name
        is_coroutine = inspect.iscoroutinefunction(getattr(face, name))
        assert is_coroutine is (name not in ITERATOR_METHODS), name


def test_every_method_is_a_coroutine_with_the_same_results_and_errors() -> None:
    async def main() -> None:
        async with AsyncCustomerCore.in_memory(password_hasher=CHEAP) as core:
            call = core.customers.register(name="Ada", email="Ada@Example.com", password="p" * 12)
            assert inspect.iscoroutine(call)
            ada = await call
            assert (await core.customers.get(ada.id)) == ada
            with pytest.raises(InvalidCredentials):
                await core.customers.authenticate("ada@example.com", "wrong password")

    asyncio.run(main())


def test_hashing_and_verification_never_run_on_the_loop_thread() -> None:
    hasher = ThreadRecordingHasher()

    async def main() -> int:
        async with AsyncCustomerCore.in_memory(password_hasher=hasher) as core:
            await core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
            await core.customers.authenticate("ada@example.com", "p" * 12)
            with pytest.raises(InvalidCredentials):
                await core.customers.authenticate("nobody@example.com", "p" * 12)
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert len(hasher.threads) == 4  # register, verify, the timing hash, its verify
    assert loop_thread not in hasher.threads


def test_a_hosts_executor_does_the_hashing_and_stays_open() -> None:
    hasher = ThreadRecordingHasher()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="host-pool")
    pool_threads: list[int] = []

    async def main() -> None:
        core = AsyncCustomerCore.in_memory(password_hasher=hasher, executor=executor)
        async with core:
            await core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
        pool_threads.append(executor.submit(threading.get_ident).result())

    asyncio.run(main())
    assert hasher.threads == pool_threads  # ran on the host's one thread, still usable after
    executor.shutdown()


def test_executor_and_a_worker_limit_are_exclusive_and_the_limit_positive() -> None:
    with ThreadPoolExecutor(1) as executor, pytest.raises(TypeError):
        AsyncCustomerCore.in_memory(executor=executor, max_hash_workers=2)
    with pytest.raises(ValueError, match="max_hash_workers"):
        AsyncCustomerCore.in_memory(max_hash_workers=0)


def test_concurrent_first_log_ins_of_unknown_emails_do_not_stop_the_loop() -> None:
    """The first unknown-email log-ins hash the timing hash at once: no thread lock is held
    across that (yielding) hash, or the second log-in would block the loop's thread for good."""
    runner = LoopRunner()

    async def main() -> list[BaseException | object]:
        core = AsyncCustomerCore.in_memory(password_hasher=CHEAP)
        calls = [core.customers.authenticate(f"n{i}@example.com", "p" * 12) for i in range(4)]
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        results = runner.run(main(), timeout=30)
    finally:
        runner.close()
    assert all(isinstance(result, InvalidCredentials) for result in results)


def test_handle_and_create_schema_are_coroutines() -> None:
    from customer_core.events import OrderPlaced

    async def main() -> None:
        async with AsyncCustomerCore.in_memory(password_hasher=CHEAP) as core:
            await core.create_schema()
            ada = await core.customers.register(
                name="Ada", email="a@example.com", password="p" * 12
            )
            core.orders.record(order_id=1, customer_id=ada.id, total_amount="5", status="delivered")
            event = OrderPlaced(order_id=1, customer_id=ada.id)
            assert (await core.handle(event)) is not None
            assert await core.handle_many([event, event]) == 1
            assert (await core.customers.get(ada.id)).total_orders == 1

    asyncio.run(main())


def test_the_repr_shows_no_secret() -> None:
    core = AsyncCustomerCore.in_memory(password_hasher=CHEAP)
    assert "AsyncCustomerCore(" in repr(core)
    assert "AsyncService(" in repr(core.customers)


def test_a_retry_pause_inside_the_bridge_lets_the_loop_run() -> None:
    """The pause between attempts of a write that lost a lock is awaited, not slept:
    a task due during the pause runs before the pausing call ends."""
    from customer_core.aio._bridge import loop_friendly_sleep, run_sync

    order: list[str] = []

    async def pausing() -> None:
        await run_sync(loop_friendly_sleep, 0.2)
        order.append("pause over")

    async def other() -> None:
        await asyncio.sleep(0.01)
        order.append("other ran")

    async def main() -> None:
        await asyncio.gather(pausing(), other())

    asyncio.run(main())
    assert order == ["other ran", "pause over"]


class PriorityRecordingHasher(ThreadRecordingHasher):
    """CHEAP, noting the nice value of the thread each hash and verification ran on."""

    def __init__(self) -> None:
        super().__init__()
        self.niceness: list[int] = []

    def hash(self, password: str) -> str:
        self.niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return super().hash(password)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_cores_own_hashing_threads_yield_the_cpu_to_the_loop_a_hosts_do_not() -> None:
    own, hosts = PriorityRecordingHasher(), PriorityRecordingHasher()
    executor = ThreadPoolExecutor(max_workers=1)

    async def main() -> int:
        async with AsyncCustomerCore.in_memory(password_hasher=own) as core:
            await core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
        async with AsyncCustomerCore.in_memory(password_hasher=hosts, executor=executor) as core:
            await core.customers.register(name="Bob", email="bob@example.com", password="p" * 12)
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    loop_niceness = asyncio.run(main())
    executor.shutdown()
    assert own.niceness == [min(19, loop_niceness + HASH_THREAD_NICENESS)]
    assert hosts.niceness == [loop_niceness]


def test_the_async_factories_take_a_cursor_secret() -> None:
    """Two async cores with the same cursor_secret read each other's cursors; without one,
    each signs with a random key of its own (never a public constant)."""

    async def main() -> None:
        cores = [
            AsyncCustomerCore.in_memory(password_hasher=CHEAP, cursor_secret=secret)
            for secret in ("s3cret", b"s3cret", None)
        ]
        try:
            made, same, other = cores
            for n in range(3):
                await made.customers.register(
                    name=f"C {n}", email=f"c{n}@x.io", password="pw-123456"
                )
                await same.customers.register(
                    name=f"C {n}", email=f"c{n}@x.io", password="pw-123456"
                )
                await other.customers.register(
                    name=f"C {n}", email=f"c{n}@x.io", password="pw-123456"
                )
            cursor = (await made.customers.scroll(limit=2)).next
            assert len((await same.customers.scroll(limit=2, after=cursor)).items) == 1
            assert len((await made.acting_as(7).customers.scroll(after=cursor)).items) == 1
            with pytest.raises(ValidationError):
                await other.customers.scroll(limit=2, after=cursor)
        finally:
            for core in cores:
                await core.aclose()

    asyncio.run(main())


@pytest.mark.parametrize("factory", ["in_memory", "from_url", "from_engine"])
def test_the_async_factories_take_the_sync_ones_keywords_with_the_same_defaults(
    factory: str,
) -> None:
    """Each factory is written out for its users (IDE completion, help()); this keeps the two
    lists in step: the sync keywords with their defaults, plus the hashing pool's two."""
    sync = inspect.signature(getattr(CustomerCore, factory)).parameters
    front = inspect.signature(getattr(AsyncCustomerCore, factory)).parameters
    assert set(front) - set(sync) == {"executor", "max_hash_workers"}
    assert set(sync) <= set(front)
    for name, parameter in sync.items():
        assert front[name].kind == parameter.kind, name
        assert front[name].default == parameter.default, name
        if name not in ("engine", "replicas"):  # an AsyncEngine where the sync core's is sync
            assert front[name].annotation == parameter.annotation, name
