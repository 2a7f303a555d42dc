"""The command line without a database: help, usage errors and the in-process entry point."""

from __future__ import annotations

import pytest
from cli_support import Run, assert_clean_failure

from customer_core.cli import ExitCode, main

COMMANDS = ["demo", "init-db", "recalculate-ltv", "stats", "import", "rfm"]


def test_help_lists_every_command_and_the_exit_codes(run: Run) -> None:
    """`customer-core --help` names each command and documents the exit codes."""
    result = run("--help")
    assert result.code == 0
    for command in COMMANDS:
        assert command in result.out
    assert "exit codes:" in result.out
    assert "130" in result.out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(run: Run, command: str) -> None:
    """Each command answers --help with a description and its usage."""
    result = run(command, "--help")
    assert result.code == 0, result.err
    assert f"usage: customer-core {command}" in result.out


def test_no_command_is_a_usage_error(run: Run) -> None:
    """Without a command the exit code is 2 and the usage is printed."""
    result = run()
    assert result.code == ExitCode.USAGE
    assert "usage:" in result.err
    assert "Traceback" not in result.err


def test_a_missing_required_option_is_a_usage_error(run: Run) -> None:
    """recalculate-ltv without --orders-table says which option is missing."""
    result = run("recalculate-ltv", "sqlite:///shop.db")
    assert result.code == ExitCode.USAGE
    assert "--orders-table" in result.err


@pytest.mark.parametrize("size", ["0", "-3", "100001", "lots"])
def test_a_bad_batch_size_is_a_usage_error(run: Run, size: str) -> None:
    """--batch-size must be a whole number from 1 to 100 000."""
    result = run("recalculate-ltv", "sqlite:///x.db", "--orders-table", "o", "--batch-size", size)
    assert result.code == ExitCode.USAGE
    assert "--batch-size" in result.err


def test_main_returns_codes_instead_of_exiting(capsys: pytest.CaptureFixture[str]) -> None:
    """main() returns the code for --help and usage errors, so hosts can call it in-process."""
    assert main(["--help"]) == 0
    assert main(["no-such-command"]) == ExitCode.USAGE
    assert "invalid choice" in capsys.readouterr().err


def test_the_demo_runs_with_no_arguments(run: Run) -> None:
    """`customer-core demo` tells the story (SQLite when SQLAlchemy is installed, else memory)."""
    result = run("demo")
    assert result.code == 0, result.err
    assert "customer_core demo, on" in result.out
    assert "Ada Lovelace: lifetime value 200.00" in result.out


def test_exit_codes_are_distinct() -> None:
    """Scripts can tell every failure apart by its code."""
    codes = [int(code) for code in ExitCode]
    assert len(codes) == len(set(codes))


def test_a_clean_failure_has_no_traceback(run: Run) -> None:
    """A bad file for import is reported in one line (whatever the URL) with its own code."""
    result = run("import", "sqlite:///shop.db", "missing.csv")
    assert_clean_failure(result, ExitCode.BAD_FILE, "missing.csv")
