"""MariaDB: ``recalculate_all`` right after a bulk order load does not depend on statistics
(issue 16.4). The orders table keeps the statistics it had when it was created empty
(``STATS_AUTO_RECALC=0``); the library's UPDATE must still read each customer's orders
through the ``customer_id`` index, never scan ``orders`` per customer.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from host_shop import CHEAP

from customer_core import CustomerCore
from customer_core.adapters.sqlalchemy import OrdersTable
from sql_fixtures import BACKEND_PARAMS

CUSTOMERS = 20_000
ORDERS = 60_000
INDEX = "orders_customer_id_foreign"


@pytest.mark.parametrize(
    "backend", [p for p in BACKEND_PARAMS if p.id in ("mariadb",)], indirect=True
)
def test_recalculate_all_after_a_bulk_load_uses_the_customer_index(
    fresh_database_url: str,
) -> None:
    """Every correlated read of ``orders`` is an index look-up (EXPLAIN), and the run ends
    well within a generous bound with the right totals."""
    core = CustomerCore.from_url(fresh_database_url, orders=OrdersTable(), password_hasher=CHEAP)
    core.create_schema()
    engine: sa.Engine = core.storage.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "create table orders (id bigint unsigned auto_increment primary key,"
            " customer_id bigint unsigned not null, status varchar(255) not null,"
            " total_amount decimal(10, 2) not null, created_at timestamp null,"
            f" key created_at_index (created_at), key {INDEX} (customer_id))"
            " stats_persistent = 1 stats_auto_recalc = 0"
        )
        connection.exec_driver_sql(
            "insert into customers (name, email, password, is_blocked, lifetime_value,"
            " total_orders, created_at, updated_at) select 'N', concat('c', seq, '@example.com'),"
            f" 'x', 0, 0, 0, now(), now() from seq_1_to_{CUSTOMERS}"
        )
        connection.exec_driver_sql(
            "insert into orders (customer_id, status, total_amount, created_at)"
            f" select mod(seq, {CUSTOMERS}) + 1, 'delivered', 2.50, now()"
            f" from seq_1_to_{ORDERS}"
        )
    updates: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE CUSTOMERS"):
            updates.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        started = time.monotonic()
        assert core.ltv.recalculate_all(batch_size=5000) == CUSTOMERS
        elapsed = time.monotonic() - started
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
        engine.dispose()
    assert elapsed < 120  # a scan per customer would take far longer; a plan check follows
    assert updates
    statement, parameters = updates[0]
    assert f"FORCE INDEX ({INDEX})" in statement
    with engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).mappings().all()
        total = connection.exec_driver_sql(
            "select sum(lifetime_value), sum(total_orders) from customers"
        ).one()
    orders_reads = [row for row in plan if row["table"] == "orders"]
    assert len(orders_reads) == 3, plan
    for row in orders_reads:
        assert row["type"] == "ref", plan
        assert row["key"] == INDEX, plan
    assert (float(total[0]), int(total[1])) == (ORDERS * 2.5, ORDERS)
