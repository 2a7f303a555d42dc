"""`customer-core import URL FILE.csv`: all rows or none, every bad row reported by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Run, Shop, assert_clean_failure, cli_command, cli_environment

from customer_core.cli import ExitCode

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]

HEADER = "name,email,password_hash,phone,avatar,is_blocked,created_at\n"


@pytest.fixture
def quoted_hash(password_hash: str) -> str:
    """The shared hash as a CSV cell: quoted, since Argon2 hashes hold commas."""
    return f'"{password_hash}"'


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_imports_every_row(run: Run, shop: Shop, tmp_path: Path, quoted_hash: str) -> None:
    """Good rows land with their hash, flags and timestamps; optional empty cells are defaults."""
    csv = write(
        tmp_path / "customers.csv",
        HEADER
        + f"Ada Lovelace,Ada@Example.com,{quoted_hash},+442079460958,,0,2020-05-01T10:00:00\n"
        + f'"Hopper, Grace",grace@example.com,{quoted_hash},,https://x.io/g.png,yes,\n',
    )
    result = run("import", shop.url, str(csv))
    assert result.code == 0, result.err
    assert "imported 2 customers" in result.out
    core = shop.core()
    ada = core.customers.authenticate("ada@example.com", "correct horse")
    assert ada.phone == "+442079460958"
    assert ada.created_at is not None
    assert ada.created_at.year == 2020
    grace = core.customers.find_by_email("grace@example.com")
    assert grace is not None
    assert grace.name == "Hopper, Grace"
    assert grace.is_blocked


def test_reports_every_bad_row_by_line_and_imports_nothing(
    run: Run, shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """Each bad row is named by its CSV line and field; the good rows are not written either."""
    csv = write(
        tmp_path / "customers.csv",
        "name,email,password_hash,is_blocked\n"
        f"Good,good@example.com,{quoted_hash},0\n"
        f"Bad email,not-an-email,{quoted_hash},0\n"
        "Plain password,plain@example.com,hunter22,0\n"
        f"Good too,good2@example.com,{quoted_hash},maybe\n",
    )
    result = run("import", shop.url, str(csv))
    assert_clean_failure(result, ExitCode.INVALID_DATA, "nothing was imported", "3 bad rows")
    assert "line 3: email:" in result.err
    assert "line 4: password_hash:" in result.err
    assert "line 5: is_blocked:" in result.err
    assert "line 2" not in result.err
    assert shop.core().customers.search().total == 0


def test_a_repeated_email_names_the_first_line(
    run: Run, shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """Two rows with one e-mail (in any case): the second is reported with the first's line."""
    csv = write(
        tmp_path / "customers.csv",
        f"name,email,password_hash\nA,a@example.com,{quoted_hash}\n"
        f"B,b@example.com,{quoted_hash}\nA again,A@EXAMPLE.com,{quoted_hash}\n",
    )
    result = run("import", shop.url, str(csv))
    assert_clean_failure(
        result, ExitCode.INVALID_DATA, "line 4: email: repeats the e-mail of line 2"
    )


def test_an_email_already_in_the_database_is_reported_by_line(
    run: Run, shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """An e-mail a stored customer has: the library's record index becomes the CSV line."""
    shop.customers(1)  # c0@example.com
    csv = write(
        tmp_path / "customers.csv",
        f"name,email,password_hash\nNew,new@example.com,{quoted_hash}\n"
        f"Clash,C0@example.com,{quoted_hash}\n",
    )
    result = run("import", shop.url, str(csv))
    assert_clean_failure(result, ExitCode.INVALID_DATA, "line 3: email: is already taken")
    assert shop.core().customers.search().total == 1


def test_a_byte_order_mark_and_quoted_newlines_are_fine(
    run: Run, shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """Spreadsheet exports (UTF-8 with BOM) import; a quoted cell may span lines."""
    csv = write(
        tmp_path / "customers.csv",
        f'name,email,password_hash\n"Zoë\nSmith",zoe@example.com,{quoted_hash}\n'
        f"\nBad,bad,{quoted_hash}\n",
        encoding="utf-8-sig",
    )
    result = run("import", shop.url, str(csv))
    # The first row spans lines 2-3 (a name may not hold a line break), line 4 is
    # blank: the second bad row starts on line 5.
    assert_clean_failure(
        result, ExitCode.INVALID_DATA, "2 bad rows", "line 2: name:", "line 5: email:"
    )
    fixed = write(
        tmp_path / "fixed.csv",
        f'name,email,password_hash\n"Zoë\u00a0Smith",zoe@example.com,{quoted_hash}\n',
        encoding="utf-8-sig",
    )
    assert run("import", shop.url, str(fixed)).code == 0


def test_national_phone_numbers_need_a_default_region(
    run: Run, shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """Without --default-region a national number is refused; with it, stored as E.164."""
    csv = write(
        tmp_path / "customers.csv",
        f"name,email,password_hash,phone\nAda,ada@example.com,{quoted_hash},020 7946 0958\n",
    )
    refused = run("import", shop.url, str(csv))
    assert_clean_failure(refused, ExitCode.INVALID_DATA, "line 2: phone:")
    accepted = run("import", shop.url, str(csv), "--default-region", "GB")
    assert accepted.code == 0, accepted.err
    ada = shop.core().customers.find_by_email("ada@example.com")
    assert ada is not None
    assert ada.phone == "+442079460958"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "is empty"),
        ("name,email\nA,a@example.com\n", "missing column(s) password_hash"),
        ("name,email,password\nA,a@example.com,x\n", "import takes password_hash"),
        ("name,email,password_hash,email\n", "repeated column(s) email"),
        ("name,email,password_hash\nA,a@example.com,$argon2id$x,surplus\n", "line 2: more cells"),
    ],
)
def test_a_malformed_file_is_refused_before_the_database(
    run: Run, shop: Shop, tmp_path: Path, content: str, fragment: str
) -> None:
    """A wrong header or row shape is a BAD_FILE error naming the problem."""
    csv = write(tmp_path / "bad.csv", content)
    assert_clean_failure(run("import", shop.url, str(csv)), ExitCode.BAD_FILE, fragment)


