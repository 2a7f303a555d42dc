"""Anonymization on SQL: a constant number of statements per batch, and all or nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from host_shop import Shop, open_shop
from test_sql_queries import StatementCounter

from customer_core import DuplicateEmail, anonymization
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
    for person_id in range(1, 21):
        # Something to anonymize again, written past the library (which refuses it).
        _plant(shop, f"again{person_id}@example.com", person_id)
    done, per_big_batch = _statements_per_batch(shop, 20)
    assert done == 20
    assert per_small_batch == per_big_batch
    # read ids, lock and look (1), tokens, addresses, notes, customers, events' data (5),
    # and the anonymized events (1)
    assert per_big_batch == 8


TOKEN = "0123456789abcdef01234567"


@pytest.fixture
def known_token(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every anonymization draws ``TOKEN``: the only way to know an anonymized e-mail ahead."""
    # The token is drawn by secrets.token_hex (nothing else of an anonymization uses it).
    monkeypatch.setattr(anonymization.secrets, "token_hex", lambda _: TOKEN)
    return TOKEN


def _plant(shop: Shop, email: str, customer_id: int) -> None:
    """Give ``customer_id`` the e-mail ``email`` past the library's rules (another writer)."""
    with shop[2].begin() as connection:
        connection.execute(
            sa.text("update customers set email = :email where id = :id"),
            {"email": email, "id": customer_id},
        )


def test_a_failed_anonymization_changes_nothing(shop: Shop, known_token: str) -> None:
    """Another writer holds the anonymized e-mail: the call fails whole, with a library error."""
    core = shop[0]
    ada, bob = _people(shop, 2)
    _plant(shop, anonymized_email(ada, known_token), bob)
    before = core.privacy.export(ada), core.privacy.export(bob)
    with pytest.raises(DuplicateEmail) as raised:
        core.privacy.anonymize(ada)
    assert (core.privacy.export(ada), core.privacy.export(bob)) == before
    assert raised.value.email == anonymized_email(ada, known_token)


def test_anonymize_many_goes_past_a_taken_email(
    shop: Shop, known_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One customer whose anonymized e-mail is taken costs the run only that customer:
    its batch is done again one by one, the customer logged by id and skipped."""
    core = shop[0]
    ada, bob, cy, dee = _people(shop, 4)
    _plant(shop, anonymized_email(ada, known_token), dee)
    kept = core.privacy.export(ada)
    with caplog.at_level("WARNING", logger="customer_core.privacy"):
        # ada, bob and cy in one batch: the batch fails on ada, then bob and cy go alone;
        # dee (in the next batch) frees the address too late for ada, as in any run.
        assert core.privacy.anonymize_many("id <= 3", batch_size=10) == 2
    assert core.privacy.export(ada) == kept
    for person in (bob, cy):
        assert anonymization.has_anonymized_email(person, core.customers.get(person).email)
    assert [r.getMessage() for r in caplog.records] == [
        f"customer {ada} not anonymized: its anonymized e-mail is taken by another row"
    ]


def test_an_export_is_one_snapshot(shop: Shop) -> None:
    """A change committed while an export runs (here: just before it reads the notes) is
    either wholly in the export or wholly out of it: the export holds the customer's lock,
    which every write of its data takes first, so the change waits for the export."""
    core, _, engine, _ = shop
    ada = core.customers.register(name="Ada", email="ada@example.com", password="p" * 12)
    writer: list[threading.Thread] = []

    def change() -> None:
        core.customers.update(ada.id, name="Ada Lovelace")
        core.notes.add(ada.id, author_id=1, text="added during the export")

    def before_notes(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if writer or "customer_notes" not in statement.lower():
            return
        # Another request's writes, on their own connection: given a second to commit.
        thread = threading.Thread(target=change)
        writer.append(thread)
        thread.start()
        thread.join(timeout=1)

    sa.event.listen(engine, "before_cursor_execute", before_notes)
    try:
        exported = core.privacy.export(ada.id)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_notes)
        for thread in writer:
            thread.join(timeout=30)
    assert writer, "the export read no notes"
    assert (exported["customer"]["name"], exported["notes"]) == ("Ada", [])
    after = core.privacy.export(ada.id)
    assert after["customer"]["name"] == "Ada Lovelace"
    assert [note["text"] for note in after["notes"]] == ["added during the export"]
