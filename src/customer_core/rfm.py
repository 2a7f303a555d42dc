"""RFM scoring: recency, frequency and monetary quintiles, and the label each pair earns.

Pure: the value type, the label table and the quintile rule, used by the
in-memory adapter, by the default any storage gets
(:class:`customer_core.port_defaults.ScanAnalytics`) and, through
:data:`LABEL_RULES`, by the SQL adapter's ``CASE`` — so every storage labels alike.

Who is scored: a customer with a delivered order (``total_orders > 0``, as the
lifetime value counts them) and a ``last_order_at``. Each score is SQL's
``NTILE(5)`` over the scored customers: recency ordered by ``last_order_at``
(older = lower), frequency by ``total_orders``, monetary by ``lifetime_value``,
ties broken by id ascending.

The labels are the ten-segment R × F grid widely used with five-point RFM scores
(recency across, frequency up; monetary is reported, not used for the label):

::

    label               recency  frequency
    Champions           5        4-5
    Loyal               3-4      4-5
    Potential loyalist  4-5      2-3
    New                 5        1
    Promising           4        1
    Need attention      3        3
    About to sleep      3        1-2
    Can't lose them     1-2      5
    At risk             1-2      3-4
    Hibernating         1-2      1-2

(the authoritative copy is :data:`LABEL_RULES`; docs/rfm.md shows it as a grid).
Every (recency, frequency) pair falls in exactly one row, so every scored
customer gets exactly one label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import attrs

__all__ = [
    "BUCKETS",
    "LABELS",
    "LABEL_RULES",
    "LabelRule",
    "RfmInput",
    "RfmScore",
    "is_scored",
    "label_of",
    "ntile",
    "ordered_summary",
    "score",
    "summarize",
]

#: How many buckets each score has: quintiles.
BUCKETS = 5


@attrs.frozen
class RfmScore:
    """One scored customer: recency, frequency and monetary quintiles (each 1–5) and its label.

    5 is the best fifth: the most recent last order, the most delivered orders,
    the highest lifetime value.
    """

    customer_id: int
    recency: int
    frequency: int
    monetary: int
    label: str


@attrs.frozen
class LabelRule:
    """One row of the label table: ``label`` for recency and frequency in these ranges."""

    label: str
    recency: tuple[int, int]
    frequency: tuple[int, int]

    def matches(self, recency: int, frequency: int) -> bool:
        """Whether both scores fall in this row's ranges (both ends included)."""
        return (
            self.recency[0] <= recency <= self.recency[1]
            and self.frequency[0] <= frequency <= self.frequency[1]
        )


#: The label table, best first (see the module's docs; total and without overlaps,
#: as ``tests/unit/test_rfm_rules.py`` checks over all 25 pairs).
LABEL_RULES: tuple[LabelRule, ...] = (
    LabelRule("Champions", (5, 5), (4, 5)),
    LabelRule("Loyal", (3, 4), (4, 5)),
    LabelRule("Potential loyalist", (4, 5), (2, 3)),
    LabelRule("New", (5, 5), (1, 1)),
    LabelRule("Promising", (4, 4), (1, 1)),
    LabelRule("Need attention", (3, 3), (3, 3)),
    LabelRule("About to sleep", (3, 3), (1, 2)),
    LabelRule("Can't lose them", (1, 2), (5, 5)),
    LabelRule("At risk", (1, 2), (3, 4)),
    LabelRule("Hibernating", (1, 2), (1, 2)),
)

#: The labels in table order.
LABELS: tuple[str, ...] = tuple(rule.label for rule in LABEL_RULES)

_LABEL_OF: dict[tuple[int, int], str] = {
    (r, f): next(rule.label for rule in LABEL_RULES if rule.matches(r, f))
    for r in range(1, BUCKETS + 1)
    for f in range(1, BUCKETS + 1)
}


def label_of(recency: int, frequency: int) -> str:
    """The label of a recency and frequency score (each 1–5).

    >>> label_of(5, 5), label_of(1, 5), label_of(3, 3)
    ('Champions', "Can't lose them", 'Need attention')
    """
    return _LABEL_OF[recency, frequency]


class RfmInput(NamedTuple):
    """What scoring reads of one customer (a scored one: it has a delivered order)."""

    customer_id: int
    last_order_at: datetime
    total_orders: int
    lifetime_value: Decimal


def is_scored(total_orders: int, last_order_at: datetime | None) -> bool:
    """Whether a customer with these totals is scored: a delivered order and a last order date."""
    return total_orders > 0 and last_order_at is not None


def ntile(position: int, rows: int, buckets: int = BUCKETS) -> int:
    """SQL's ``NTILE(buckets)`` of the row at 0-based ``position`` among ``rows`` rows.

    The buckets hold ``rows // buckets`` rows each, and the first ``rows % buckets``
    one more (the SQL standard's rule, as PostgreSQL, SQLite and MariaDB apply it).

    >>> [ntile(i, 7) for i in range(7)]
    [1, 1, 2, 2, 3, 4, 5]
    """
    size, extra = divmod(rows, buckets)
    large = extra * (size + 1)  # rows in the buckets that get one more
    if position < large:
        return position // (size + 1) + 1
    return extra + (position - large) // size + 1


def _quintiles(rows: Sequence[RfmInput], key: int) -> list[int]:
    """Each row's NTILE(5) ordered by the field at ``key``, then id (0 in a NamedTuple)."""
    order = sorted(range(len(rows)), key=lambda i: (rows[i][key], rows[i][0]))
    scores = [0] * len(rows)
    for position, index in enumerate(order):
        scores[index] = ntile(position, len(rows))
    return scores


def score(customers: Iterable[RfmInput]) -> Iterator[RfmScore]:
    """The scores of these (scored) customers among themselves, by customer id ascending."""
    rows = sorted(customers, key=lambda row: row.customer_id)
    recency = _quintiles(rows, 1)
    frequency = _quintiles(rows, 2)
    monetary = _quintiles(rows, 3)
    for index, row in enumerate(rows):
        r, f = recency[index], frequency[index]
        yield RfmScore(row.customer_id, r, f, monetary[index], label_of(r, f))


def summarize(scores: Iterable[RfmScore]) -> dict[str, int]:
    """How many scores carry each label; labels no one carries are left out, in table order."""
    counts = dict.fromkeys(LABELS, 0)
    for each in scores:
        counts[each.label] += 1
    return {label: count for label, count in counts.items() if count}


def ordered_summary(counts: dict[str, int]) -> dict[str, int]:
    """``counts`` (label → number) in table order, without empty labels."""
    return {label: counts[label] for label in LABELS if counts.get(label)}
