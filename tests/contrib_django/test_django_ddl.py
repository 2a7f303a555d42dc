"""The Django migration's DDL, per vendor, makes tables the SQLAlchemy adapter works on.

The Django tests run on SQLite and PostgreSQL; this runs the DDL of all three
vendors (MySQL's on MariaDB too) on a fresh database and drives the SQLAlchemy
adapter over it: customers, the timeline and outbox, reset tokens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore
from customer_core.contrib.django import _ddl
from customer_core.testing import FrozenClock
from customer_core.timeline import EventType

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"

VENDORS = [
    pytest.param("sqlite", marks=[pytest.mark.sqlite, pytest.mark.sql], id="sqlite"),
    pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.sql], id="postgres"),
    pytest.param("mariadb", marks=[pytest.mark.mariadb, pytest.mark.sql], id="mariadb"),
]
DDL = {"sqlite": _ddl._SQLITE, "postgres": _ddl._POSTGRESQL, "mariadb": _ddl._MYSQL}


@pytest.fixture(params=VENDORS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database holding the tables exactly as the Django migrations create them."""
    vendor: str = request.param
    if vendor == "sqlite":
        made = f"sqlite:///{tmp_path / 'django-ddl.db'}"
    else:
        server: Any = request.getfixturevalue(f"{vendor}_server")
        made = server.create_database("djddl")
    engine = sa.create_engine(made)
    try:
        with engine.begin() as connection:
            for statement in _ddl._statements(DDL[vendor], _ddl.TABLES):
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return made


def test_the_sqlalchemy_adapter_works_on_the_django_tables(url: str) -> None:
    """Register, change, reset a password and drain the outbox on the Django-made tables."""
    clock = FrozenClock()
    core = CustomerCore.from_url(url, users_table=None, clock=clock, password_hasher=CHEAP_HASHER)
    try:
        ada = core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
        clock.advance(5)
        core.acting_as(3).customers.change_email(ada.id, "ada@new.example.com")
        token = core.customers.request_password_reset("ada@new.example.com")
        assert token is not None
        core.customers.reset_password("ada@new.example.com", token, "a brand new secret")
        events = core.timeline.list(ada.id).items
        assert [(e.type, e.actor_id) for e in events] == [
            (EventType.PASSWORD_RESET, None),
            (EventType.PASSWORD_RESET_REQUESTED, None),
            (EventType.EMAIL_CHANGED, 3),
            (EventType.REGISTERED, None),
        ]
        clock.advance(60)
        claimed = core.timeline.claim(10)
        assert core.timeline.ack([e.id for e in claimed]) == 4
        # The outbox's writes leave each event's time alone (no implicit ON UPDATE).
        assert core.timeline.list(ada.id).items == events
    finally:
        core.storage.engine.dispose()  # type: ignore[attr-defined]
