"""The contract of bulk import: existing customers with their hashes, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from customer_core.errors import ValidationError
from customer_core.testing._harness import Harness
from customer_core.testing.contract._authentication import argon2_hash, bcrypt_hash
from customer_core.testing.contract._support import customer, snapshot

__all__ = ["ImportContract"]

SECRET = "imported secret"
# Hashing is slow on purpose; every record may share one hash.
_HASH = bcrypt_hash(SECRET)


def _record(n: int, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": f"Imported {n}",
        "email": f"imported{n}@example.com",
        "password_hash": _HASH,
    }
    record.update(overrides)
    return record


class ImportContract:
    """``core.customers.import_many``."""

    def test_import_stores_every_record(self, harness: Harness) -> None:
        """All records are stored and the count of them is returned."""
        assert harness.core.customers.import_many([_record(n) for n in range(3)]) == 3
        for n in range(3):
            found = harness.core.customers.find_by_email(f"imported{n}@example.com")
            assert found is not None
            assert found.name == f"Imported {n}"

    def test_import_keeps_the_optional_fields(self, harness: Harness) -> None:
        """phone, avatar, is_blocked and created_at of a record are stored (normalised)."""
        created = datetime(2020, 5, 17, 8, 30, 15, tzinfo=UTC)
        harness.core.customers.import_many(
            [
                _record(
                    1,
                    email="Mixed.Case@Example.COM",
                    name="  Spaced  ",
                    phone="+44 20 7946 0958",
                    avatar="https://img.example.com/x.png",
                    is_blocked=True,
                    created_at=created,
                )
            ]
        )
        found = harness.core.customers.find_by_email("mixed.case@example.com")
        assert found is not None
        assert found.email == "mixed.case@example.com"
        assert found.name == "Spaced"
        assert found.phone == "+442079460958"
        assert found.avatar == "https://img.example.com/x.png"
        assert found.is_blocked is True
        assert found.created_at == created

    def test_imported_defaults(self, harness: Harness) -> None:
        """Without optional fields an import is unblocked, has no phone, and is created now."""
        harness.core.customers.import_many([_record(1)])
        found = harness.core.customers.find_by_email("imported1@example.com")
        assert found is not None
        assert (found.phone, found.avatar, found.is_blocked) == (None, None, False)
        assert found.created_at == harness.clock.now().replace(microsecond=0)

    def test_imported_hash_authenticates(self, harness: Harness) -> None:
        """An imported customer logs in with the password of its hash."""
        harness.core.customers.import_many([_record(1, password_hash=argon2_hash(SECRET))])
        assert (
            harness.core.customers.authenticate("imported1@example.com", SECRET).name
            == "Imported 1"
        )

    def test_import_of_nothing_returns_zero(self, harness: Harness) -> None:
        """Importing no records returns 0 and stores nothing."""
        assert harness.core.customers.import_many([]) == 0
        assert harness.core.customers.search().total == 0

    def test_import_across_batches(self, harness: Harness) -> None:
        """Records spread over several batches are all stored."""
        assert harness.core.customers.import_many([_record(n) for n in range(7)], batch_size=3) == 7
        assert harness.core.customers.search().total == 7

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("email", "not-an-email"),
            ("name", "   "),
            ("password_hash", "a plain password"),
            ("password_hash", ""),
            ("phone", "+44 1"),
            ("avatar", "ftp://x.example.com/a.png"),
            ("is_blocked", "yes"),
            ("created_at", "yesterday"),
        ],
    )
    def test_a_bad_record_imports_nothing(self, harness: Harness, field: str, value: Any) -> None:
        """One bad record makes the whole import a ValidationError naming ``<index>.<field>``."""
        customer(harness)
        before = snapshot(harness)
        records = [_record(n) for n in range(4)]
        records[2][field] = value
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(records)
        assert f"2.{field}" in caught.value.errors
        assert snapshot(harness) == before

    @pytest.mark.parametrize("field", ["name", "email", "password_hash"])
    def test_a_missing_required_field_is_named(self, harness: Harness, field: str) -> None:
        """A record without a required field is a ValidationError on ``<index>.<field>``."""
        records = [_record(n) for n in range(2)]
        del records[1][field]
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(records)
        assert f"1.{field}" in caught.value.errors
        assert harness.core.customers.search().total == 0

    def test_a_bad_record_in_a_later_batch_imports_nothing(self, harness: Harness) -> None:
        """All or nothing holds across batches: a bad last record stores no earlier batch."""
        records = [_record(n) for n in range(7)]
        records[6]["email"] = "broken"
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(records, batch_size=2)
        assert "6.email" in caught.value.errors
        assert harness.core.customers.search().total == 0

    def test_duplicates_among_records_are_bad(self, harness: Harness) -> None:
        """Two records with the same e-mail in different case make the import fail on e-mail."""
        records = [_record(0), _record(1), _record(2, email="IMPORTED0@example.com")]
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(records)
        assert {"0.email", "2.email"} & set(caught.value.errors)
        assert harness.core.customers.search().total == 0

    def test_duplicate_of_a_stored_customer_is_bad(self, harness: Harness) -> None:
        """A record whose e-mail a stored customer has (in any case) makes the import fail."""
        customer(harness, "taken")
        before = snapshot(harness)
        records = [_record(0), _record(1, email="TAKEN@example.com")]
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(records)
        assert "1.email" in caught.value.errors
        assert snapshot(harness) == before

    def test_a_plain_password_key_is_not_accepted(self, harness: Harness) -> None:
        """A record carrying ``password`` instead of ``password_hash`` is refused."""
        record = _record(0)
        del record["password_hash"]
        record["password"] = "plain text password"
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many([record])
        assert any(key.startswith("0.") for key in caught.value.errors)
        assert harness.core.customers.search().total == 0

    def test_a_generator_is_imported(self, harness: Harness) -> None:
        """Any iterable will do, a generator read once included."""
        records = (_record(n) for n in range(5))
        assert harness.core.customers.import_many(records, batch_size=2) == 5
        assert harness.core.customers.search().total == 5

    def test_an_error_after_inserted_batches_stores_nothing(self, harness: Harness) -> None:
        """Batches already inserted roll back when the last record of the stream is bad.

        With batches of 2 the stored e-mails are probed every 20 records, so 45
        records insert two windows before the bad one is read.
        """
        customer(harness)
        before = snapshot(harness)

        def records() -> Iterator[dict[str, Any]]:
            for n in range(44):
                yield _record(n)
            yield _record(44, email="broken")

        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(records(), batch_size=2)
        assert set(caught.value.errors) == {"44.email"}
        assert snapshot(harness) == before

    def test_every_bad_record_after_the_first_is_reported(self, harness: Harness) -> None:
        """Validation goes on after the first error: each bad record of the stream is named."""
        records = [_record(n) for n in range(30)]
        for n in (3, 17, 29):
            records[n]["name"] = " "
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(iter(records), batch_size=2)
        assert set(caught.value.errors) == {"3.name", "17.name", "29.name"}
        assert harness.core.customers.search().total == 0

    def test_duplicates_across_batches_are_bad(self, harness: Harness) -> None:
        """A record repeating an e-mail of a record several batches before it is named."""
        records = [_record(n) for n in range(40)]
        records[37]["email"] = "IMPORTED1@example.com"
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(iter(records), batch_size=2)
        assert caught.value.errors == {"37.email": "repeats the e-mail of record 1"}
        assert harness.core.customers.search().total == 0

    def test_duplicates_of_stored_customers_across_batches_are_bad(self, harness: Harness) -> None:
        """Stored e-mails are refused in every window of the stream, not only the first."""
        customer(harness, "taken")
        customer(harness, "held")
        before = snapshot(harness)
        records = [_record(n) for n in range(50)]
        records[1]["email"] = "Taken@example.com"
        records[48]["email"] = "HELD@example.com"
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(iter(records), batch_size=2)
        assert caught.value.errors == {
            "1.email": "is already taken",
            "48.email": "is already taken",
        }
        assert snapshot(harness) == before

    def test_duplicates_of_stored_customers_in_a_larger_table_are_bad(
        self, harness: Harness
    ) -> None:
        """Into a table of 2 500 imported customers (several of the storage's look-up
        chunks), records repeating the first, a middle and the last of them in another case
        are named, in whichever window they come; nothing more is stored."""
        stored = [_record(n, email=f"stored{n}@example.com") for n in range(2500)]
        assert harness.core.customers.import_many(stored) == 2500
        before = harness.core.customers.count()
        records = [_record(n) for n in range(60)]
        records[0]["email"] = "STORED0@example.com"
        records[31]["email"] = "Stored1250@Example.com"
        records[59]["email"] = "stored2499@EXAMPLE.COM"
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.import_many(iter(records), batch_size=3)
        assert caught.value.errors == {
            "0.email": "is already taken",
            "31.email": "is already taken",
            "59.email": "is already taken",
        }
        assert harness.core.customers.count() == before
        # The same records without the repeats all go in, after the stored ones.
        for index in (0, 31, 59):
            records[index]["email"] = f"fresh{index}@example.com"
        assert harness.core.customers.import_many(records, batch_size=3) == 60
        assert harness.core.customers.count() == before + 60
