"""`customer-core export` prints a customer's data; `anonymize` counts, confirms, anonymizes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_support import Result, Run, Shop, assert_clean_failure, cli_command, cli_environment

from customer_core.anonymization import ANONYMIZED_NAME

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


def test_anonymize_dry_run_only_counts(run: Run, shop: Shop) -> None:
    shop.customers(5, blocked=[1, 2])
    result = run("anonymize", shop.url, "--segment", "is_blocked", "--dry-run")
    assert result.code == 0, result.err
    assert "2 customers match 'is_blocked'" in result.out
    assert "dry run, nothing changed" in result.out
    names = [item.customer.name for item in shop.core().customers.search().items]
    assert ANONYMIZED_NAME not in names


def test_anonymize_asks_for_the_count_back(tmp_path: Path, shop: Shop) -> None:
    """Only the exact count typed back goes on; anything else changes nothing (exit 10)."""
    ids = shop.customers(5, blocked=[1, 2])
    for answer in ("y\n", "yes\n", "", "3\n"):
        refused = run_with_input(tmp_path, answer, "anonymize", shop.url, "--segment", "is_blocked")
        assert refused.code == 10, refused.err
        prompt, error = refused.err.splitlines()[-2:]
        assert prompt.startswith("Type 2 to go on")
        assert error.endswith("customer-core: error: not confirmed: nothing was changed")
    assert ANONYMIZED_NAME not in [shop.core().customers.get(i).name for i in ids]
    done = run_with_input(tmp_path, "2\n", "anonymize", shop.url, "--segment", "is_blocked")
    assert done.code == 0, done.err
    assert "anonymized 2 customers" in done.out
    names = [shop.core().customers.get(i).name for i in ids]
    assert names == ["Customer 0", ANONYMIZED_NAME, ANONYMIZED_NAME, "Customer 3", "Customer 4"]


def test_anonymize_yes_skips_the_question_and_a_rerun_does_nothing(run: Run, shop: Shop) -> None:
    ids = shop.customers(3)
    first = run("anonymize", shop.url, "--segment", "id > 0", "--yes", "--batch-size", "2")
    assert first.code == 0, first.err
    assert "anonymized 3 customers" in first.out
    again = run("anonymize", shop.url, "--segment", "id > 0", "--yes")
    assert again.code == 0, again.err
    assert "anonymized 0 customers" in again.out
    assert {shop.core().customers.get(i).name for i in ids} == {ANONYMIZED_NAME}


def test_anonymize_bad_segment_is_a_usage_error(run: Run, shop: Shop) -> None:
    shop.customers(1)
    result = run("anonymize", shop.url, "--segment", "is_blocked and", "--yes")
    assert_clean_failure(result, 2, "bad --segment", "position")
    missing = run("anonymize", shop.url, "--yes")
    assert missing.code == 2
    assert "--segment" in missing.err


def test_anonymize_masks_the_url_password(run: Run) -> None:
    url = "postgresql+psycopg://u:s3cret@127.0.0.1:1/db"
    result = run("anonymize", url, "--segment", "id > 0", "--dry-run")
    assert result.code != 0
    assert "s3cret" not in result.err + result.out
