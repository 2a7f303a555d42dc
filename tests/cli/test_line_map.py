"""The CSV import's record → line map: break points only where rows stop following each other."""

from __future__ import annotations

from customer_core.cli._csv_import import LineMap


def test_consecutive_rows_keep_one_break_point() -> None:
    """A million plain rows cost one entry, and every index still finds its line."""
    lines = LineMap()
    for index in range(1_000_000):
        lines.add(index, index + 2)
    assert lines._indexes == [0]
    assert (lines.line(0), lines.line(999_999)) == (2, 1_000_001)


def test_multi_line_cells_and_blank_lines_shift_the_rest() -> None:
    """Row 1 spans lines 3-4 and a blank line follows row 2: later rows start further down."""
    lines = LineMap()
    for index, line in enumerate([2, 3, 5, 7, 8, 9]):
        lines.add(index, line)
    assert [lines.line(index) for index in range(6)] == [2, 3, 5, 7, 8, 9]
    assert len(lines._indexes) == 3
    assert LineMap().line(5) == 0
