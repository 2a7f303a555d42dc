"""Password-reset tokens shared with real Laravel (issue 11, item 5).

Debian's ``php-laravel-framework`` (8.83) runs ``laravel_reset.php``: Laravel's own
``DatabaseTokenRepository`` with its ``BcryptHasher``, on the same database and
table as the library (SQLite, PostgreSQL and MariaDB, the suite's throwaway
servers on Unix sockets). A token Laravel issues is redeemed by the library, and
one the library issues (with the bcrypt hasher) passes Laravel's check. Without
PHP these tests skip, or fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from customer_core import BcryptHasher, CustomerCore, InvalidCredentials, InvalidResetToken
from customer_core.adapters.sqlalchemy import engine_from_url

SCRIPT = Path(__file__).with_name("laravel_reset.php")
LARAVEL_AUTOLOAD = Path("/usr/share/php/Illuminate/autoload.php")
TABLE = "customer_password_reset_tokens"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new secret"


@pytest.fixture(scope="module")
def php() -> str:
    """The PHP binary, when Laravel is installed; skip (fail under CI=true) otherwise."""
    binary = shutil.which("php")
    if binary is None or not LARAVEL_AUTOLOAD.exists():
        reason = "PHP and Debian's php-laravel-framework are not installed (./dev setup)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    return binary


def laravel_connection(url: str) -> dict[str, Any]:
    """Laravel's connection config for the database at SQLAlchemy ``url``."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"driver": "sqlite", "database": parsed.database, "prefix": ""}
    if parsed.get_backend_name() == "postgresql":
        return {
            "driver": "pgsql",
            "host": parsed.query["host"],  # the socket's directory
            "port": parsed.port or 5432,
            "database": parsed.database,
            "username": parsed.username,
            "password": parsed.password or "",
        }
    return {
        "driver": "mysql",
        "unix_socket": parsed.query["unix_socket"],
        "database": parsed.database,
        "username": parsed.username,
        "password": parsed.password or "",
        "charset": "utf8mb4",
        "collation": "utf8mb4_unicode_ci",
    }


class Laravel:
    """Laravel's ``DatabaseTokenRepository`` on one database, through ``laravel_reset.php``."""

    def __init__(self, php: str, url: str) -> None:
        self._php = php
        self._config = json.dumps(
            {"connection": laravel_connection(url), "table": TABLE, "expires": 60}
        )

    def _run(self, *arguments: str) -> str:
        done = subprocess.run(
            [self._php, str(SCRIPT), self._config, *arguments],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def create(self, email: str) -> str:
        """A new token Laravel issued (and stored hashed) for ``email``."""
        return self._run("create", email)

    def exists(self, email: str, token: str) -> bool:
        """Laravel's check of ``token`` for ``email``."""
        return self._run("exists", email, token) == "1"


@pytest.fixture
def core(fresh_database_url: str) -> Iterator[CustomerCore]:
    """A core with the bcrypt hasher (cheap rounds) on a new database with its schema."""
    engine = engine_from_url(fresh_database_url)
    core = CustomerCore.from_engine(engine, password_hasher=BcryptHasher(rounds=4))
    core.create_schema()
    core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    yield core
    engine.dispose()


@pytest.fixture
def laravel(php: str, fresh_database_url: str, core: CustomerCore) -> Laravel:
    """Laravel on the same database as ``core``."""
    return Laravel(php, fresh_database_url)


def test_a_token_laravel_issued_is_redeemed_by_the_library(
    core: CustomerCore, laravel: Laravel
) -> None:
    """Laravel's token sets the password through the library, once."""
    token = laravel.create("ada@example.com")
    assert laravel.exists("ada@example.com", token)
    core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)
    assert core.customers.authenticate("ada@example.com", NEW_PASSWORD)
    with pytest.raises(InvalidCredentials):
        core.customers.authenticate("ada@example.com", PASSWORD)
    with pytest.raises(InvalidResetToken):
        core.customers.reset_password("ada@example.com", token, "yet another secret")
    assert not laravel.exists("ada@example.com", token)


def test_a_wrong_token_laravel_did_not_issue_is_refused(
    core: CustomerCore, laravel: Laravel
) -> None:
    """The library checks Laravel's stored hash: a token off by one character fails."""
    token = laravel.create("ada@example.com")
    wrong = token[:-1] + ("0" if token[-1] != "0" else "1")
    with pytest.raises(InvalidResetToken):
        core.customers.reset_password("ada@example.com", wrong, NEW_PASSWORD)
    assert core.customers.authenticate("ada@example.com", PASSWORD)


def test_a_token_the_library_issued_passes_laravels_check(
    core: CustomerCore, laravel: Laravel
) -> None:
    """With the bcrypt hasher the library's token is one Laravel accepts, until it is used."""
    token = core.customers.request_password_reset("ada@example.com")
    assert token is not None
    assert laravel.exists("ada@example.com", token)
    assert not laravel.exists("ada@example.com", token + "x")
    core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)
    assert not laravel.exists("ada@example.com", token)


def test_a_new_laravel_token_replaces_the_librarys(core: CustomerCore, laravel: Laravel) -> None:
    """Either side's new token replaces the other's: one token per e-mail."""
    ours = core.customers.request_password_reset("ada@example.com")
    assert ours is not None
    theirs = laravel.create("ada@example.com")
    assert not laravel.exists("ada@example.com", ours)
    with pytest.raises(InvalidResetToken):
        core.customers.reset_password("ada@example.com", ours, NEW_PASSWORD)
    core.customers.reset_password("ada@example.com", theirs, NEW_PASSWORD)
