"""Helpers for the CLI tests: run ``customer-core`` as a subprocess, build shop databases.

SQLAlchemy is imported inside the helpers, never at module level, so the
tests that do not need it run in the core-only session (``-m "not sql"``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from customer_core import Argon2Hasher

SRC = Path(__file__).resolve().parents[2] / "src"
CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
PLACED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@attrs.frozen
class Result:
    """What a finished command left: its code and its two streams."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]


def cli_environment() -> dict[str, str]:
    """The environment of a child ``customer-core``: this checkout's source first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli_command(*args: str) -> list[str]:
    """The argv of ``python -m customer_core ARGS``."""
    return [sys.executable, "-m", "customer_core", *args]


def runner(directory: Path) -> Run:
    """A function running ``customer-core ARGS`` in ``directory``; it returns a :class:`Result`."""

    def run_cli(*args: str, timeout: float = 120) -> Result:
        done = subprocess.run(
            cli_command(*args),
            cwd=directory,
            env=cli_environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run_cli


def assert_clean_failure(result: Result, code: int, *fragments: str) -> None:
    """A user error: the expected code, one message naming the problem, no traceback."""
    assert result.code == code, (result.code, result.out, result.err)
    assert "Traceback" not in result.err, result.err
    assert result.err.startswith("customer-core: error: "), result.err
    for fragment in fragments:
        assert fragment in result.err, (fragment, result.err)


@attrs.define
class Shop:
    """A SQLite file with the library's tables and a host ``orders`` table, and ways to fill it."""

    url: str
    password_hash: str

    def core(self, **options: Any) -> Any:
        """A core on the shop (its orders table mapped)."""
        from customer_core import CustomerCore
        from customer_core.adapters.sqlalchemy import OrdersTable

        return CustomerCore.from_url(self.url, orders=OrdersTable("orders"), **options)

    def customers(self, count: int, *, blocked: Sequence[int] = ()) -> list[int]:
        """Import ``count`` customers (fast: existing hashes); returns their ids in order."""
        core = self.core()
        records = [
            {
                "name": f"Customer {n}",
                "email": f"c{n}@example.com",
                "password_hash": self.password_hash,
                "is_blocked": n in blocked,
            }
            for n in range(count)
        ]
        core.customers.import_many(records)
        page = core.customers.search(per_page=1, sort="-id")
        last = page.items[0].customer.id if page.items else 0
        return list(range(last - count + 1, last + 1))

    def orders(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Insert host orders as (customer id, total, status), placed a day apart."""
        import sqlalchemy as sa

        from customer_core.testing.sql import HostTables

        table = HostTables.define().orders
        engine = sa.create_engine(self.url)
        with engine.begin() as connection:
            start = connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
            values = [
                {
                    "id": start + number + 1,
                    "customer_id": customer_id,
                    "status": status,
                    "total_amount": Decimal(total),
                    "created_at": PLACED + timedelta(days=number),
                }
                for number, (customer_id, total, status) in enumerate(rows)
            ]
            if values:
                connection.execute(sa.insert(table), values)
        engine.dispose()


def make_shop(url: str, password_hash: str) -> Shop:
    """Create the library's tables and a Laravel-style orders/users pair on ``url``."""
    pytest.importorskip("sqlalchemy")
    from customer_core.testing.sql import HostTables

    shop = Shop(url=url, password_hash=password_hash)
    core = shop.core()
    core.create_schema()
    HostTables.define().create(core.storage.engine, user_ids=[1])
    core.storage.engine.dispose()
    return shop
