"""``import_many``'s answers that no storage decides: repeats, taken e-mails, odd times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from customer_core import CustomerCore, ValidationError
from customer_core.passwords import Argon2Hasher
from customer_core.testing import FrozenClock

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
HASH = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
CHEAP = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)


def _core() -> CustomerCore:
    return CustomerCore.in_memory(clock=FrozenClock(NOW), password_hasher=CHEAP)


def _errors(core: CustomerCore, records: list[dict[str, object]]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many(records)
    return caught.value.errors


def test_repeats_and_taken_emails_are_reported() -> None:
    """Without field errors, repeats (ignoring case) and taken e-mails are reported together."""
    core = _core()
    core.customers.import_many([{"name": "T", "email": "TAKEN@example.com", "password_hash": HASH}])
    records: list[dict[str, object]] = [
        {"name": "A", "email": "a@example.com", "password_hash": HASH},
        {"name": "B", "email": "A@EXAMPLE.COM", "password_hash": HASH},
        {"name": "C", "email": "taken@example.com", "password_hash": HASH},
    ]
    assert _errors(core, records) == {
        "1.email": "repeats the e-mail of record 0",
        "2.email": "is already taken",
    }
    assert _errors(core, records[::2]) == {"1.email": "is already taken"}
    assert core.customers.search().total == 1


def test_an_out_of_range_time_is_a_validation_error() -> None:
    """A time that is before the year 1 (or after 9999) in UTC is refused, not an OverflowError."""
    records: list[dict[str, object]] = [
        {"name": "A", "email": "a@example.com", "password_hash": HASH, "created_at": value}
        for value in (
            "0001-01-01T00:00:00+01:00",
            datetime.max.replace(tzinfo=ZoneInfo("Etc/GMT+1")),
        )
    ]
    assert _errors(_core(), records) == {
        "0.created_at": "must be between the years 1 and 9999 in UTC",
        "1.created_at": "must be between the years 1 and 9999 in UTC",
    }
