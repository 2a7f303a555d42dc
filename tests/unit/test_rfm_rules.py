"""The pure RFM rules: the label table and the NTILE bucket rule."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from customer_core.rfm import LABEL_RULES, LABELS, RfmInput, label_of, ntile, score

pytestmark = pytest.mark.memory


def test_every_score_pair_has_exactly_one_label() -> None:
    """The label table is total and has no overlaps: each (r, f) matches one row."""
    for r in range(1, 6):
        for f in range(1, 6):
            matching = [rule.label for rule in LABEL_RULES if rule.matches(r, f)]
            assert matching == [label_of(r, f)], (r, f)


def test_every_label_is_reachable() -> None:
    """No row of the table is shadowed by the others."""
    assert {label_of(r, f) for r in range(1, 6) for f in range(1, 6)} == set(LABELS)


@pytest.mark.parametrize("rows", range(1, 41))
def test_ntile_equals_sqlites(rows: int) -> None:
    """The Python rule gives SQLite's own NTILE(5) for 1..40 rows."""
    connection = sqlite3.connect(":memory:")
    values = ",".join(f"({i})" for i in range(rows))
    found = connection.execute(
        f"select ntile(5) over (order by column1) from (values {values})"
    ).fetchall()
    connection.close()
    assert [bucket for (bucket,) in found] == [ntile(i, rows) for i in range(rows)]


def test_score_breaks_ties_by_id_whatever_the_input_order() -> None:
    """Equal customers score by id ascending, and the output is by id, however they came in."""
    when = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [RfmInput(i, when, 1, Decimal("1.00")) for i in (9, 3, 5, 1, 7)]
    scores = list(score(rows))
    assert [s.customer_id for s in scores] == [1, 3, 5, 7, 9]
    assert [s.recency for s in scores] == [1, 2, 3, 4, 5]
