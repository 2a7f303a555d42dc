"""The timeline's INSERTs on SQL (PostgreSQL's take shortcuts: driver SQL for one event,
one JSON document for many, the ids the import's INSERT returned).

On every SQL storage: a failed event INSERT leaves nothing of the transaction written
and raises a library error, and the connection serves the next call; the bulk paths
store what the single one stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from host_shop import open_shop

from customer_core import CustomerCore, EventType
from customer_core.errors import CustomerCoreError
from customer_core.timeline import NewEvent
from sql_fixtures import BACKEND_PARAMS

pytestmark = pytest.mark.parametrize("backend", BACKEND_PARAMS, indirect=True)

WHEN = datetime(2030, 1, 1, tzinfo=UTC)  # after the frozen clock's registration


@pytest.fixture
def shop(fresh_database_url: str) -> Iterator[tuple[CustomerCore, sa.Engine, int]]:
    """A core (pool of one: the failed transaction's connection serves the next) and Ada."""
    with open_shop(fresh_database_url, pool_size=1) as (core, _, engine, _):
        ada = core.customers.register(name="Ada", email="ada@x.io", password="p" * 12)
        yield core, engine, ada.id


def _names_and_events(engine: sa.Engine, customer_id: int) -> tuple[str, int]:
    with engine.connect() as connection:
        name = connection.execute(
            sa.text("select name from customers where id = :i"), {"i": customer_id}
        ).scalar_one()
        events = connection.execute(sa.text("select count(*) from customer_events")).scalar_one()
    return name, int(events)


def test_a_failed_event_insert_rolls_the_whole_transaction_back(
    shop: tuple[CustomerCore, sa.Engine, int],
) -> None:
    """The change and the good event are gone, a library error is raised, the next call works."""
    core, engine, ada_id = shop
    before = _names_and_events(engine, ada_id)
    storage = core.storage

    def change_then_fail() -> None:
        with storage.transaction() as tx:
            tx.connection.execute(  # type: ignore[attr-defined]
                sa.text("update customers set name = 'Changed' where id = :i"), {"i": ada_id}
            )
            tx.events.append(NewEvent(ada_id, EventType.PROFILE_UPDATED, None, {}, WHEN))
            # customer_id is NOT NULL: the database refuses the row.
            tx.events.append(NewEvent(None, EventType.PROFILE_UPDATED, None, {}, WHEN))  # type: ignore[arg-type]

    with pytest.raises(CustomerCoreError) as raised:
        change_then_fail()
    assert not isinstance(raised.value.__cause__, sa.exc.SQLAlchemyError)
    assert _names_and_events(engine, ada_id) == before
    renamed = core.customers.update(ada_id, name="Ada L")
    assert renamed.name == "Ada L"
    assert _names_and_events(engine, ada_id) == ("Ada L", before[1] + 1)


def test_imported_events_take_the_ids_the_insert_returned(
    shop: tuple[CustomerCore, sa.Engine, int],
) -> None:
    """Each imported customer has its one ``imported`` event; on PostgreSQL the events'
    INSERT takes the ids the customers' INSERT returned, on SQLite the rows after the last id
    before the batch, without reading them back by e-mail."""
    core, engine, _ = shop
    hash_ = "$2y$04$mgApMypM3qyyQMjMLA9mD.0/A43ysUUOQM.TfbCnfg.gt7UEv1pk."
    records = [{"name": f"C{i}", "email": f"c{i}@x.io", "password_hash": hash_} for i in range(7)]
    sent: list[str] = []

    def statement(connection: object, cursor: object, text: str, *args: object) -> None:
        sent.append(" ".join(text.lower().split()))

    sa.event.listen(engine, "before_cursor_execute", statement)
    try:
        core.customers.import_many(records)
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
    with engine.connect() as connection:
        pairs = connection.execute(
            sa.text(
                "select c.email, count(e.id) from customers c left join customer_events e"
                " on e.customer_id = c.id and e.type = 'imported' group by c.email"
            )
        ).all()
    assert sorted(pairs) == sorted([(r["email"], 1) for r in records] + [("ada@x.io", 0)])
    (events,) = [s for s in sent if s.startswith("insert into customer_events")]
    if engine.dialect.name == "postgresql":
        assert "email" not in events, events
        assert "unnest" in events, events
    if engine.dialect.name == "sqlite":
        # The rows after the highest id before the batch (Ada's): the primary key only.
        assert "email" not in events, events
        assert "customers.id > ?" in events, events


def test_events_appended_together_keep_every_value(
    shop: tuple[CustomerCore, sa.Engine, int],
) -> None:
    """``append_many`` (one JSON document on PostgreSQL) stores what ``append`` stores:
    types, actors, odd data and the times, in the given order."""
    core, engine, ada_id = shop
    data: list[dict[str, object]] = [
        {"old": {"total_orders": 0, "lifetime_value": "0.00"}, "new": {"lifetime_value": "10.50"}},
        {"fields": ["name", "phone"], "email": "Äda ünïcode \\\" ' 😀"},
        {},
        {"none": None, "number": 2**53, "list": [1, "two", None]},
    ]
    events = [
        NewEvent(ada_id, EventType.LIFETIME_VALUE_CHANGED, None, data[0], WHEN),
        NewEvent(ada_id, EventType.PROFILE_UPDATED, 7, data[1], WHEN.replace(second=1)),
        NewEvent(ada_id, EventType.BLOCKED, 2**62, data[2], WHEN.replace(second=2)),
        NewEvent(ada_id, EventType.UNBLOCKED, None, data[3], WHEN.replace(second=3)),
    ]
    sent: list[str] = []

    def statement(connection: object, cursor: object, text: str, *args: object) -> None:
        sent.append(" ".join(text.lower().split()))

    sa.event.listen(engine, "before_cursor_execute", statement)
    try:
        with core.storage.transaction() as tx:
            tx.events.append_many(events)
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
    (insert,) = [s for s in sent if s.startswith("insert into customer_events")]
    if engine.dialect.name == "postgresql":  # one document, not an executemany of four rows
        assert "jsonb_array_elements" in insert, insert
    with core.storage.transaction(read_only=True) as tx:
        stored, _ = tx.events.list(ada_id, None, 0, 10)
    got = [(e.type, e.actor_id, e.data, e.occurred_at) for e in reversed(stored[:4])]
    assert got == [(e.type, e.actor_id, e.data, e.occurred_at) for e in events]
    assert [e.id for e in stored[:4]] == sorted((e.id for e in stored[:4]), reverse=True)


def _statements_of(engine: sa.Engine, call: Callable[[], object]) -> list[str]:
    sent: list[str] = []

    def statement(connection: object, cursor: object, text: str, *args: object) -> None:
        sent.append(" ".join(text.lower().split()))

    sa.event.listen(engine, "before_cursor_execute", statement)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
    return sent


def test_recalculate_all_reads_the_totals_with_its_batch_and_its_update(
    shop: tuple[CustomerCore, sa.Engine, int],
) -> None:
    """Where UPDATE … RETURNING exists (PostgreSQL, SQLite), a batch's events take the
    totals before from its (locking) SELECT and those after from its UPDATE's RETURNING:
    no read of the totals of its own, and the events are right."""
    core, engine, ada_id = shop
    if not engine.dialect.update_returning:
        pytest.skip("MySQL/MariaDB have no UPDATE … RETURNING")
    sent = _statements_of(engine, core.ltv.recalculate_all)
    batches = [s for s in sent if s.startswith("select") and "order by customers.id" in s]
    assert batches, sent
    if engine.dialect.name == "postgresql":
        assert all("for no key update" in s for s in batches), batches
    assert all("lifetime_value" in s.split(" from ")[0] for s in batches), batches
    (write,) = [s for s in sent if s.startswith("update customers")]
    assert "returning" in write, write
    reads = [s for s in sent if s.startswith("select") and s not in batches and "lifetime" in s]
    assert reads == [], reads
    assert not core.timeline.list(ada_id, types=["lifetime_value_changed"]).items


def test_recalculate_many_reads_the_totals_by_one_array_on_postgresql(
    shop: tuple[CustomerCore, sa.Engine, int],
) -> None:
    """``recalculate_many``'s reads of the stored totals (its events' old and new values)
    bind the ids as one array on PostgreSQL (``= ANY``), not as an IN list of as many
    placeholders."""
    core, engine, ada_id = shop
    if engine.dialect.name != "postgresql":
        pytest.skip("one array parameter: PostgreSQL only")
    ids = [ada_id]
    for i in range(4):
        ids.append(core.customers.register(name=f"C{i}", email=f"c{i}@x.io", password="p" * 12).id)
    sent = _statements_of(engine, lambda: core.ltv.recalculate_many(ids))
    reads = [s for s in sent if s.startswith("select") and "lifetime_value" in s.split(" from ")[0]]
    reads = [s for s in reads if "for no key update" not in s]
    assert len(reads) == 2, sent  # before and after the UPDATE
    assert all("= any (" in s and " in (" not in s for s in reads), reads