def test_a_file_that_is_not_utf8_is_refused(run: Run, shop: Shop, tmp_path: Path) -> None:
    """Latin-1 bytes are a BAD_FILE error, not a UnicodeDecodeError traceback."""
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,email,password_hash\nZo\xeb,z@example.com,x\n".encode("latin-1"))
    assert_clean_failure(run("import", shop.url, str(path)), ExitCode.BAD_FILE, "not UTF-8")


def test_importing_before_init_db_says_so(run: Run, tmp_path: Path, quoted_hash: str) -> None:
    """A database without the customers table: NO_SCHEMA, pointing at init-db."""
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()
    csv = write(tmp_path / "c.csv", f"name,email,password_hash\nA,a@example.com,{quoted_hash}\n")
    result = run("import", f"sqlite:///{tmp_path / 'empty.db'}", str(csv))
    assert_clean_failure(result, ExitCode.NO_SCHEMA, "no customers table", "init-db")


def _rows(count: int, quoted_hash: str, start: int = 0) -> str:
    return "".join(
        f"Customer {n},c{n}@example.com,{quoted_hash}\n" for n in range(start, start + count)
    )


def test_a_bad_last_row_after_inserted_batches_imports_nothing(
    run: Run, shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """Small batches are written as the file is read; a bad last row still rolls them back."""
    csv = write(
        tmp_path / "customers.csv",
        "name,email,password_hash\n" + _rows(60, quoted_hash) + f"Last,broken,{quoted_hash}\n",
    )
    result = run("import", shop.url, str(csv), "--batch-size", "2")
    assert_clean_failure(result, ExitCode.INVALID_DATA, "1 bad row", "line 62: email:")
    assert shop.core().customers.search().total == 0


def test_every_bad_row_is_reported_across_batches_with_its_line(
    run: Run, shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """Repeats far apart, a stored e-mail late in the file and rows after a quoted line break
    are all named by the line they start on."""
    shop.customers(1)  # c0@example.com
    csv = write(
        tmp_path / "customers.csv",
        "name,email,password_hash\n"
        + f'"Multi\nLine",multi@example.com,{quoted_hash}\n'  # lines 2-3
        + f"First,first@example.com,{quoted_hash}\n"  # line 4
        + _rows(40, quoted_hash, start=1)  # lines 5-44
        + f"Again,FIRST@example.com,{quoted_hash}\n"  # line 45
        + "\n"  # line 46
        + f"Stored,C0@example.com,{quoted_hash}\n",  # line 47
    )
    result = run("import", shop.url, str(csv), "--batch-size", "2")
    assert_clean_failure(
        result,
        ExitCode.INVALID_DATA,
        "3 bad rows",
        "line 2: name:",
        "line 45: email: repeats the e-mail of line 4",
        "line 47: email: is already taken",
    )
    assert shop.core().customers.search().total == 1


def test_a_malformed_row_late_in_the_file_imports_nothing(
    run: Run, shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """A row the reader refuses after batches went in: BAD_FILE, and nothing is kept."""
    csv = write(
        tmp_path / "customers.csv",
        "name,email,password_hash\n" + _rows(50, quoted_hash) + "A,a@example.com,x,surplus\n",
    )
    result = run("import", shop.url, str(csv), "--batch-size", "2")
    assert_clean_failure(result, ExitCode.BAD_FILE, "line 52: more cells")
    assert shop.core().customers.search().total == 0


def test_the_import_starts_before_the_file_ends(
    shop: Shop, tmp_path: Path, quoted_hash: str
) -> None:
    """The file is streamed: fed through a pipe, the import holds its transaction (SQLite's
    write lock) while the rest of the file has not been written yet, and finishes once it is."""
    import os
    import subprocess
    import time

    fifo = tmp_path / "customers.csv"
    os.mkfifo(fifo)
    child = subprocess.Popen(
        cli_command("import", shop.url, str(fifo), "--batch-size", "2"),
        cwd=tmp_path,
        env=cli_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    database = shop.url.removeprefix("sqlite:///")
    try:
        with fifo.open("w", encoding="utf-8") as feed:
            feed.write("name,email,password_hash\n" + _rows(30, quoted_hash))
            feed.flush()
            assert _write_lock_taken(database, deadline=time.monotonic() + 60)
            feed.write(_rows(30, quoted_hash, start=30))
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == 0, err
    assert "imported 60 customers" in out
    assert shop.core().customers.search().total == 60


def _write_lock_taken(database: str, *, deadline: float) -> bool:
    """True once another writer holds the SQLite file (tried without waiting)."""
    import sqlite3
    import time

    while time.monotonic() < deadline:
        connection = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            connection.execute("begin immediate")
            connection.execute("rollback")
        except sqlite3.OperationalError:
            return True
        finally:
            connection.close()
        time.sleep(0.05)
    return False
