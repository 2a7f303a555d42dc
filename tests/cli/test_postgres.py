"""The operator's session on PostgreSQL: init-db, import, recalculate-ltv, stats."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cli_support import Run, Shop, assert_clean_failure, make_shop

from customer_core.cli import ExitCode

if TYPE_CHECKING:
    from servers import Server  # imports SQLAlchemy: typing only

pytestmark = [pytest.mark.sql, pytest.mark.postgres]


@pytest.fixture
def pg_shop(postgres_server: Server, password_hash: str) -> Shop:
    """A fresh PostgreSQL database per test with the host's orders and users tables."""
    url: str = postgres_server.create_database("cli")
    return make_shop(url, password_hash)


def test_a_whole_session_on_postgres(
    run: Run, pg_shop: Shop, tmp_path: Path, password_hash: str
) -> None:
    """Import a CSV, place orders, recalculate resumably, read the stats."""
    path = tmp_path / "customers.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["name", "email", "password_hash", "is_blocked"])
        for n in range(10):
            writer.writerow([f"Customer {n}", f"c{n}@example.com", password_hash, n == 9])
    imported = run("import", pg_shop.url, str(path))
    assert imported.code == 0, imported.err
    core = pg_shop.core()
    ids = [core.customers.find_by_email(f"c{n}@example.com").id for n in range(10)]
    pg_shop.orders([(i, f"{n + 1}0.00", "delivered") for n, i in enumerate(ids)])
    pg_shop.orders([(ids[0], "5.00", "delivered"), (ids[1], "5.00", "cancelled")])
    resume = tmp_path / "ltv.resume"
    recalculated = run(
        "recalculate-ltv", pg_shop.url, "--orders-table", "orders",
        "--batch-size", "3", "--resume-file", str(resume),
    )  # fmt: skip
    assert recalculated.code == 0, recalculated.err
    assert "recalculated 10 customers" in recalculated.out
    figures = json.loads(run("stats", "--json", pg_shop.url).out)
    assert figures["customers"] == 10
    assert figures["blocked"] == 1
    assert figures["repeat_customers"] == 1
    assert figures["lifetime_value"] == {
        "p50": "50.00",
        "p90": "90.00",
        "p99": "100.00",
        "max": "100.00",
    }


def test_stats_before_init_db_on_postgres(run: Run, postgres_server: Server) -> None:
    """A PostgreSQL database without the library's tables: NO_SCHEMA, naming init-db."""
    url: str = postgres_server.create_database("bare")
    assert_clean_failure(run("stats", url), ExitCode.NO_SCHEMA, "init-db")
    created = run("init-db", url)
    assert created.code == 0, created.err
    assert run("stats", url).code == 0


def test_an_unknown_postgres_database_is_unreachable(run: Run, postgres_url: str) -> None:
    """A database name the server does not have: UNREACHABLE, with the server's reason."""
    url = postgres_url.rsplit("/", 1)[0] + "/" + "no_such_db" + "?" + postgres_url.split("?", 1)[1]
    assert_clean_failure(run("stats", url), ExitCode.UNREACHABLE, "no_such_db")
