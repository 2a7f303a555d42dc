"""The CLI's progress report: a tqdm bar on a terminal, plain lines in a log."""

from __future__ import annotations

import io

import pytest

from customer_core.cli._progress import ProgressReport


def test_a_terminal_gets_one_bar_that_ends_its_line() -> None:
    pytest.importorskip("tqdm")  # the optional bar (the ``cli`` extra)
    stream = io.StringIO()
    report = ProgressReport(stream, label="working", interactive=True)
    for done in range(0, 101, 25):
        report(done, 100)
    report.close()
    report.close()  # a second close is harmless
    text = stream.getvalue()
    assert text.count("\n") == 1
    assert text.endswith("\n")
    assert "working: 100%" in text
    assert "100/100" in text


def test_a_log_gets_a_line_per_tenth() -> None:
    stream = io.StringIO()
    report = ProgressReport(stream, label="working", interactive=False)
    for done in range(101):
        report(done, 100)
    report.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "working: 0/100"
    assert lines[-1] == "working: 100/100"
    assert len(lines) == 11
    assert "\r" not in stream.getvalue()


def test_a_growing_total_moves_the_bar_on() -> None:
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    report = ProgressReport(stream, label="working", interactive=True)
    report(5, 10)
    report(15, 20)
    report.close()
    assert "15/20" in stream.getvalue()
