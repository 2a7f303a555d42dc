"""Anonymization on SQL: a constant number of statements per batch, and all or nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from host_shop import Shop, open_shop
from test_sql_queries import StatementCounter

from customer_core import DuplicateEmail
from customer_core.anonymization import anonymized_email

ADDRESS = {
    "type": "shipping",
    "full_name": "Someone",
    "phone": "+442079460958",
    "address_line1": "1 Road",
    "city": "London",
    "state": "London",
    "zip_code": "SW1",
    "country": "GB",
}


@pytest.fixture
def shop(fresh_database_url: str) -> Iterator[Shop]:
    """A core with the host's tables on a fresh database."""
    with open_shop(fresh_database_url) as opened:
        yield opened


def _people(shop: Shop, count: int) -> list[int]:
    """``count`` customers, each with an address, a note and a reset token."""
    core = shop[0]
    ids = []
    for i in range(count):
        person = core.customers.register(
            name=f"Person {i}", email=f"p{i}@example.com", password="p" * 12, phone="+14155550123"
        )
        core.addresses.add(person.id, **ADDRESS)
        core.customers.request_password_reset(person.email)
        ids.append(person.id)
    return ids


def _statements_per_batch(shop: Shop, batch_size: int) -> tuple[int, float]:
    core, _, engine, _ = shop
    counter = StatementCounter(engine)
    try:
        done = core.privacy.anonymize_many(None, batch_size=batch_size)
    finally:
        counter.close()
    batches = -(-done // batch_size)
    # One count first, and one read of ids that finds none at the end.
    return done, (len(counter.statements) - 2) / batches


def test_statements_per_batch_do_not_grow_with_the_batch(shop: Shop) -> None:
    """Set-based: the same statements for a batch of 5 as for a batch of 20 (no per-row SQL)."""
    _people(shop, 20)
    done, per_small_batch = _statements_per_batch(shop, 5)
    assert done == 20
    core = shop[0]
    for person_id in range(1, 21):
        core.addresses.add(person_id, **ADDRESS)  # something to anonymize again
    done, per_big_batch = _statements_per_batch(shop, 20)
    assert done == 20
    assert per_small_batch == per_big_batch
    # read ids, lock and look (1), tokens, addresses, notes, customers, events' data (5),
    # and the anonymized events (1)
    assert per_big_batch == 8


def test_a_failed_anonymization_changes_nothing(shop: Shop) -> None:
    """Another writer holds the anonymized e-mail: the call fails whole, with a library error."""
    core, _, engine, _ = shop
    ada, bob = _people(shop, 2)
    with engine.begin() as connection:
        connection.execute(
            sa.text("update customers set email = :email where id = :id"),
            {"email": anonymized_email(ada), "id": bob},
        )
    before = core.privacy.export(ada), core.privacy.export(bob)
    with pytest.raises(DuplicateEmail) as raised:
        core.privacy.anonymize(ada)
    assert (core.privacy.export(ada), core.privacy.export(bob)) == before
    assert raised.value.email == anonymized_email(ada)
    with pytest.raises(type(raised.value)):
        core.privacy.anonymize_many(None, batch_size=10)
    assert (core.privacy.export(ada), core.privacy.export(bob)) == before
