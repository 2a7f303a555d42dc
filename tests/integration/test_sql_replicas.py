"""Read replicas on real PostgreSQL streaming replication: where each call runs, and outages.

A primary and a hot standby (``pg_basebackup -R``) run for the session. Every
entry of the routing table (docs/explanation.md, "Read replicas") has a case
here: the statements each engine runs during the call are counted, so a call
routed to the primary that touched the replica, or the other way round, fails.
The standby's replay is paused where a test needs a replica that surely lags.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import SQLAlchemyStorage, engine_from_url
from customer_core.adapters.sqlalchemy._replicas import DOWN_FOR, Replicas
from customer_core.errors import (
    CustomerBlocked,
    CustomerNotFound,
    InvalidCredentials,
    ValidationError,
)
from customer_core.events import OrderPlaced
from customer_core.testing import FrozenClock
from customer_core.testing.contract._support import ADDRESS, PASSWORD
from customer_core.testing.sql import HostTables, SQLOrderRecorder
from replication import (
    StatementCounter,
    paused_replay,
    primary_engine,
    replicated_database,
    wait_until_streaming,
)
from servers import Server
from sql_fixtures import replicated_pair

pytestmark = [pytest.mark.postgres, pytest.mark.sql, pytest.mark.timeout(120)]

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
EXPLANATION = Path(__file__).parents[2] / "docs" / "explanation.md"

Call = Callable[[CustomerCore, dict[str, int]], object]


def _event(core: CustomerCore, ids: dict[str, int]) -> OrderPlaced:
    return OrderPlaced(customer_id=ids["ada"], order_id=1)


ON_REPLICA: dict[str, Call] = {
    "customers.get": lambda c, ids: c.customers.get(ids["ada"]),
    "customers.find_by_email": lambda c, ids: c.customers.find_by_email("ada@example.com"),
    "customers.search": lambda c, ids: c.customers.search("ada"),
    "customers.scroll": lambda c, ids: c.customers.scroll("ada"),
    "addresses.get": lambda c, ids: c.addresses.get(ids["ship"]),
    "addresses.list": lambda c, ids: c.addresses.list(ids["ada"]),
    "addresses.default": lambda c, ids: c.addresses.default(ids["ada"], "shipping"),
    "notes.list": lambda c, ids: c.notes.list(ids["ada"]),
}

ON_PRIMARY: dict[str, Call] = {
    "customers.register": lambda c, ids: c.customers.register(
        name="Bob", email="bob@example.com", password=PASSWORD
    ),
    "customers.update": lambda c, ids: c.customers.update(ids["ada"], name="Ada L."),
    "customers.change_email": lambda c, ids: c.customers.change_email(ids["ada"], "a@example.org"),
    "customers.change_password": lambda c, ids: c.customers.change_password(
        ids["ada"], "another good password"
    ),
    "customers.authenticate": lambda c, ids: c.customers.authenticate("ada@example.com", PASSWORD),
    "customers.block": lambda c, ids: c.customers.block(ids["ada"]),
    "customers.unblock": lambda c, ids: c.customers.unblock(ids["ada"]),
    "customers.delete": lambda c, ids: c.customers.delete(ids["ada"]),
    "customers.import_many": lambda c, ids: c.customers.import_many(
        [{"name": "N", "email": "n@example.com", "password_hash": "$2y$04$" + "." * 53}]
    ),
    "addresses.add": lambda c, ids: c.addresses.add(ids["ada"], **ADDRESS),
    "addresses.update": lambda c, ids: c.addresses.update(ids["ship"], city="Leeds"),
    "addresses.set_default": lambda c, ids: c.addresses.set_default(ids["ship"]),
    "addresses.remove": lambda c, ids: c.addresses.remove(ids["ship"]),
    "notes.add": lambda c, ids: c.notes.add(ids["ada"], author_id=1, text="hi"),
    "notes.edit": lambda c, ids: c.notes.edit(ids["note"], "edited"),
    "notes.remove": lambda c, ids: c.notes.remove(ids["note"]),
    "ltv.recalculate": lambda c, ids: c.ltv.recalculate(ids["ada"]),
    "ltv.recalculate_many": lambda c, ids: c.ltv.recalculate_many([ids["ada"]]),
    "ltv.recalculate_all": lambda c, ids: c.ltv.recalculate_all(),
    "handle": lambda c, ids: c.handle(_event(c, ids)),
    "handle_many": lambda c, ids: c.handle_many([_event(c, ids)]),
    "create_schema": lambda c, ids: c.create_schema(),
}


def _through_primary(call: Call) -> Call:
    return lambda core, ids: call(core.on_primary(), ids)


# Every read of the first table, through on_primary(): read-your-writes.
ON_PRIMARY.update({f"on_primary().{name}": _through_primary(c) for name, c in ON_REPLICA.items()})


class Replicated:
    """Engines on the session's primary and standby, the host's tables, a statement counter."""

    def __init__(self, url: str, replica_url: str) -> None:
        # Commits wait until the standby applied them, so a replica read sees every write.
        self.primary = primary_engine(url, synchronous_commit="remote_apply")
        # Commits do not wait: for the tests that pause or stop the standby.
        self.primary_no_wait = primary_engine(url, synchronous_commit="local")
        self.replica = engine_from_url(replica_url)
        self.host = HostTables.define()
        self.host.create(self.primary, user_ids=[1])
        SQLAlchemyStorage(self.primary).create_schema()
        self.counter = StatementCounter(
            primary=self.primary, primary_no_wait=self.primary_no_wait, replica=self.replica
        )

    def core(self, *, wait: bool = True) -> CustomerCore:
        """A core on the emptied database with the standby as replica.

        ``wait``: its commits return once the standby applied them.
        """
        primary = self.primary if wait else self.primary_no_wait
        with self.primary.begin() as connection:
            tables = f"customer_notes, addresses, customers, {self.host.orders.name}"
            connection.exec_driver_sql(f"truncate {tables} restart identity")
        return CustomerCore.from_engine(
            primary,
            orders=self.host.orders_spec,
            clock=FrozenClock(),
            password_hasher=CHEAP_HASHER,
            replicas=[self.replica],
        )

    def dispose(self) -> None:
        self.counter.remove()
        for engine in (self.primary, self.primary_no_wait, self.replica):
            engine.dispose()


@pytest.fixture(scope="module")
def replicated(postgres_pair: tuple[Server, Server]) -> Iterator[Replicated]:
    """One database replicated from the session's primary to its standby."""
    setup = Replicated(*replicated_database(*postgres_pair))
    yield setup
    setup.dispose()


