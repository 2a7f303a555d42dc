"""Fixtures of the CLI tests: run ``customer-core`` as an operator does, on real database files."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import CHEAP_HASHER, Run, Shop, make_shop, runner


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run ``customer-core ARGS`` in the test's directory."""
    return runner(tmp_path)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One cheap Argon2id hash (of ``"correct horse"``) that every seeded customer shares."""
    return CHEAP_HASHER.hash("correct horse")


@pytest.fixture
def shop(tmp_path: Path, password_hash: str) -> Shop:
    """A fresh SQLite shop database in the test's directory (needs SQLAlchemy)."""
    return make_shop(f"sqlite:///{tmp_path / 'shop.db'}", password_hash)
