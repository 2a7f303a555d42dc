"""A real server killed (``kill -9``) and restarted under threads of calls (issue 16.1).

Only library errors reach the callers, the pool has its full capacity afterwards
(nothing left checked out), and calls succeed again as soon as the server is back.
Each test starts a server of its own (the session's is shared by other tests).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from host_shop import CHEAP

from customer_core import CustomerCore, InvalidCredentials
from customer_core.errors import CustomerCoreError
from servers import Server, ServerUnavailable, start_mariadb, start_postgres
from sql_fixtures import BACKEND_PARAMS

THREADS = 12
DOWN_SECONDS = 1.5
KILLS = 2


@pytest.fixture
def own_server(backend: str) -> Iterator[Server]:
    """A server of this test's own, which it may kill."""
    if os.environ.get(f"CUSTOMER_CORE_{backend.upper()}_URL"):
        pytest.skip("an external server is not killed by the tests")
    try:
        server = start_postgres() if backend == "postgres" else start_mariadb()
    except ServerUnavailable as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and a database server is unavailable: {error}")
        pytest.skip(str(error))
    yield server
    server.stop()


class Load:
    """Threads calling authenticate / search / register until stopped; what escaped them."""

    def __init__(self, core: CustomerCore[object]) -> None:
        self.core = core
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.foreign: list[BaseException] = []  # anything that is not a library error
        self.library_errors = 0
        self.calls: list[tuple[float, float, bool]] = []  # (start, end, succeeded)
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(THREADS)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _run(self, index: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            start = time.monotonic()
            ok = False
            try:
                self._call(index, n)
                ok = True
            except CustomerCoreError:
                with self.lock:
                    self.library_errors += 1
                time.sleep(0.02)  # a real client backs off a little
            except BaseException as error:  # the test's assertion: none may escape
                with self.lock:
                    self.foreign.append(error)
            with self.lock:
                self.calls.append((start, time.monotonic(), ok))

    def _call(self, index: int, n: int) -> None:
        kind = n % 3
        if kind == 0:
            self.core.customers.register(
                name="Load", email=f"t{index}-{n}@example.com", password="load password"
            )
        elif kind == 1:
            try:
                self.core.customers.authenticate("ada@example.com", "correct horse")
            except InvalidCredentials:
                raise AssertionError("the seeded customer must authenticate") from None
        else:
            self.core.customers.search("ada", per_page=5)


def _first_success_after(core: CustomerCore[object], deadline: float) -> float:
    """Seconds until a call succeeds (the server is up); fails the test past ``deadline``."""
    started = time.monotonic()
    while True:
        try:
            core.customers.search(per_page=1)
            return time.monotonic() - started
        except CustomerCoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@pytest.mark.parametrize(
    "backend", [p for p in BACKEND_PARAMS if p.id in ("postgres", "mariadb")], indirect=True
)
def test_kill_and_restart_under_load(own_server: Server, backend: str) -> None:
    """Two ``kill -9`` and restarts under 12 threads: only library errors, no leaked pool
    slot, and every call that starts once the server serves again succeeds."""
    url = own_server.create_database("faults")
    core = CustomerCore.from_url(url, password_hasher=CHEAP, pool_size=THREADS, max_overflow=4)
    engine = core.storage.engine  # type: ignore[attr-defined]
    core.create_schema()
    core.customers.register(name="Ada", email="ada@example.com", password="correct horse")
    back_at: list[float] = []
    try:
        with Load(core) as load:
            for _ in range(KILLS):
                time.sleep(1.0)
                own_server.kill()
                time.sleep(DOWN_SECONDS)
                own_server.start_again()
                waited = _first_success_after(core, time.monotonic() + 10)
                back_at.append(time.monotonic())
                assert waited < 5, f"calls failed for {waited:.1f} s after the server was back"
            time.sleep(1.0)
        assert not load.foreign, [repr(e) for e in load.foreign[:5]]
        assert load.library_errors > 0  # the kills were felt
        assert engine.pool.checkedout() == 0
        # Calls started after the last recovery all succeeded (small grace for in-flight ones).
        late = [ok for start, _, ok in load.calls if start > back_at[-1] + 0.5]
        assert late
        assert all(late), f"{late.count(False)} of {len(late)} late calls failed"
        # The pool still serves its full size at once.
        connections = [engine.connect() for _ in range(THREADS)]
        for connection in connections:
            connection.close()
        assert engine.pool.checkedout() == 0
    finally:
        engine.dispose()