def _populate(core: CustomerCore, host: HostTables, engine: sa.Engine) -> dict[str, int]:
    ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    ship = core.addresses.add(ada.id, **ADDRESS)
    note = core.notes.add(ada.id, author_id=1, text="hello")
    SQLOrderRecorder(engine, host).record(
        order_id=1, customer_id=ada.id, total_amount=Decimal("9.50")
    )
    return {"ada": ada.id, "ship": ship.id, "note": note.id}


def _primary_and_replica(counter: StatementCounter) -> tuple[int, int]:
    counts = counter.counts
    return counts["primary"] + counts["primary_no_wait"], counts["replica"]


@pytest.mark.parametrize("name", sorted(ON_REPLICA))
def test_reads_that_tolerate_lag_run_on_the_replica(replicated: Replicated, name: str) -> None:
    """Each read the routing table sends to a replica runs there only, not on the primary."""
    core = replicated.core()
    ids = _populate(core, replicated.host, replicated.primary)
    replicated.counter.reset()
    ON_REPLICA[name](core, ids)
    on_primary, on_replica = _primary_and_replica(replicated.counter)
    assert (on_primary, on_replica > 0) == (0, True)


@pytest.mark.parametrize("name", sorted(ON_PRIMARY))
def test_calls_routed_to_the_primary_never_touch_the_replica(
    replicated: Replicated, name: str
) -> None:
    """Each call the routing table sends to the primary runs there, none of it on the replica."""
    core = replicated.core()
    ids = _populate(core, replicated.host, replicated.primary)
    replicated.counter.reset()
    ON_PRIMARY[name](core, ids)
    on_primary, on_replica = _primary_and_replica(replicated.counter)
    assert (on_primary > 0, on_replica) == (True, 0)


def test_the_replica_is_the_standby_and_the_primary_is_not(replicated: Replicated) -> None:
    """``read_only`` with ``may_lag`` lands on a server in recovery; no other transaction does."""
    storage = replicated.core().storage
    probe = "select pg_is_in_recovery()"
    seen = {}
    for read_only, may_lag in [(True, True), (True, False), (False, True), (False, False)]:
        with storage.transaction(read_only=read_only, may_lag=may_lag) as tx:
            seen[read_only, may_lag] = tx.connection.exec_driver_sql(probe).scalar()  # type: ignore[attr-defined]
    assert seen == {
        (True, True): True,
        (True, False): False,
        (False, True): False,
        (False, False): False,
    }


def test_read_your_writes_on_the_primary_while_the_replica_lags(
    replicated: Replicated, postgres_pair: tuple[Server, Server]
) -> None:
    """With the standby's replay paused, plain reads miss a new customer, on_primary() finds it,
    and authenticate follows a new password and a block at once."""
    core = replicated.core(wait=False)
    replica_url = replicated.replica.url.render_as_string(hide_password=False)
    with paused_replay(replica_url):
        ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        with pytest.raises(CustomerNotFound):
            core.customers.get(ada.id)
        assert core.on_primary().customers.get(ada.id) == ada
        assert core.on_primary().customers.search("ada").total == 1
        core.customers.change_password(ada.id, "a brand new password")
        assert core.customers.authenticate("ada@example.com", "a brand new password").id == ada.id
        with pytest.raises(InvalidCredentials):
            core.customers.authenticate("ada@example.com", PASSWORD)
        core.customers.block(ada.id)
        with pytest.raises(CustomerBlocked):
            core.customers.authenticate("ada@example.com", "a brand new password")
    wait_until_streaming(replicated.primary.url.render_as_string(hide_password=False))


