"""An import raced by a registration: the record is named, as for an e-mail stored before
(review finding 5). The race needs two writers at once: SQLite serialises them
(``BEGIN IMMEDIATE``), so it runs on PostgreSQL and MariaDB."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from host_shop import CHEAP

from customer_core import CustomerCore, ValidationError
from customer_core.adapters.sqlalchemy import engine_from_url

SERVERS = [
    pytest.param(name, marks=[getattr(pytest.mark, name), pytest.mark.sql], id=name)
    for name in ("postgres", "mariadb")
]


@pytest.fixture
def core(request: pytest.FixtureRequest, backend: str) -> Iterator[CustomerCore[Any]]:
    """A core with the library's tables on a fresh database."""
    url = request.getfixturevalue(f"{backend}_server").create_database("race")
    engine = engine_from_url(url)
    made = CustomerCore.from_engine(engine, password_hasher=CHEAP)
    made.create_schema()
    yield made
    engine.dispose()


@pytest.mark.parametrize("backend", SERVERS, indirect=True)
def test_an_import_raced_by_a_registration_names_the_record(core: CustomerCore[Any]) -> None:
    """Right after the import's probe, another connection registers one of its e-mails: the
    import is refused naming ``"7.email"``, and nothing of it is stored."""
    good = CHEAP.hash("secret password")
    records = [
        {"name": "b", "email": f"b{i}@example.com", "password_hash": good} for i in range(10)
    ]
    engine: sa.Engine = core.storage.engine  # type: ignore[attr-defined]
    armed = [True]

    def register_meanwhile(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if (
            armed[0]
            and "customers" in statement
            and statement.lstrip().upper().startswith("SELECT")
        ):
            armed[0] = False
            racer = threading.Thread(
                target=core.customers.register,
                kwargs={"name": "W", "email": "b7@example.com", "password": "pw pw pw pw"},
            )
            racer.start()
            racer.join()

    sa.event.listen(engine, "after_cursor_execute", register_meanwhile)
    try:
        with pytest.raises(ValidationError) as caught:
            core.customers.import_many(records)
    finally:
        sa.event.remove(engine, "after_cursor_execute", register_meanwhile)
    assert not armed[0], "the registration did not run"
    assert caught.value.errors == {"7.email": "is already taken"}
    assert core.customers.search().total == 1
