"""Deterministic data: the same seed gives the same customers, orders and events on every run.

Customers are numbered from 1 (the id they get). Their e-mails put every
tenth customer on one of ten mail domains, so :data:`BROAD_TEXT` matches
10 % of them; :func:`selective_text` names one customer's e-mail stem, which
no other customer's name or e-mail contains. All text is ASCII, so
SQLite's built-in ``lower()`` folds it exactly as Python's ``str.lower``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

__all__ = [
    "BROAD_TEXT",
    "EPOCH",
    "PASSWORD_HASH",
    "SEED",
    "STATUSES",
    "CustomerRow",
    "OrderRow",
    "customer_rows",
    "import_records",
    "order_rows",
    "selective_text",
]

SEED = 20240611
#: Where every generated time starts (UTC, whole seconds).
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
#: One precomputed bcrypt hash (cost 4) for every customer: hashing is never what is measured.
PASSWORD_HASH = "$2y$04$D/LY8Khjc1.3Emhugea5MOE7UcbWFwqNdvQZq80PcKBY7fBEQOOky"
#: Status mix of the host's orders, with weights (delivered orders make the lifetime value).
STATUSES: tuple[tuple[str, int], ...] = (
    ("delivered", 55),
    ("shipped", 20),
    ("pending", 15),
    ("cancelled", 10),
)
#: Matches the e-mails of the customers whose id ends in 3: a tenth of them.
BROAD_TEXT = "@mail3.example"

FIRST = (
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Dennis",
    "Margaret", "Tim", "Radia", "John", "Lynn", "Niklaus", "Guido", "Anita", "Leslie", "Shafi",
    "Marvin", "Hedy", "Katherine", "Claude", "Joan", "Sophie", "Brian",
)  # fmt: skip
LAST = (
    "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Ritchie",
    "Hamilton", "Berners", "Perlman", "McCarthy", "Conway", "Wirth", "Rossum", "Borg", "Lamport",
    "Goldwasser", "Minsky", "Lamarr", "Johnson", "Shannon", "Clarke", "Wilson", "Kernighan",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A customers row as the benchmarks load it (lifetime fields at their defaults)."""

    id: int
    name: str
    email: str
    is_blocked: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OrderRow:
    """A row of the host's orders table."""

    id: int
    customer_id: int
    status: str
    total_amount: Decimal
    created_at: datetime


def _stem(customer_id: int) -> tuple[str, str]:
    first = FIRST[(customer_id * 7) % len(FIRST)]
    last = LAST[(customer_id * 13 // 3) % len(LAST)]
    return first, last


def customer_rows(count: int) -> Iterator[CustomerRow]:
    """Customers 1..count: names from two lists, unique e-mails on ten domains."""
    for i in range(1, count + 1):
        first, last = _stem(i)
        yield CustomerRow(
            id=i,
            name=f"{first} {last}",
            email=f"{first.lower()}.{last.lower()}{i}@mail{i % 10}.example",
            is_blocked=i % 50 == 0,
            created_at=EPOCH + timedelta(minutes=i),
        )


def selective_text(customers: int) -> str:
    """An e-mail stem only one customer's e-mail contains (two-thirds into the id range)."""
    target = max(1, customers * 2 // 3)
    # A longer id cannot start with it: a 6-digit stem at 1 000 000 customers is unique.
    _, last = _stem(target)
    return f"{last.lower()}{target}@"


def order_rows(count: int, customers: int, *, seed: int = SEED) -> Iterator[OrderRow]:
    """``count`` orders spread at random (seeded) over customers 1..customers."""
    rng = random.Random(seed)
    names = [name for name, _ in STATUSES]
    weights = [weight for _, weight in STATUSES]
    two_years = 2 * 365 * 24 * 3600
    statuses = rng.choices(names, weights=weights, k=count)
    for order_id in range(1, count + 1):
        yield OrderRow(
            id=order_id,
            customer_id=rng.randint(1, customers),
            status=statuses[order_id - 1],
            total_amount=Decimal(rng.randint(100, 50_000)).scaleb(-2),
            created_at=EPOCH + timedelta(seconds=rng.randint(0, two_years)),
        )


def import_records(count: int, *, offset: int = 0) -> list[dict[str, object]]:
    """Records for ``import_many``: existing customers with their (precomputed) hashes."""
    records: list[dict[str, object]] = []
    for row in customer_rows(count + offset):
        if row.id <= offset:
            continue
        records.append(
            {
                "name": row.name,
                "email": row.email,
                "password_hash": PASSWORD_HASH,
                "is_blocked": row.is_blocked,
                "created_at": row.created_at,
            }
        )
    return records
