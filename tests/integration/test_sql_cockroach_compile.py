"""The library's statements compiled with the CockroachDB dialect (``sqlalchemy-cockroachdb``).

No CockroachDB server runs here, so this checks only what can be checked
without one: every statement the library sends to PostgreSQL during a tour of
its calls is captured (SQLAlchemy's ``before_execute``) and compiled for
CockroachDB, and the families docs/explanation.md's table discusses are among
them with the SQL CockroachDB would get. Whether CockroachDB plans and runs them
as documented is not verified. Skipped when the dialect is not installed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.sql import ClauseElement

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import engine_from_url
from customer_core.events import OrderPlaced
from customer_core.testing import FrozenClock
from customer_core.testing.contract._support import ADDRESS, PASSWORD
from customer_core.testing.sql import HostTables, SQLOrderRecorder
from servers import Server

pytestmark = [pytest.mark.postgres, pytest.mark.sql]

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


def _tour(core: CustomerCore, recorder: SQLOrderRecorder) -> None:
    """One call of each statement family: profile writes, log-in, search, LTV, import."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    core.customers.update(ada.id, name="Ada L.")
    core.customers.change_email(ada.id, "ada@example.org")
    core.customers.authenticate("ada@example.org", PASSWORD)
    address = core.addresses.add(ada.id, **ADDRESS)
    core.addresses.set_default(address.id)
    core.notes.add(ada.id, author_id=1, text="hello")
    core.notes.list(ada.id)
    recorder.record(order_id=1, customer_id=ada.id, total_amount=Decimal("5.00"))
    core.ltv.recalculate(ada.id)
    core.handle_many([OrderPlaced(customer_id=ada.id, order_id=1)])
    core.ltv.recalculate_all()
    core.customers.search("ada", sort="-lifetime_value", repeat=False)
    core.customers.import_many(
        [{"name": "N", "email": "n@example.com", "password_hash": "$2y$04$" + "." * 53}]
    )
    core.customers.delete(ada.id)


def test_the_library_statements_compile_for_cockroachdb(postgres_server: Server) -> None:
    """Every captured statement compiles with sqlalchemy-cockroachdb; the families are there."""
    cockroach = pytest.importorskip("sqlalchemy_cockroachdb.psycopg")
    engine = engine_from_url(postgres_server.create_database("crdb"))
    statements: list[ClauseElement] = []

    def capture(_conn: object, element: object, *_args: object) -> None:
        if isinstance(element, ClauseElement):
            statements.append(element)

    try:
        host = HostTables.define()
        host.create(engine, user_ids=[1])
        clock = FrozenClock()
        core = CustomerCore.from_engine(
            engine, orders=host.orders_spec, clock=clock, password_hasher=CHEAP_HASHER
        )
        core.create_schema()
        sa.event.listen(engine, "before_execute", capture)
        _tour(core, SQLOrderRecorder(engine, host, clock=clock))
    finally:
        sa.event.remove(engine, "before_execute", capture)
        engine.dispose()
    dialect = cockroach.CockroachDBDialect_psycopg()
    compiled = [" ".join(str(s.compile(dialect=dialect)).split()) for s in statements]
    joined = "\n".join(compiled)
    assert len(compiled) > 20
    # Lock a customer, then update it; the set-based batch locks its group the same way.
    assert "WHERE customers.id = %(id_1)s::BIGINT FOR NO KEY UPDATE" in joined
    assert "ORDER BY customers.id FOR NO KEY UPDATE" in joined
    assert any(s.startswith("UPDATE customers SET") and " FROM " in s for s in compiled)
    assert any("orders_count" in s for s in compiled)  # search with orders_count
    # A customer's INSERT (and its timeline event) in one data-modifying CTE on PostgreSQL.
    assert any(s.startswith("WITH written AS (INSERT INTO customers") for s in compiled)
    assert any("logged AS (INSERT INTO customer_events" in s for s in compiled)
    assert "WHERE lower(customers.email) = " in joined  # look-up by e-mail
