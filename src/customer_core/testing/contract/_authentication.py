"""The contract of log-in: credentials, blocking, password changes and legacy hashes."""

from __future__ import annotations

import logging
from collections.abc import Callable

import argon2
import bcrypt
import pytest

from customer_core._core import CustomerCore
from customer_core.errors import (
    CustomerBlocked,
    CustomerNotFound,
    InvalidCredentials,
    StorageError,
    ValidationError,
)
from customer_core.passwords import PasswordHasher
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import PASSWORD, customer

__all__ = ["AuthenticationContract"]

LEGACY_PASSWORD = "laravel-era secret"


def bcrypt_hash(password: str, prefix: str = "$2y$") -> str:
    """A cheap (cost 4) bcrypt hash of ``password`` with the given prefix, as Laravel stored it."""
    # surrogatepass: bcrypt reads bytes, so a password with a lone surrogate has a hash too.
    made = bcrypt.hashpw(password.encode("utf-8", "surrogatepass"), bcrypt.gensalt(4))
    return prefix + made.decode("ascii")[4:]


def argon2_hash(password: str, kind: argon2.Type = argon2.Type.ID) -> str:
    """A cheap Argon2 hash of ``password`` with parameters unlike any default."""
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=kind)
    return hasher.hash(password)


# A real bcrypt salt and digest (the well-known "$2a$10$N9qo8…" example's).
BCRYPT_TAIL = "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
# An 8-byte salt and a 32-byte digest in canonical unpadded base64.
ARGON2_TAIL = "c2FsdHNhbHQ$" + "h" * 42 + "g"


class _CountingHasher:
    """Counts verifications, and fails the test if ``refused`` is ever handed to ``verify``."""

    def __init__(self, inner: PasswordHasher, refused: str) -> None:
        self._inner = inner
        self._refused = refused
        self.verified = 0

    def hash(self, password: str) -> str:
        """The inner hasher's hash."""
        return self._inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """The inner verdict; a refused hash is an assertion error, never verified."""
        assert password_hash != self._refused, "a refused stored hash was verified"
        self.verified += 1
        return self._inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """The inner hasher's answer."""
        return self._inner.needs_rehash(password_hash)


class _ChangesPasswordWhileVerifying:
    """A hasher whose first successful ``verify`` runs ``meanwhile`` before it answers.

    It makes the race of a log-in with a password change happen, in one
    thread and always in the same order: the change commits after the log-in
    checked the old hash and before it re-hashes.
    """

    def __init__(self, inner: PasswordHasher, meanwhile: Callable[[], None]) -> None:
        self._inner = inner
        self._meanwhile: Callable[[], None] | None = meanwhile

    def hash(self, password: str) -> str:
        """The inner hasher's hash."""
        return self._inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """The inner verdict, after running ``meanwhile`` once on the first success."""
        verdict = self._inner.verify(password_hash, password)
        if verdict and self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return verdict

    def needs_rehash(self, password_hash: str) -> bool:
        """The inner hasher's answer."""
        return self._inner.needs_rehash(password_hash)


def _import_legacy(harness: Harness, password_hash: str) -> None:
    harness.core.customers.import_many(
        [{"name": "Legacy", "email": "legacy@example.com", "password_hash": password_hash}]
    )


