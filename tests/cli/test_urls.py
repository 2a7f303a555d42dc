"""Database URLs in messages: the password masked whatever the URL, a bad URL exit 3 in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Run, assert_clean_failure

from customer_core.cli import ExitCode, main
from customer_core.cli._masking import masked, shown

SECRET = "s3cret"

#: Each way a URL can be bad, with the fragment its one line names.
BAD_URLS = [
    pytest.param(f"foo://admin:{SECRET}@db.example/shop", "dialects:foo", id="unknown-scheme"),
    pytest.param(f"nosuchdb+drv://admin:{SECRET}@db/shop", "nosuchdb", id="unknown-dialect"),
    pytest.param(
        f"postgresql+psycopg://admin:{SECRET}@db:5432x/shop", "not a number", id="port-text"
    ),
    pytest.param(
        f"postgresql+psycopg://admin:{SECRET}@db:99999/shop", "between 1 and 65535", id="port-big"
    ),
    pytest.param(f"admin:{SECRET}@db/shop", "Could not parse", id="no-scheme"),
    pytest.param(f"::garbage:{SECRET}@@", "Could not parse", id="garbage"),
    pytest.param("not a url", "Could not parse", id="words"),
]


def _argv(command: str, url: str, tmp_path: Path) -> list[str]:
    csv = tmp_path / "c.csv"
    csv.write_text("name,email,password_hash\n", encoding="utf-8")
    return {
        "stats": ["stats", url],
        "init-db": ["init-db", url],
        "recalculate-ltv": ["recalculate-ltv", url, "--orders-table", "orders"],
        "import": ["import", url, str(csv)],
        "demo": ["demo", "--url", url],
    }[command]


@pytest.mark.sql
@pytest.mark.parametrize(("url", "fragment"), BAD_URLS)
@pytest.mark.parametrize("command", ["stats", "init-db", "recalculate-ltv", "import", "demo"])
def test_a_bad_url_is_one_line_with_code_3_and_no_password(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, url: str, fragment: str
) -> None:
    """Every command refuses every bad URL with BAD_URL and one line that hides the password."""
    pytest.importorskip("sqlalchemy")
    assert main(_argv(command, url, tmp_path)) == ExitCode.BAD_URL
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert err.startswith("customer-core: error: bad database URL"), err
    assert err.count("\n") == 1, err
    assert fragment in err


@pytest.mark.sql
def test_a_bad_port_is_no_traceback(run: Run) -> None:
    """The same in a real process: exit 3, one line, no traceback (0.1 printed one)."""
    result = run("stats", f"postgresql+psycopg://admin:{SECRET}@db:port/shop")
    assert_clean_failure(result, ExitCode.BAD_URL, "the port is not a number")
    assert SECRET not in result.err
    assert result.err.count("\n") == 1


def test_a_url_in_the_wrong_place_is_masked_in_the_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """argparse quotes an unknown command back: a URL typed there has its password hidden."""
    assert main([f"foo://admin:{SECRET}@db/shop"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "invalid choice" in err
    assert SECRET not in err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"foo://u:{SECRET}@h/db", "foo://u:***@h/db"),
        (f"mysql+pymysql://u:p@ss:{SECRET}@h:3306/db", "mysql+pymysql://u:***@h:3306/db"),
        (f"u:{SECRET}@h/db", "u:***@h/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite:///dir@x/shop.db", "sqlite:///dir@x/shop.db"),
        ("not a url", "not a url"),
    ],
)
def test_shown_masks_without_parsing(url: str, expected: str) -> None:
    """The masking is textual: no SQLAlchemy, any scheme, unparsable text."""
    assert shown(url) == expected


def test_masked_hides_the_password_as_typed_and_decoded() -> None:
    """A driver message may carry the decoded password, another URL the encoded one."""
    url = "postgresql://u:s%40cret@h/db"
    text = masked("failed for s@cret (s%40cret) at redis://x:other@r/0", url)
    assert "s@cret" not in text
    assert "s%40cret" not in text
    assert "other" not in text


def test_a_bug_prints_its_traceback_with_the_password_masked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error is exit 1 with its traceback, and the traceback masks the URL too."""
    import customer_core.cli._parser as parser

    url = f"postgresql+psycopg://admin:{SECRET}@db/shop"

    def broken(args: object) -> int:
        raise RuntimeError(f"a bug while talking to {url} (password {SECRET})")

    monkeypatch.setattr(parser, "stats", broken)
    assert main(["stats", url]) == ExitCode.FAILURE
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "RuntimeError: a bug while talking to postgresql+psycopg://admin:***@db/shop" in err
    assert SECRET not in err
