"""``customer-core stats``: counts, repeat rate and lifetime-value percentiles, computed in SQL.

Nothing is loaded row by row: the counts are one aggregate query and each
percentile is one ``ORDER BY ... LIMIT 1 OFFSET k`` query, which every
dialect runs (SQLite and MySQL have no ``percentile_cont``). Percentiles use
the nearest-rank definition: p is the smallest value with at least p% of the
customers at or below it.
"""

from __future__ import annotations

import argparse
import json
import math
from decimal import Decimal
from typing import Any

import attrs

from customer_core.cli._database import engine_of, open_core, require_tables, storage_of, translated
from customer_core.cli._exits import ExitCode
from customer_core.model import money

__all__ = ["PERCENTILES", "Stats", "compute", "stats"]

PERCENTILES = (50, 90, 99)


@attrs.frozen
class Stats:
    """The figures ``stats`` prints."""

    customers: int
    blocked: int
    repeat: int
    lifetime_value_total: Decimal
    percentiles: dict[str, Decimal | None]

    @property
    def repeat_rate(self) -> float:
        """The share of customers with more than one delivered order (0 with no customers)."""
        return self.repeat / self.customers if self.customers else 0.0

    def as_json(self) -> dict[str, Any]:
        """JSON-safe: money as strings, as the library serializes it."""
        return {
            "customers": self.customers,
            "blocked": self.blocked,
            "repeat_customers": self.repeat,
            "repeat_rate": round(self.repeat_rate, 4),
            "lifetime_value_total": str(self.lifetime_value_total),
            "lifetime_value": {
                key: None if value is None else str(value)
                for key, value in self.percentiles.items()
            },
        }

    def as_text(self) -> str:
        """Aligned lines for a person."""
        lines = [
            f"customers        {self.customers}",
            f"blocked          {self.blocked}",
            f"repeat customers {self.repeat} ({self.repeat_rate:.1%})",
            f"lifetime value   total {self.lifetime_value_total}",
        ]
        for key, value in self.percentiles.items():
            lines.append(f"  {key:<14} {'-' if value is None else value}")
        return "\n".join(lines)


def stats(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    core = open_core(args.url)
    require_tables(core, args.url, ["customers"])
    from sqlalchemy import Engine, Table

    storage = storage_of(core)
    engine: Engine = engine_of(core)
    table: Table = storage.tables.customers
    with translated(args.url):
        figures = compute(engine, table)
    print(json.dumps(figures.as_json(), indent=2) if args.json else figures.as_text())
    return ExitCode.OK


def compute(engine: Any, customers: Any) -> Stats:
    """The figures for the ``customers`` table on ``engine``, in a handful of queries."""
    from sqlalchemy import case, func, select, true

    c = customers.c
    counts = select(
        func.count(),
        func.coalesce(func.sum(case((c.is_blocked == true(), 1), else_=0)), 0),
        func.coalesce(func.sum(case((c.total_orders > 1, 1), else_=0)), 0),
        func.coalesce(func.sum(c.lifetime_value), 0),
        func.max(c.lifetime_value),
    ).select_from(customers)
    with engine.connect() as connection:
        total, blocked, repeat, ltv_sum, ltv_max = connection.execute(counts).one()
        percentiles: dict[str, Decimal | None] = {}
        for p in PERCENTILES:
            offset = max(math.ceil(p / 100 * total) - 1, 0)
            query = (
                select(c.lifetime_value).order_by(c.lifetime_value, c.id).offset(offset).limit(1)
            )
            percentiles[f"p{p}"] = _money(connection.execute(query).scalar()) if total else None
    percentiles["max"] = _money(ltv_max)
    return Stats(
        customers=int(total),
        blocked=int(blocked),
        repeat=int(repeat),
        lifetime_value_total=money(ltv_sum if ltv_sum is not None else 0),
        percentiles=percentiles,
    )


def _money(value: Any) -> Decimal | None:
    return None if value is None else money(value)
