"""`customer-core rfm`: the RFM summary table, computed in the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Run, Shop, assert_clean_failure

from customer_core.cli import ExitCode

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]


def test_an_empty_database_scores_nobody(run: Run, shop: Shop) -> None:
    """No customers: every label at zero, nobody scored; JSON is an empty object."""
    result = run("rfm", shop.url)
    assert result.code == 0, result.err
    assert "Champions                   0    0.0%" in result.out
    assert result.out.rstrip().endswith("scored                      0")
    assert json.loads(run("rfm", "--json", shop.url).out) == {}


def test_summary_of_a_known_shop(run: Run, shop: Shop) -> None:
    """Ten customers, the n-th with n delivered orders placed in id order (the last ones
    newest): the top fifth are Champions, the bottom two fifths Hibernating; the customer
    with only a pending order is not scored."""
    ids = shop.customers(11)
    shop.orders(
        [
            (customer, "10.00", "delivered")
            for n, customer in enumerate(ids[:10])
            for _ in range(n + 1)
        ]
    )
    shop.orders([(ids[10], "10.00", "pending")])
    assert run("recalculate-ltv", shop.url, "--orders-table", "orders").code == 0
    result = run("rfm", "--json", shop.url)
    assert result.code == 0, result.err
    # r = f = NTILE over the same order: (1,1) (1,1) (2,2) (2,2) (3,3) ... (5,5)
    assert json.loads(result.out) == {
        "Champions": 2,
        "Loyal": 2,
        "Need attention": 2,
        "Hibernating": 4,
    }
    text = run("rfm", shop.url).out
    assert "Champions                   2   20.0%" in text
    assert text.rstrip().endswith("scored                     10")


def test_rfm_before_init_db_says_what_to_do(run: Run, tmp_path: Path) -> None:
    """An existing database without the library's tables: NO_SCHEMA, naming init-db."""
    import sqlite3

    sqlite3.connect(tmp_path / "host.db").close()
    result = run("rfm", f"sqlite:///{tmp_path / 'host.db'}")
    assert_clean_failure(result, ExitCode.NO_SCHEMA, "no customers table", "init-db")


def test_segment_scores_its_customers_among_themselves(run: Run, shop: Shop) -> None:
    """``--segment`` scores the segment's customers alone; bad text is INVALID_DATA, naming
    the segment."""
    ids = shop.customers(10)
    shop.orders(
        [(customer, "10.00", "delivered") for n, customer in enumerate(ids) for _ in range(n + 1)]
    )
    assert run("recalculate-ltv", shop.url, "--orders-table", "orders").code == 0
    # Customers with 6..10 orders: five of them, one per bucket, r = f.
    result = run("rfm", "--json", shop.url, "--segment", "total_orders >= 6")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "Champions": 1,
        "Loyal": 1,
        "Need attention": 1,
        "Hibernating": 2,
    }
    bad = run("rfm", shop.url, "--segment", "total_orders >>> 6")
    assert_clean_failure(bad, ExitCode.INVALID_DATA, "segment")
