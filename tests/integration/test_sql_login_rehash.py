"""The re-hash after a log-in on real databases: read-only files, and a host changing the hash.

The re-hash after a correct log-in is an improvement, not a condition: when the
storage refuses the write, the customer is logged in, the old hash kept, and
the skip logged by customer id. And it is a compare-and-set under the row lock:
a password the host changes while the log-in is under way stays changed.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import bcrypt
import pytest
import sqlalchemy as sa
from host_shop import CHEAP, open_shop

from customer_core import Argon2Hasher, CustomerCore, InvalidCredentials
from sql_fixtures import BACKEND_PARAMS

pytestmark = pytest.mark.sql

SECRET = "Legacy-Secret-Passw0rd#"


@pytest.mark.sqlite
def test_correct_log_in_on_a_read_only_sqlite_file_succeeds_without_rehash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bcrypt hash on a read-only SQLite file: the log-in works, the re-hash is skipped."""
    path = tmp_path / "replica.db"
    legacy = "$2y$" + bcrypt.hashpw(SECRET.encode(), bcrypt.gensalt(4)).decode("ascii")[4:]
    cheap = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    writer = CustomerCore.from_url(f"sqlite:///{path}", password_hasher=cheap)
    writer.create_schema()
    writer.customers.import_many(
        [{"name": "Legacy", "email": "legacy@example.com", "password_hash": legacy}]
    )
    writer.storage.engine.dispose()  # type: ignore[attr-defined]
    path.chmod(0o444)  # root ignores it: mode=ro below is what the test relies on

    reader = CustomerCore.from_url(f"sqlite:///file:{path}?mode=ro&uri=true", password_hasher=cheap)
    try:
        with caplog.at_level(logging.DEBUG):
            found = reader.customers.authenticate("legacy@example.com", SECRET)
        assert found.email == "legacy@example.com"
        with reader.storage.transaction() as tx:
            credentials = tx.customers.find_credentials("legacy@example.com")
        assert credentials is not None
        assert credentials.password_hash == legacy
        skips = [r.getMessage() for r in caplog.records if "re-hash" in r.getMessage()]
        assert len(skips) == 1, skips
        assert f"customer {found.id}" in skips[0]
        logged = " ".join(r.getMessage() for r in caplog.records)
        assert SECRET not in logged
        assert legacy[7:] not in logged
    finally:
        reader.storage.engine.dispose()  # type: ignore[attr-defined]


def _legacy(password: str) -> str:
    return "$2b$" + bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode("ascii")[4:]


def _waiting_for_a_row_lock(engine: sa.Engine) -> bool:
    """True when another session waits in a ``... FOR UPDATE`` (PostgreSQL or MariaDB/MySQL)."""
    if engine.dialect.name == "postgresql":
        query = sa.text("select count(*) from pg_locks where not granted")
    else:
        # A MariaDB primary-key read waits for its row lock while the optimizer
        # reads the row ("Statistics"), before innodb_trx lists it as LOCK WAIT.
        query = sa.text(
            "select count(*) from information_schema.processlist"
            " where info like :pattern and id <> connection_id()"
        ).bindparams(pattern="%FOR UPDATE")
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one()) > 0


@pytest.mark.parametrize(
    "backend", [param for param in BACKEND_PARAMS if param.id != "sqlite"], indirect=True
)  # SQLite has one writer at a time: the host's open write would block the log-in's read
def test_host_changing_the_hash_during_a_log_in_wins_over_the_rehash(
    fresh_database_url: str, backend: str
) -> None:
    """A log-in verifies the old hash, then waits on the row the host is changing.

    The host (say, a Laravel app) locks the customer and writes a new hash;
    the log-in, which checked the old password before, waits for that row
    lock to re-hash. When the host commits, the re-hash finds another hash
    than the one it verified and writes nothing: the new password stays.
    """
    with open_shop(fresh_database_url) as (core, _, engine, _):
        core.customers.import_many(
            [{"name": "L", "email": "legacy@example.com", "password_hash": _legacy("old secret")}]
        )
        legacy = core.customers.find_by_email("legacy@example.com")
        assert legacy is not None
        customers = sa.table("customers", sa.column("id"), sa.column("password"))
        outcome: list[object] = []
        with engine.connect() as host:
            host.execute(
                sa.select(customers.c.id).where(customers.c.id == legacy.id).with_for_update()
            )
            host.execute(
                customers.update()
                .where(customers.c.id == legacy.id)
                .values(password=CHEAP.hash("new secret"))
            )

            def log_in() -> None:
                try:
                    outcome.append(core.customers.authenticate(legacy.email, "old secret"))
                except Exception as error:  # reported by the assertion below
                    outcome.append(error)

            thread = threading.Thread(target=log_in)
            thread.start()
            deadline = time.monotonic() + 30
            while not _waiting_for_a_row_lock(engine) and thread.is_alive():
                assert time.monotonic() < deadline, "the log-in never waited for the row"
                time.sleep(0.02)
            assert thread.is_alive(), outcome  # it got past the check and waits to re-hash
            host.commit()
        thread.join(timeout=60)
        assert [type(item).__name__ for item in outcome] == ["Customer"]
        assert core.customers.authenticate(legacy.email, "new secret").id == legacy.id
        with pytest.raises(InvalidCredentials):
            core.customers.authenticate(legacy.email, "old secret")
