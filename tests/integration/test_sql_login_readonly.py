"""A log-in on a database the library may read but not write (a read-only file or replica).

The re-hash after a correct log-in is an improvement, not a condition: when the
storage refuses the write, the customer is logged in, the old hash kept, and
the skip logged by customer id.
"""

from __future__ import annotations

import logging
from pathlib import Path

import bcrypt
import pytest

from customer_core import Argon2Hasher, CustomerCore

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]

SECRET = "Legacy-Secret-Passw0rd#"


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
