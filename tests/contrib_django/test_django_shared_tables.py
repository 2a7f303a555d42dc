"""The Django storage and the SQLAlchemy adapter share the timeline and reset-token tables.

A project moving from one adapter to the other (or running both: a Django admin
beside a SQLAlchemy worker) sees one timeline, one outbox and one set of
tokens: what one writes, the other reads, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from django.db import connections
from django_support import empty_tables

from customer_core import Argon2Hasher, CustomerCore
from customer_core.contrib.django import get_core
from customer_core.testing import FrozenClock
from customer_core.timeline import EventType

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new secret"


def sqlalchemy_url(alias: str) -> sa.URL:
    """The URL of the Django database ``alias`` for SQLAlchemy."""
    entry = connections[alias].settings_dict
    if connections[alias].vendor == "sqlite":
        return sa.URL.create("sqlite", database=entry["NAME"])
    return sa.URL.create(
        "postgresql+psycopg",
        username=entry["USER"] or None,
        password=entry["PASSWORD"] or None,
        host=None,
        port=int(entry["PORT"]) if entry["PORT"] else None,
        database=entry["NAME"],
        query={"host": entry["HOST"]} if entry["HOST"] else {},
    )


@pytest.fixture
def cores(django_alias: str) -> Iterator[tuple[CustomerCore, CustomerCore]]:
    """A Django core and a SQLAlchemy core on the same emptied database and clock."""
    empty_tables(django_alias)
    clock = FrozenClock()
    django_core = get_core(using=django_alias, clock=clock, password_hasher=CHEAP_HASHER)
    engine = sa.create_engine(sqlalchemy_url(django_alias))
    sql_core = CustomerCore.from_engine(
        engine, users_table=None, clock=clock, password_hasher=CHEAP_HASHER
    )
    try:
        yield django_core, sql_core
    finally:
        engine.dispose()


def test_a_token_issued_by_one_adapter_redeems_through_the_other(
    cores: tuple[CustomerCore, CustomerCore],
) -> None:
    """Either way round: the token row one adapter stores, the other finds and uses up."""
    django_core, sql_core = cores
    django_core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    sql_core.customers.register(name="Bob", email="bob@example.com", password=PASSWORD)
    for issuer, redeemer, email in (
        (django_core, sql_core, "ada@example.com"),
        (sql_core, django_core, "bob@example.com"),
    ):
        token = issuer.customers.request_password_reset(email)
        assert token is not None
        redeemer.customers.reset_password(email, token, NEW_PASSWORD)
        assert issuer.customers.authenticate(email, NEW_PASSWORD).email == email


def test_one_timeline_and_one_outbox(cores: tuple[CustomerCore, CustomerCore]) -> None:
    """Events written through either adapter list, claim and ack through the other."""
    django_core, sql_core = cores
    ada = django_core.customers.register(name="Ada", email="ada@example.com", password=PASSWORD)
    sql_core.acting_as(7).customers.change_email(ada.id, "ada@new.example.com")
    django_core.customers.block(ada.id)
    for core in cores:
        events = core.timeline.list(ada.id).items
        assert [(e.type, e.actor_id) for e in events] == [
            (EventType.BLOCKED, None),
            (EventType.EMAIL_CHANGED, 7),
            (EventType.REGISTERED, None),
        ]
        assert events[1].data == {
            "old_email": "ada@example.com",
            "new_email": "ada@new.example.com",
        }
    claimed = django_core.timeline.claim(2)
    assert [e.type for e in claimed] == [EventType.REGISTERED, EventType.EMAIL_CHANGED]
    assert [e.type for e in sql_core.timeline.claim(10)] == [EventType.BLOCKED]
    assert sql_core.timeline.ack([e.id for e in claimed]) == 2
    assert django_core.timeline.ack([e.id for e in claimed]) == 0