@pytest.fixture
def own_pair() -> Iterator[tuple[Server, Server]]:
    """A primary and standby of this test's own: it stops the standby."""
    yield from replicated_pair()


def test_a_stopped_standby_costs_one_warning_and_no_failed_read(
    own_pair: tuple[Server, Server], caplog: pytest.LogCaptureFixture
) -> None:
    """Stop the standby between reads: every read still answers (from the primary), one warning."""
    primary_server, standby_server = own_pair
    setup = Replicated(*replicated_database(primary_server, standby_server))
    try:
        core = setup.core()
        ids = _populate(core, setup.host, setup.primary)
        assert core.customers.get(ids["ada"]).name == "Ada"
        assert setup.counter.counts["replica"] > 0
        standby_server.halt()
        setup.counter.reset()
        with caplog.at_level(logging.WARNING, logger="customer_core.replicas"):
            answers = [core.customers.get(ids["ada"]).name for _ in range(20)]
            found = core.customers.search("ada").total
        assert (answers, found) == (["Ada"] * 20, 1)
        warnings = [r for r in caplog.records if r.name == "customer_core.replicas"]
        assert len(warnings) == 1
        assert "unavailable" in warnings[0].getMessage()
        assert setup.counter.counts["replica"] == 0
    finally:
        setup.dispose()


def test_a_replica_that_was_down_is_tried_again_after_a_while() -> None:
    """A failed replica is skipped for DOWN_FOR seconds, then offered again; the others in turn."""
    now = [0.0]
    engines = [sa.create_engine("sqlite://"), sa.create_engine("sqlite://")]
    replicas = Replicas(engines, clock=lambda: now[0])
    assert sorted(replicas.candidates()) == [0, 1]
    replicas.down(0, RuntimeError("gone"))
    assert list(replicas.candidates()) == [1]
    now[0] += DOWN_FOR
    assert sorted(replicas.candidates()) == [0, 1]
    firsts = {next(replicas.candidates()) for _ in range(4)}
    assert firsts == {0, 1}


def test_the_warning_shows_no_password(caplog: pytest.LogCaptureFixture) -> None:
    """A replica's warning names its URL with the password masked, and the error by class."""
    engine = sa.create_engine("postgresql+psycopg://app:s3cret-pw@replica-host/shop")
    with caplog.at_level(logging.WARNING, logger="customer_core.replicas"):
        Replicas([engine]).down(0, RuntimeError("password=s3cret-pw in a driver message"))
    (message,) = [record.getMessage() for record in caplog.records]
    assert "s3cret-pw" not in message
    assert "replica-host" in message
    assert "RuntimeError" in message


@pytest.mark.parametrize(
    "replicas",
    [
        "postgresql://u@/db",
        [123],
        [sa.create_engine("sqlite://")],
    ],
    ids=["a string", "not an engine", "another dialect"],
)
def test_replicas_must_be_engines_of_the_primary_dialect(
    replicated: Replicated, replicas: object
) -> None:
    """A string, a non-engine or another dialect's engine: a ValidationError on ``replicas``."""
    with pytest.raises(ValidationError) as caught:
        SQLAlchemyStorage(replicated.primary, replicas=replicas)  # type: ignore[arg-type]
    assert list(caught.value.errors) == ["replicas"]


@pytest.mark.parametrize("replicas", ["postgresql://u@/db", [123]])
def test_from_url_wants_a_list_of_urls(replicas: object) -> None:
    """``from_url(replicas=...)`` refuses a bare string or a non-URL, naming the field."""
    with pytest.raises(ValidationError) as caught:
        CustomerCore.from_url("sqlite://", replicas=replicas)  # type: ignore[arg-type]
    assert list(caught.value.errors) == ["replicas"]


def test_the_routing_table_and_these_tests_name_the_same_calls() -> None:
    """docs/explanation.md's routing table lists exactly the calls tested above, on each side."""
    text = EXPLANATION.read_text()
    table = text[text.index("<!-- routing-table -->") : text.index("<!-- /routing-table -->")]
    documented: dict[str, set[str]] = {"replica": set(), "primary": set()}
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[1] in documented:
            documented[cells[1]].update(re.findall(r"`([^`]+)`", cells[0]))
    tested_primary = {name for name in ON_PRIMARY if not name.startswith("on_primary().")}
    assert documented == {"replica": set(ON_REPLICA), "primary": tested_primary | {"on_primary()"}}
