"""The demo tells its whole story, in memory and on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from customer_core.demo import MEMORY, run


def story(url: str) -> str:
    lines: list[str] = []
    run(url, say=lines.append)
    return "\n".join(lines)


def check(text: str) -> None:
    assert "e-mails are unique in any case" in text
    assert "Ada Lovelace: lifetime value 200.00, 2 delivered orders, a repeat customer" in text
    assert "Grace Hopper: lifetime value 42.00, 1 delivered order, not yet a repeat" in text
    assert "Grace is blocked" in text
    assert "Blocked customers: 1" in text


def test_the_demo_runs_in_memory() -> None:
    """The in-memory story reaches its end with the expected LTVs."""
    text = story(MEMORY)
    assert "the in-memory adapter" in text
    check(text)


@pytest.mark.sql
@pytest.mark.sqlite
def test_the_demo_runs_on_a_sqlite_file(tmp_path: Path) -> None:
    """The same story on a SQLite file gives the same figures."""
    pytest.importorskip("sqlalchemy")
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    text = story(url)
    assert url in text
    check(text)
    assert (tmp_path / "shop.db").exists()
