"""A password, and its hash, never leave the library.

Neither shows in a domain object, a repr, an error's text (with its chained
causes), the serialized output, nor a log record.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator

import attrs
import bcrypt
import pytest

from customer_core import (
    Argon2Hasher,
    CustomerCore,
    CustomerCoreError,
    DuplicateEmail,
    InvalidCredentials,
    ValidationError,
    serialization,
)
from customer_core.testing import FrozenClock

SECRET = "Sup3r-Secret-Passw0rd!"
OTHER_SECRET = "An0ther-Secret-Passw0rd?"
LEGACY_SECRET = "Legacy-Secret-Passw0rd#"


@pytest.fixture
def core() -> CustomerCore:
    return CustomerCore.in_memory(
        clock=FrozenClock(), password_hasher=Argon2Hasher(time_cost=1, memory_cost=1024)
    )


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every log record of every logger, at every level."""
    with caplog.at_level(logging.DEBUG):
        yield caplog


def stored_hash(core: CustomerCore, email: str) -> str:
    """The stored hash, read through the storage port."""
    with core.storage.transaction() as tx:
        credentials = tx.customers.find_credentials(email)
    assert credentials is not None
    return credentials.password_hash


def error_text(error: BaseException) -> str:
    """Everything an error shows: str, repr, its errors dict and the whole formatted chain."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    parts.append(repr(getattr(error, "errors", None)))
    return "\n".join(parts)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        lines.append(repr(record.__dict__))
    return "\n".join(lines)


def test_customer_has_no_secret_field(core: CustomerCore) -> None:
    """The Customer type has no attribute for a password or a hash."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    names = [field.name for field in attrs.fields(type(ada))]
    assert not [n for n in names if "pass" in n or "hash" in n or "secret" in n]


def test_secret_is_absent_from_customer_repr_str_and_json(core: CustomerCore) -> None:
    """Neither the password nor its hash is in a customer's repr, str, or serialized dict."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    hashed = stored_hash(core, "ada@example.com")
    shown = [
        repr(ada),
        str(ada),
        json.dumps(serialization.to_dict(ada)),
        json.dumps(serialization.to_dict(core.customers.search())),
        repr(core.customers.search()),
        json.dumps(serialization.to_dict(core.customers.authenticate(ada.email, SECRET))),
    ]
    for text in shown:
        assert SECRET not in text
        assert hashed not in text
        assert "$argon2" not in text


def test_credentials_and_new_customer_reprs_hide_the_hash(core: CustomerCore) -> None:
    """The port values that do carry the hash do not show it in their repr."""
    core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    with core.storage.transaction() as tx:
        credentials = tx.customers.find_credentials("ada@example.com")
    assert credentials is not None
    assert credentials.password_hash not in repr(credentials)
    assert credentials.password_hash not in str(credentials)


def test_core_repr_shows_no_secret(core: CustomerCore) -> None:
    """The core's repr shows no stored hash or password."""
    core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    hashed = stored_hash(core, "ada@example.com")
    assert hashed not in repr(core)
    assert SECRET not in repr(core)


@pytest.mark.parametrize(
    "password",
    [
        "Sh0rt!",
        "Too-L0ng-Secret-" * 70,
        "Has\x00Nul-Secret-Passw0rd",
    ],
)
def test_rejected_password_is_not_repeated_in_the_error(core: CustomerCore, password: str) -> None:
    """A rejected password appears nowhere in the ValidationError or its chain."""
    with pytest.raises(ValidationError) as caught:
        core.customers.register(name="Ada", email="ada@example.com", password=password)
    assert "password" in caught.value.errors
    assert password not in error_text(caught.value)


def test_rejected_new_password_is_not_repeated_in_the_error(core: CustomerCore) -> None:
    """``change_password`` with a bad password does not echo it."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    bad = "Bad\x00" + OTHER_SECRET
    with pytest.raises(ValidationError) as caught:
        core.customers.change_password(ada.id, bad)
    assert bad not in error_text(caught.value)
    assert OTHER_SECRET not in error_text(caught.value)


def test_failed_log_ins_do_not_show_the_password(core: CustomerCore) -> None:
    """InvalidCredentials and CustomerBlocked carry neither the given password nor the hash."""
    ada = core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    hashed = stored_hash(core, "ada@example.com")
    errors: list[CustomerCoreError] = []
    for email, password in [("ada@example.com", OTHER_SECRET), ("eve@example.com", OTHER_SECRET)]:
        with pytest.raises(InvalidCredentials) as caught:
            core.customers.authenticate(email, password)
        errors.append(caught.value)
    core.customers.block(ada.id)
    with pytest.raises(CustomerCoreError) as blocked:
        core.customers.authenticate("ada@example.com", SECRET)
    errors.append(blocked.value)
    for error in errors:
        text = error_text(error)
        assert OTHER_SECRET not in text
        assert SECRET not in text
        assert hashed not in text


def test_duplicate_email_error_shows_no_secret(core: CustomerCore) -> None:
    """A DuplicateEmail raised during registration carries neither password nor hash."""
    core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    hashed = stored_hash(core, "ada@example.com")
    with pytest.raises(DuplicateEmail) as caught:
        core.customers.register(name="Ada 2", email="ADA@example.com", password=OTHER_SECRET)
    text = error_text(caught.value)
    assert OTHER_SECRET not in text
    assert hashed not in text


def test_import_errors_do_not_echo_hashes_or_passwords(core: CustomerCore) -> None:
    """A bad import names the field but repeats neither a hash nor a plain password given as one."""
    good_hash = bcrypt.hashpw(LEGACY_SECRET.encode(), bcrypt.gensalt(4)).decode()
    records = [
        {"name": "A", "email": "a@example.com", "password_hash": good_hash},
        {"name": "B", "email": "b@example.com", "password_hash": OTHER_SECRET},
        {"name": "C", "email": "not an email", "password_hash": good_hash},
    ]
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many(records)
    assert "1.password_hash" in caught.value.errors
    text = error_text(caught.value)
    assert OTHER_SECRET not in text
    assert good_hash not in text


def test_nothing_secret_is_logged(core: CustomerCore, all_logs: pytest.LogCaptureFixture) -> None:
    """No log record of any call that handles passwords carries a password or a hash."""
    legacy_hash = "$2y$" + bcrypt.hashpw(LEGACY_SECRET.encode(), bcrypt.gensalt(4)).decode()[4:]
    ada = core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    core.customers.import_many(
        [{"name": "L", "email": "legacy@example.com", "password_hash": legacy_hash}]
    )
    core.customers.authenticate("ada@example.com", SECRET)
    core.customers.authenticate("legacy@example.com", LEGACY_SECRET)  # re-hashes
    for email, password in [("ada@example.com", OTHER_SECRET), ("eve@example.com", SECRET)]:
        with pytest.raises(InvalidCredentials):
            core.customers.authenticate(email, password)
    core.customers.change_password(ada.id, OTHER_SECRET)
    with pytest.raises(ValidationError):
        core.customers.register(name="X", email="x@example.com", password="Sh0rt!")
    hashes = [stored_hash(core, "ada@example.com"), stored_hash(core, "legacy@example.com")]
    logged = log_text(all_logs)
    for secret in (SECRET, OTHER_SECRET, LEGACY_SECRET, "Sh0rt!", legacy_hash, *hashes):
        assert secret not in logged