class AuthenticationContract:
    """``core.customers.authenticate`` and ``change_password``."""

    def test_right_password_returns_the_customer(self, harness: Harness) -> None:
        """The right e-mail and password return the customer."""
        ada = customer(harness)
        assert harness.core.customers.authenticate("ada@example.com", PASSWORD) == ada

    def test_email_case_does_not_matter(self, harness: Harness) -> None:
        """The e-mail given to authenticate is compared case-insensitively."""
        ada = customer(harness)
        assert harness.core.customers.authenticate("ADA@Example.Com", PASSWORD).id == ada.id

    def test_wrong_password_raises_invalid_credentials(self, harness: Harness) -> None:
        """A wrong password raises InvalidCredentials."""
        customer(harness)
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("ada@example.com", PASSWORD + "!")

    def test_unknown_email_raises_invalid_credentials(self, harness: Harness) -> None:
        """An e-mail nobody has raises InvalidCredentials."""
        customer(harness)
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("eve@example.com", PASSWORD)

    def test_unknown_email_and_wrong_password_look_the_same(self, harness: Harness) -> None:
        """Unknown e-mail and wrong password give errors of the same type and message."""
        customer(harness)
        with pytest.raises(InvalidCredentials) as unknown:
            harness.core.customers.authenticate("eve@example.com", PASSWORD)
        with pytest.raises(InvalidCredentials) as wrong:
            harness.core.customers.authenticate("ada@example.com", "wrong password")
        assert type(unknown.value) is type(wrong.value)
        assert str(unknown.value) == str(wrong.value)

    def test_blocked_customer_with_right_password_raises_blocked(self, harness: Harness) -> None:
        """A blocked customer giving the right password gets CustomerBlocked."""
        ada = customer(harness)
        harness.core.customers.block(ada.id)
        with pytest.raises(CustomerBlocked):
            harness.core.customers.authenticate(ada.email, PASSWORD)

    def test_blocked_customer_with_wrong_password_raises_invalid(self, harness: Harness) -> None:
        """A blocked customer's wrong password is InvalidCredentials (blocking is not revealed)."""
        ada = customer(harness)
        harness.core.customers.block(ada.id)
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate(ada.email, "wrong password")

    def test_unblocked_customer_can_log_in_again(self, harness: Harness) -> None:
        """After unblock the right password authenticates again."""
        ada = customer(harness)
        harness.core.customers.block(ada.id)
        harness.core.customers.unblock(ada.id)
        assert harness.core.customers.authenticate(ada.email, PASSWORD).id == ada.id

    def test_change_password_replaces_the_old_one(self, harness: Harness) -> None:
        """After change_password the new password works and the old one does not."""
        ada = customer(harness)
        harness.core.customers.change_password(ada.id, "a brand new secret")
        assert harness.core.customers.authenticate(ada.email, "a brand new secret").id == ada.id
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate(ada.email, PASSWORD)

    def test_change_password_of_unknown_customer_raises(self, harness: Harness) -> None:
        """Changing the password of a missing customer raises CustomerNotFound."""
        with pytest.raises(CustomerNotFound):
            harness.core.customers.change_password(424242, "a brand new secret")

    def test_change_password_rejects_a_too_long_password(self, harness: Harness) -> None:
        """A password over 1024 characters is a ValidationError on ``password``."""
        ada = customer(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.change_password(ada.id, "x" * 1025)
        assert "password" in caught.value.errors

    def test_long_password_of_1024_characters_works(self, harness: Harness) -> None:
        """A 1024-character password authenticates; one differing in its last character does not."""
        secret = "é" * 1023 + "A"
        ada = customer(harness, password=secret)
        assert harness.core.customers.authenticate(ada.email, secret).id == ada.id
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate(ada.email, "é" * 1023 + "B")

    @pytest.mark.parametrize("prefix", ["$2y$", "$2b$"])
    def test_imported_bcrypt_hash_verifies(self, harness: Harness, prefix: str) -> None:
        """A customer imported with a bcrypt hash logs in with its password, and only with it."""
        harness.core.customers.import_many(
            [
                {
                    "name": "Legacy",
                    "email": "legacy@example.com",
                    "password_hash": bcrypt_hash(LEGACY_PASSWORD, prefix),
                }
            ]
        )
        found = harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)
        assert found.email == "legacy@example.com"
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", "not it at all")

    @pytest.mark.parametrize("kind", [argon2.Type.ID, argon2.Type.I])
    def test_imported_argon2_hash_verifies(self, harness: Harness, kind: argon2.Type) -> None:
        """A customer imported with an Argon2 hash of other parameters logs in with its password."""
        harness.core.customers.import_many(
            [
                {
                    "name": "Legacy",
                    "email": "legacy@example.com",
                    "password_hash": argon2_hash(LEGACY_PASSWORD, kind),
                }
            ]
        )
        found = harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)
        assert found.email == "legacy@example.com"
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", "not it at all")

    def test_legacy_hash_keeps_working_after_rehash(self, harness: Harness) -> None:
        """Logging in twice with a legacy bcrypt hash works (the re-hash keeps the password)."""
        harness.core.customers.import_many(
            [
                {
                    "name": "Legacy",
                    "email": "legacy@example.com",
                    "password_hash": bcrypt_hash(LEGACY_PASSWORD),
                }
            ]
        )
        first = harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)
        second = harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)
        assert first.id == second.id
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", "not it at all")

    def test_foreign_scheme_hash_is_rehashed_after_login(self, harness: Harness) -> None:
        """After a log-in, a hash not of the configured scheme is replaced by one that is."""
        legacy = bcrypt_hash(LEGACY_PASSWORD, "$2b$")
        hasher = harness.core.password_hasher
        assert hasher.needs_rehash(legacy), "a cost-4 $2b$ hash is nobody's configured scheme"
        harness.core.customers.import_many(
            [{"name": "Legacy", "email": "legacy@example.com", "password_hash": legacy}]
        )
        harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)
        stored = _stored_hash(harness, "legacy@example.com")
        assert stored != legacy
        assert not hasher.needs_rehash(stored)
        assert hasher.verify(stored, LEGACY_PASSWORD)

    def test_hash_of_the_configured_scheme_is_kept(self, harness: Harness) -> None:
        """A log-in does not replace a hash the configured hasher made."""
        ada = customer(harness)
        before = _stored_hash(harness, ada.email)
        harness.core.customers.authenticate(ada.email, PASSWORD)
        assert _stored_hash(harness, ada.email) == before

    def test_failed_login_does_not_rehash(self, harness: Harness) -> None:
        """A wrong password leaves a legacy hash as it was."""
        legacy = bcrypt_hash(LEGACY_PASSWORD, "$2b$")
        harness.core.customers.import_many(
            [{"name": "Legacy", "email": "legacy@example.com", "password_hash": legacy}]
        )
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", "wrong password")
        assert _stored_hash(harness, "legacy@example.com") == legacy

    def test_rehash_does_not_undo_a_password_change_made_during_the_check(
        self, harness: Harness
    ) -> None:
        """A password changed after a log-in verified the old hash stays changed.

        The log-in verifies the legacy hash, the owner's ``change_password``
        commits, then the log-in would re-hash the old password: the
        compare-and-set sees another hash and writes nothing.
        """
        _import_legacy(harness, bcrypt_hash(LEGACY_PASSWORD, "$2b$"))
        legacy = harness.core.customers.find_by_email("legacy@example.com")
        assert legacy is not None

        def change() -> None:
            harness.core.customers.change_password(legacy.id, "the new secret")

        racing = CustomerCore(
            harness.core.storage,
            orders=harness.core.orders,
            password_hasher=_ChangesPasswordWhileVerifying(harness.core.password_hasher, change),
            clock=harness.clock,
        )
        assert racing.customers.authenticate("legacy@example.com", LEGACY_PASSWORD).id == legacy.id
        assert harness.core.customers.authenticate("legacy@example.com", "the new secret")
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)

    def test_bcrypt_password_longer_than_72_bytes_is_never_rehashed(self, harness: Harness) -> None:
        """A typed password that bcrypt read only in part does not replace the owner's.

        ``"A" * 72 + "-other"`` verifies against the hash of ``"A" * 72 +
        "-real"`` (bcrypt reads 72 bytes); a re-hash of it would lock the
        owner out. The hash stays bcrypt, and the real password keeps working.
        """
        legacy = "$2b$" + bcrypt.hashpw(b"A" * 72, bcrypt.gensalt(4)).decode("ascii")[4:]
        assert harness.core.password_hasher.needs_rehash(legacy)
        _import_legacy(harness, legacy)
        harness.core.customers.authenticate("legacy@example.com", "A" * 72 + "-other")
        assert _stored_hash(harness, "legacy@example.com") == legacy
        harness.core.customers.authenticate("legacy@example.com", "A" * 72 + "-real")
        assert _stored_hash(harness, "legacy@example.com") == legacy

    def test_bcrypt_password_of_72_bytes_is_rehashed(self, harness: Harness) -> None:
        """A password bcrypt read whole (72 bytes, multi-byte characters too) is re-hashed."""
        secret = "é" * 36  # 72 bytes in UTF-8
        _import_legacy(harness, bcrypt_hash(secret, "$2b$"))
        harness.core.customers.authenticate("legacy@example.com", secret)
        stored = _stored_hash(harness, "legacy@example.com")
        assert not harness.core.password_hasher.needs_rehash(stored)
        assert harness.core.customers.authenticate("legacy@example.com", secret)
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", secret[:-1] + "e")

    @pytest.mark.parametrize(
        "refused",
        [
            "$2y$17$" + BCRYPT_TAIL,
            "$argon2id$v=19$m=4194304,t=1,p=1$" + ARGON2_TAIL,
            "$argon2id$v=19$m=1024,t=4294967295,p=1$" + ARGON2_TAIL,
            "$argon2id$v=19$m=262144,t=10,p=1$" + ARGON2_TAIL,
            "$2y$017$" + BCRYPT_TAIL,
            "$2y$+17$" + BCRYPT_TAIL,
            "$2y$$17$" + BCRYPT_TAIL,
            "$2y$12$x",
            "$argon2id$v=19$m=65536,t=3,p=4$$",
            "$argon2id$v=19$m=65536,t=3,p=4$!!!!$!!!!",
            "$argon2id$m=8,t=100000,p=1$" + ARGON2_TAIL + "\x00$x",
            "$argon2id$v=19$m=65536,t=3,p=4$" + ARGON2_TAIL[:-1] + "é",
            "$1$md5$not-a-known-scheme",
        ],
        ids=[
            "bcrypt-17",
            "argon2-4GiB",
            "argon2-t-max",
            "argon2-m-times-t",
            "bcrypt-017",
            "bcrypt-+17",
            "bcrypt-$$17",
            "bcrypt-truncated",
            "argon2-empty-salt",
            "argon2-not-base64",
            "argon2-nul",
            "argon2-non-ascii",
            "unknown-scheme",
        ],
    )
    def test_stored_hash_refused_unverified_is_a_wrong_password_logged_by_id(
        self, harness: Harness, caplog: pytest.LogCaptureFixture, refused: str
    ) -> None:
        """A stored hash over the cost limits, or not well-formed, costs one dummy verification.

        Such a hash cannot be imported; here it is written through the port,
        as a host or an older version could have. It is never handed to
        argon2 or bcrypt (that would cost seconds or gigabytes, or fail at
        once, which timing would tell): the attempt verifies the registry's
        dummy hash once, like an unknown e-mail, and the log names the
        customer and the reason, never the hash.
        """
        ada = customer(harness)
        try:
            with harness.core.storage.transaction() as tx:
                tx.customers.set_password_hash(ada.id, refused, harness.clock.now())
        except StorageError:
            # PostgreSQL's text cannot hold a NUL byte: there, no such hash can be stored.
            assert "\x00" in refused
            return
        counting = _CountingHasher(harness.core.password_hasher, refused)
        core = CustomerCore(
            harness.core.storage,
            orders=harness.core.orders,
            password_hasher=counting,
            clock=harness.clock,
        )
        with (
            caplog.at_level(logging.WARNING, logger="customer_core"),
            pytest.raises(InvalidCredentials),
        ):
            core.customers.authenticate(ada.email, PASSWORD)
        assert counting.verified == 1
        messages = [record.getMessage() for record in caplog.records]
        assert any(f"customer {ada.id}" in message for message in messages), messages
        assert not any(refused[:12] in message for message in messages)

    def test_correct_password_with_a_lone_surrogate_logs_in_without_a_rehash(
        self, harness: Harness
    ) -> None:
        """A legacy hash of a password with a lone surrogate verifies; it is not re-hashed.

        ``json.loads`` makes such strings; bcrypt read them (as Laravel's PHP
        did, byte for byte), but they have no UTF-8 form for a new hash, and
        the encoder's error would carry the password.
        """
        secret = "my pass\ud800word"
        legacy = bcrypt_hash(secret, "$2b$")
        _import_legacy(harness, legacy)
        assert harness.core.customers.authenticate("legacy@example.com", secret)
        assert _stored_hash(harness, "legacy@example.com") == legacy
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", "my pass\ud801word")

    def test_a_password_with_a_lone_surrogate_is_refused_unquoted(self, harness: Harness) -> None:
        """register and change_password name the field, never the password, and chain nothing."""
        secret = "my pass\ud800word"
        with pytest.raises(ValidationError) as registering:
            harness.core.customers.register(name="Ada", email="ada@example.com", password=secret)
        ada = customer(harness)
        with pytest.raises(ValidationError) as changing:
            harness.core.customers.change_password(ada.id, secret)
        for caught in (registering, changing):
            assert caught.value.errors == {"password": "must be valid Unicode"}
            assert caught.value.__cause__ is None
            assert caught.value.__context__ is None
        assert harness.core.customers.authenticate(ada.email, PASSWORD).id == ada.id


def _stored_hash(harness: Harness, email: str) -> str:
    """The stored password hash, read through the storage port (the public API never shows it)."""
    with harness.core.storage.transaction() as tx:
        credentials = tx.customers.find_credentials(email)
    assert credentials is not None
    return credentials.password_hash
