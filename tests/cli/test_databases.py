"""Opening databases: bad URLs, unreachable servers, missing files and tables, init-db."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_support import Run, assert_clean_failure

from customer_core.cli import ExitCode

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]


@pytest.mark.parametrize(
    ("url", "code", "fragment"),
    [
        ("not a url", ExitCode.BAD_URL, "bad database URL"),
        ("nosuchdb://host/db", ExitCode.BAD_URL, "bad database URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/db", ExitCode.UNREACHABLE, "cannot reach"),
        ("sqlite:///no/such/dir/shop.db", ExitCode.NO_SCHEMA, "no SQLite database"),
        ("sqlite:///absent.db", ExitCode.NO_SCHEMA, "init-db"),
    ],
)
@pytest.mark.parametrize("command", ["stats", "recalculate-ltv"])
def test_each_way_of_not_reaching_a_database_has_its_code(
    run: Run, command: str, url: str, code: ExitCode, fragment: str
) -> None:
    """Every command fails cleanly, with the documented code, before doing any work."""
    extra = ["--orders-table", "orders"] if command == "recalculate-ltv" else []
    assert_clean_failure(run(command, url, *extra), code, fragment)


def test_a_missing_driver_is_named_with_its_install_hint(run: Run) -> None:
    """A URL whose driver is not installed says which package to install."""
    pytest.importorskip("sqlalchemy")
    import importlib.util

    if importlib.util.find_spec("MySQLdb") is not None:
        pytest.skip("mysqlclient is installed here")
    result = run("stats", "mysql://user@localhost/shop")
    assert_clean_failure(result, ExitCode.MISSING_DEPENDENCY, "customer-core[mysql]")


def test_the_password_never_appears_in_messages(run: Run) -> None:
    """An unreachable server is reported with the URL's password masked."""
    result = run("stats", "postgresql+psycopg://admin:s3cret@127.0.0.1:1/db")
    assert_clean_failure(result, ExitCode.UNREACHABLE)
    assert "s3cret" not in result.err


def test_a_missing_sqlite_file_is_not_created(run: Run, tmp_path: Path) -> None:
    """Only init-db creates databases: stats on a typo'd path leaves no empty file behind."""
    run("stats", "sqlite:///typo.db")
    assert not (tmp_path / "typo.db").exists()


def test_init_db_creates_the_tables_once_and_leaves_the_host_alone(
    run: Run, tmp_path: Path
) -> None:
    """init-db creates the three tables, is idempotent, and never touches other tables."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table orders (id integer primary key, note text)")
        connection.execute("insert into orders values (1, 'the host''s row')")
    connection.close()
    url = f"sqlite:///{path}"
    first = run("init-db", url)
    assert first.code == 0, first.err
    assert "created customers, addresses, customer_notes" in first.out
    second = run("init-db", url)
    assert second.code == 0, second.err
    assert "left unchanged (already there): customers, addresses, customer_notes" in second.out
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
        orders = connection.execute("select * from orders").fetchall()
    connection.close()
    assert {"customers", "addresses", "customer_notes", "orders"} <= tables
    assert orders == [(1, "the host's row")]
    assert run("stats", url).code == 0


def test_init_db_in_a_missing_directory_cannot_reach_the_file(run: Run) -> None:
    """SQLite cannot create a file in a directory that does not exist: UNREACHABLE."""
    result = run("init-db", "sqlite:///no/such/dir/shop.db")
    assert_clean_failure(result, ExitCode.UNREACHABLE, "unable to open database file")


def test_a_file_that_is_not_a_database_is_a_storage_error(run: Run, tmp_path: Path) -> None:
    """A text file given as the SQLite database: a clean error, not a traceback."""
    (tmp_path / "notes.txt").write_text("not a database, just text " * 100)
    result = run("stats", f"sqlite:///{tmp_path / 'notes.txt'}")
    assert result.code in (ExitCode.STORAGE, ExitCode.UNREACHABLE), result.err
    assert_clean_failure(result, result.code)


def test_the_demo_on_a_url_tells_the_story_there_once(run: Run, tmp_path: Path) -> None:
    """demo --url fills that database; a second run refuses the now non-empty database."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = run("demo", "--url", url)
    assert first.code == 0, first.err
    assert f"customer_core demo, on {url}" in first.out
    again = run("demo", "--url", url)
    assert_clean_failure(again, ExitCode.USAGE, "needs an empty database")
