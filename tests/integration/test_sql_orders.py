"""The host's orders table as the ledger: any column names and status values, any time precision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore
from customer_core.adapters.sqlalchemy import OrdersTable, engine_from_url
from customer_core.testing import FrozenClock

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)

#: A host whose orders say "completed" / "void" and keep their time in ``ordered_at``.
SPEC = OrdersTable(
    "shop_orders",
    customer_id="buyer_id",
    status="state",
    total_amount="grand_total",
    placed_at="ordered_at",
    delivered="completed",
    cancelled="void",
)


@pytest.fixture
def shop(fresh_database_url: str) -> Iterator[tuple[CustomerCore, sa.Engine, sa.Table]]:
    """A core over a host orders table with its own names and a microsecond ``ordered_at``."""
    engine = engine_from_url(fresh_database_url)
    metadata = sa.MetaData()
    orders = sa.Table(
        "shop_orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("buyer_id", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("grand_total", sa.Numeric(12, 2), nullable=False),
        sa.Column("ordered_at", sa.DateTime, nullable=False),
    )
    metadata.create_all(engine)
    core = CustomerCore.from_engine(engine, orders=SPEC, clock=FrozenClock(), password_hasher=CHEAP)
    core.create_schema()
    yield core, engine, orders
    engine.dispose()


def test_mapped_columns_and_statuses(shop: tuple[CustomerCore, sa.Engine, sa.Table]) -> None:
    """Per-customer and both set-based recalculations agree, times truncated to whole seconds."""
    core, engine, orders = shop
    ada = core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
    rows = [
        (1, "completed", "10.10", datetime(2025, 1, 2, 12, 0, 0, 700_000)),
        (2, "completed", "0.05", datetime(2025, 1, 3, 12, 0, 0, 900_000)),
        (3, "void", "50.00", datetime(2025, 1, 9, 12, 0, 0)),
        (4, "new", "1.00", datetime(2025, 1, 4, 8, 30, 15, 999_999)),
    ]
    with engine.begin() as c:
        for oid, state, total, when in rows:
            c.execute(
                sa.insert(orders).values(
                    id=oid,
                    buyer_id=ada.id,
                    state=state,
                    grand_total=Decimal(total),
                    ordered_at=when,
                )
            )
    one = core.ltv.recalculate(ada.id)
    assert (one.lifetime_value, one.total_orders) == (Decimal("10.15"), 2)
    assert one.last_order_at == datetime(2025, 1, 4, 8, 30, 15, tzinfo=UTC)
    for set_based in (core.ltv.recalculate_all, lambda: core.ltv.recalculate_many([ada.id])):
        with engine.begin() as c:
            c.execute(sa.text("update customers set lifetime_value = 0, last_order_at = null"))
        assert set_based() == 1
        assert core.customers.get(ada.id).last_order_at == one.last_order_at
        assert core.customers.get(ada.id).lifetime_value == one.lifetime_value
    assert core.customers.search().items[0].orders_count == 4


def test_no_orders_table_means_no_orders(fresh_database_url: str) -> None:
    """Without an orders table every customer has zero totals and zero orders."""
    engine = engine_from_url(fresh_database_url)
    try:
        core = CustomerCore.from_engine(engine, clock=FrozenClock(), password_hasher=CHEAP)
        core.create_schema()
        ada = core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
        assert core.ltv.recalculate(ada.id).total_orders == 0
        assert core.ltv.recalculate_all() == 1
        assert core.customers.search().items[0].orders_count == 0
    finally:
        engine.dispose()
