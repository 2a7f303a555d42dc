"""`customer-core stats`: counts, repeat rate and nearest-rank LTV percentiles, from SQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Run, Shop, assert_clean_failure

from customer_core.cli import ExitCode

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]


def test_an_empty_database_has_no_percentiles(run: Run, shop: Shop) -> None:
    """No customers: zero counts, a 0% repeat rate, and '-' for every percentile."""
    result = run("stats", shop.url)
    assert result.code == 0, result.err
    assert "customers        0" in result.out
    assert "repeat customers 0 (0.0%)" in result.out
    assert "p50            -" in result.out


def test_figures_of_a_known_shop(run: Run, shop: Shop) -> None:
    """100 customers with LTVs 1..100 (the last two blocked, every third a repeat buyer)."""
    ids = shop.customers(100, blocked=[98, 99])
    orders = [(customer, f"{n + 1}.00", "delivered") for n, customer in enumerate(ids)]
    orders += [(customer, "0.00", "delivered") for n, customer in enumerate(ids) if n % 3 == 0]
    shop.orders(orders)
    assert run("recalculate-ltv", shop.url, "--orders-table", "orders").code == 0
    result = run("stats", "--json", shop.url)
    assert result.code == 0, result.err
    figures = json.loads(result.out)
    assert figures == {
        "customers": 100,
        "blocked": 2,
        "repeat_customers": 34,
        "repeat_rate": 0.34,
        "lifetime_value_total": "5050.00",
        "lifetime_value": {"p50": "50.00", "p90": "90.00", "p99": "99.00", "max": "100.00"},
    }
    text = run("stats", shop.url).out
    assert "repeat customers 34 (34.0%)" in text
    assert "p99            99.00" in text


def test_one_customer_is_every_percentile(run: Run, shop: Shop) -> None:
    """Nearest rank never indexes past the end: with one customer every percentile is theirs."""
    (only,) = shop.customers(1)
    shop.orders([(only, "12.34", "delivered")])
    run("recalculate-ltv", shop.url, "--orders-table", "orders")
    figures = json.loads(run("stats", "--json", shop.url).out)
    assert set(figures["lifetime_value"].values()) == {"12.34"}


def test_stats_before_init_db_says_what_to_do(run: Run, tmp_path: Path) -> None:
    """An existing database without the library's tables: NO_SCHEMA, naming init-db."""
    import sqlite3

    sqlite3.connect(tmp_path / "host.db").close()
    result = run("stats", f"sqlite:///{tmp_path / 'host.db'}")
    assert_clean_failure(result, ExitCode.NO_SCHEMA, "no customers table", "init-db")
