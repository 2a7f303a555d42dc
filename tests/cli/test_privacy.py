"""`customer-core export` prints a customer's data; `anonymize` counts, confirms, anonymizes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_support import Result, Run, Shop, cli_command, cli_environment

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]


def run_with_input(directory: Path, text: str, *args: str) -> Result:
    """``customer-core ARGS`` with ``text`` on its standard input (the operator typing)."""
    done = subprocess.run(
        cli_command(*args),
        cwd=directory,
        env=cli_environment(),
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def test_export_prints_the_customer_as_json(run: Run, shop: Shop) -> None:
    """One JSON document with the customer, addresses, notes and timeline; no hash."""
    (customer_id,) = shop.customers(1)
    core = shop.core()
    core.notes.add(customer_id, author_id=1, text="Asked for a refund")
    # A legacy row another writer filled with terminal control characters.
    with core.storage.engine.begin() as connection:
        connection.exec_driver_sql(
            "update customers set name = ? where id = ?", ("Eve \x1b[31m\u009b", customer_id)
        )
    result = run("export", shop.url, str(customer_id))
    assert result.code == 0, result.err
    exported = json.loads(result.out)
    assert exported["customer"]["email"] == "c0@example.com"
    assert [event["type"] for event in exported["timeline"]] == ["imported", "note_added"]
    assert exported["customer"]["name"] == "Eve \x1b[31m\u009b"
    assert exported["notes"][0]["text"] == "Asked for a refund"
    assert result.out.isascii()  # control characters reach the terminal escaped
    assert "\x1b" not in result.out
    assert "$argon2" not in result.out
    assert shop.password_hash not in result.out


def test_export_of_unknown_customer_fails_cleanly(run: Run, shop: Shop) -> None:
    result = run("export", shop.url, "4242")
    assert result.code != 0
    assert "Traceback" not in result.err
    assert "4242" in result.err


def test_export_masks_the_url_password(run: Run) -> None:
    result = run("export", "postgresql+psycopg://u:s3cret@127.0.0.1:1/db", "1")
    assert result.code != 0
    assert "s3cret" not in result.err + result.out
