"""tqdm is the optional progress bar: the library never imports it, the CLI runs without it."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from cli_support import cli_environment


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=cli_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_library_or_the_cli_does_not_import_tqdm() -> None:
    """``import customer_core`` (and the CLI's modules) leave tqdm unloaded."""
    code = (
        "import sys, customer_core, customer_core.cli, customer_core.cli._progress;"
        " print('tqdm' in sys.modules)"
    )
    assert _python(code) == "False"


def test_without_tqdm_a_terminal_gets_plain_lines() -> None:
    """tqdm not installed (blocked here): the report prints a line per tenth, no bar."""
    code = (
        "import io, sys; sys.modules['tqdm'] = None\n"
        "from customer_core.cli._progress import ProgressReport, has_bar\n"
        "stream = io.StringIO()\n"
        "report = ProgressReport(stream, label='working', interactive=True)\n"
        "[report(done, 10) for done in range(11)]\n"
        "report.close()\n"
        "print(has_bar(), repr(stream.getvalue()))"
    )
    bar, text = _python(code).split(" ", 1)
    assert bar == "False"
    assert "working: 10/10" in text
    assert "\\r" not in text


def test_with_tqdm_a_terminal_gets_the_bar() -> None:
    """The ``cli`` extra installed: the bar is drawn (carriage returns, a percentage)."""
    pytest.importorskip("tqdm")
    from customer_core.cli._progress import ProgressReport, has_bar

    assert has_bar()
    stream = io.StringIO()
    report = ProgressReport(stream, label="working", interactive=True)
    report(10, 10)
    report.close()
    assert "working: 100%" in stream.getvalue()
