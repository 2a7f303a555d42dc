"""The contract of the forgotten-password flow: tokens, their limits, and the re-hash race."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import bcrypt
import pytest

from customer_core._core import CustomerCore
from customer_core.errors import InvalidCredentials, InvalidResetToken, ValidationError
from customer_core.passwords import PasswordHasher
from customer_core.ports import ResetToken
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import PASSWORD, customer, snapshot

__all__ = ["PasswordResetContract"]

NEW_PASSWORD = "a brand new secret"
LEGACY_PASSWORD = "laravel-era secret"
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


class _Counting:
    """Counts the hashes and verifications a call spends."""

    def __init__(self, inner: PasswordHasher) -> None:
        self._inner = inner
        self.hashed = 0
        self.verified = 0

    def hash(self, password: str) -> str:
        """The inner hasher's hash, counted."""
        self.hashed += 1
        return self._inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """The inner verdict, counted."""
        self.verified += 1
        return self._inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """The inner hasher's answer."""
        return self._inner.needs_rehash(password_hash)


class _RunsAfterVerifying:
    """A hasher whose first successful ``verify`` of ``watched`` runs ``meanwhile`` first.

    It makes a race happen in one thread, always in the same order: the other
    call commits after this one checked a secret and before it writes.
    """

    def __init__(
        self, inner: PasswordHasher, watched: str, meanwhile: Callable[[], object]
    ) -> None:
        self._inner = inner
        self._watched = watched
        self._meanwhile: Callable[[], object] | None = meanwhile

    def hash(self, password: str) -> str:
        """The inner hasher's hash."""
        return self._inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """The inner verdict, after running ``meanwhile`` once on the first success."""
        verdict = self._inner.verify(password_hash, password)
        if verdict and password == self._watched and self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return verdict

    def needs_rehash(self, password_hash: str) -> bool:
        """The inner hasher's answer."""
        return self._inner.needs_rehash(password_hash)


def _stored_token(harness: Harness, email: str) -> ResetToken | None:
    """The stored token row, read through the storage port (the public API never shows it)."""
    with harness.core.storage.transaction() as tx:
        return tx.reset_tokens.find(email)


def _stored_hash(harness: Harness, email: str) -> str:
    with harness.core.storage.transaction() as tx:
        credentials = tx.customers.find_credentials(email)
    assert credentials is not None
    return credentials.password_hash


def _core_with(harness: Harness, hasher: PasswordHasher) -> CustomerCore:
    """The harness's core on the same storage and clock, with another hasher."""
    return CustomerCore(
        harness.core.storage,
        orders=harness.core.orders,
        password_hasher=hasher,
        clock=harness.clock,
        reset_token_ttl=harness.core.reset_token_ttl,
    )


def _legacy_customer(harness: Harness) -> int:
    """A customer imported with a cheap ``$2b$`` hash, which a log-in re-hashes."""
    legacy = "$2b$" + bcrypt.hashpw(LEGACY_PASSWORD.encode(), bcrypt.gensalt(4)).decode()[4:]
    harness.core.customers.import_many(
        [{"name": "Legacy", "email": "legacy@example.com", "password_hash": legacy}]
    )
    found = harness.core.customers.find_by_email("legacy@example.com")
    assert found is not None
    return found.id


class PasswordResetContract:
    """``core.customers.request_password_reset`` and ``reset_password``."""

    def test_token_is_random_url_safe_and_at_least_128_bits(self, harness: Harness) -> None:
        """Tokens are URL-safe text of at least 22 base64 characters, and differ."""
        customer(harness)
        first = harness.core.customers.request_password_reset("ada@example.com")
        harness.clock.advance(61)
        second = harness.core.customers.request_password_reset("ADA@example.com")
        assert first is not None
        assert second is not None
        for token in (first, second):
            assert URL_SAFE.fullmatch(token)
            assert len(token) >= 22
        assert first != second

    def test_reset_sets_the_new_password(self, harness: Harness) -> None:
        """The token sets the new password; the old one stops working."""
        ada = customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        harness.clock.advance(5)
        reset = harness.core.customers.reset_password("Ada@Example.com", token, NEW_PASSWORD)
        assert reset.id == ada.id
        assert reset.updated_at == harness.clock.now()
        assert harness.core.customers.authenticate("ada@example.com", NEW_PASSWORD).id == ada.id
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("ada@example.com", PASSWORD)

    def test_a_password_change_or_a_block_ends_the_token(self, harness: Harness) -> None:
        """A token requested before ``change_password`` or before a block (and its unblock)
        no longer redeems: a forwarded or leaked mail must not outlive either."""
        ada = customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        harness.core.customers.change_password(ada.id, "changed by the owner")
        with pytest.raises(InvalidResetToken):
            harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)
        harness.clock.advance(61)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        harness.core.customers.block(ada.id)
        harness.core.customers.unblock(ada.id)
        with pytest.raises(InvalidResetToken):
            harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)

    def test_only_a_hash_made_by_the_configured_hasher_is_stored(self, harness: Harness) -> None:
        """The stored row holds a hash the configured hasher verifies, never the token."""
        customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        stored = _stored_token(harness, "ada@example.com")
        assert stored is not None
        assert token not in stored.token_hash
        assert harness.core.password_hasher.verify(stored.token_hash, token)
        assert stored.created_at == harness.clock.now()
        assert stored.token_hash not in repr(stored)

    def test_a_token_is_single_use(self, harness: Harness) -> None:
        """A used token raises InvalidResetToken and leaves the password as the first use set it."""
        customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)
        with pytest.raises(InvalidResetToken):
            harness.core.customers.reset_password("ada@example.com", token, "yet another secret")
        assert harness.core.customers.authenticate("ada@example.com", NEW_PASSWORD)
        assert _stored_token(harness, "ada@example.com") is None

    def test_wrong_token_changes_nothing(self, harness: Harness) -> None:
        """A wrong token raises InvalidResetToken; nothing changes, the right token still works."""
        customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        before = snapshot(harness)
        for wrong in (token + "x", "", "x" * 5000, None, 42):
            with pytest.raises(InvalidResetToken) as raised:
                harness.core.customers.reset_password("ada@example.com", wrong, NEW_PASSWORD)  # type: ignore[arg-type]
            assert token not in str(raised.value)
            assert raised.value.__cause__ is None
            assert raised.value.__context__ is None
        assert snapshot(harness) == before
        assert _stored_token(harness, "ada@example.com") is not None
        harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)

    def test_token_expires_after_the_ttl(self, harness: Harness) -> None:
        """Valid up to ``reset_token_ttl``; a second later InvalidResetToken."""
        customer(harness)
        customer(harness, "bob")
        ttl = harness.core.reset_token_ttl
        assert ttl == timedelta(minutes=60)
        ada_token = harness.core.customers.request_password_reset("ada@example.com")
        bob_token = harness.core.customers.request_password_reset("bob@example.com")
        assert ada_token is not None
        assert bob_token is not None
        harness.clock.advance(ttl.total_seconds())
        harness.core.customers.reset_password("ada@example.com", ada_token, NEW_PASSWORD)
        harness.clock.advance(1)
        with pytest.raises(InvalidResetToken):
            harness.core.customers.reset_password("bob@example.com", bob_token, NEW_PASSWORD)
        assert harness.core.customers.authenticate("bob@example.com", PASSWORD)

    def test_a_shorter_ttl_is_honoured(self, harness: Harness) -> None:
        """A core made with ``reset_token_ttl`` of five minutes refuses a six-minute-old token."""
        customer(harness)
        hasher = harness.core.password_hasher
        short = CustomerCore(
            harness.core.storage,
            orders=harness.core.orders,
            password_hasher=hasher,
            clock=harness.clock,
            reset_token_ttl=timedelta(minutes=5),
        )
        token = short.customers.request_password_reset("ada@example.com")
        assert token is not None
        harness.clock.advance(6 * 60)
        with pytest.raises(InvalidResetToken):
            short.customers.reset_password("ada@example.com", token, NEW_PASSWORD)

    def test_ttl_must_be_a_positive_timedelta(self, harness: Harness) -> None:
        """A bad ``reset_token_ttl`` is a ValidationError naming it."""
        for bad in (timedelta(0), timedelta(seconds=-1), 60):
            with pytest.raises(ValidationError) as raised:
                CustomerCore(
                    harness.core.storage,
                    orders=harness.core.orders,
                    reset_token_ttl=bad,  # type: ignore[arg-type]
                )
            assert "reset_token_ttl" in raised.value.errors

    def test_second_request_within_60_seconds_returns_none_and_changes_nothing(
        self, harness: Harness
    ) -> None:
        """Throttled: None, the stored token unchanged and still valid."""
        customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        stored = _stored_token(harness, "ada@example.com")
        harness.clock.advance(59)
        assert harness.core.customers.request_password_reset("ada@example.com") is None
        assert _stored_token(harness, "ada@example.com") == stored
        assert token is not None
        harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)

    def test_new_request_replaces_the_previous_token(self, harness: Harness) -> None:
        """After the throttle a new token replaces the old one, which no longer works."""
        customer(harness)
        old = harness.core.customers.request_password_reset("ada@example.com")
        harness.clock.advance(60)
        new = harness.core.customers.request_password_reset("ada@example.com")
        assert old is not None
        assert new is not None
        with pytest.raises(InvalidResetToken):
            harness.core.customers.reset_password("ada@example.com", old, NEW_PASSWORD)
        harness.core.customers.reset_password("ada@example.com", new, NEW_PASSWORD)

    def test_no_token_is_valid_after_a_reset(self, harness: Harness) -> None:
        """The reset drops every token of the customer."""
        customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)
        assert _stored_token(harness, "ada@example.com") is None

    def test_unknown_and_blocked_emails_get_none_at_the_same_cost(self, harness: Harness) -> None:
        """Unknown, blocked, known: one hash each, no verification; only the known gets a token."""
        customer(harness)
        blocked = customer(harness, "bob")
        harness.core.customers.block(blocked.id)
        counting = _Counting(harness.core.password_hasher)
        core = _core_with(harness, counting)
        for email, expected in (
            ("eve@example.com", False),
            ("bob@example.com", False),
            ("not an e-mail", False),
            ("ada@example.com", True),
        ):
            counting.hashed = counting.verified = 0
            token = core.customers.request_password_reset(email)
            assert (token is not None) is expected, email
            assert (counting.hashed, counting.verified) == (1, 0), email
        assert _stored_token(harness, "bob@example.com") is None

    def test_reset_of_unknown_email_costs_one_verification(self, harness: Harness) -> None:
        """Unknown e-mail, no token, wrong token, right token: one verification each."""
        customer(harness)
        customer(harness, "bob")
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        counting = _Counting(harness.core.password_hasher)
        core = _core_with(harness, counting)
        for email, given in (
            ("eve@example.com", token),
            ("bob@example.com", token),
            ("ada@example.com", token + "x"),
        ):
            counting.verified = 0
            with pytest.raises(InvalidResetToken):
                core.customers.reset_password(email, given, NEW_PASSWORD)
            assert counting.verified == 1, email
        counting.verified = 0
        core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)
        assert counting.verified == 1

    def test_a_blocked_customer_cannot_redeem_a_token(self, harness: Harness) -> None:
        """A token issued before the block is refused; the password stays."""
        ada = customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        harness.core.customers.block(ada.id)
        with pytest.raises(InvalidResetToken):
            harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)
        harness.core.customers.unblock(ada.id)
        assert harness.core.customers.authenticate("ada@example.com", PASSWORD)

    def test_bad_new_password_is_a_validation_error_and_keeps_the_token(
        self, harness: Harness
    ) -> None:
        """A too-short password names ``password``; the token stays usable."""
        customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None
        with pytest.raises(ValidationError) as raised:
            harness.core.customers.reset_password("ada@example.com", token, "")
        assert "password" in raised.value.errors
        assert token not in str(raised.value)
        harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)

    def test_email_that_is_no_text_is_a_validation_error(self, harness: Harness) -> None:
        """Both calls name ``email`` when it is not a string."""
        with pytest.raises(ValidationError) as requested:
            harness.core.customers.request_password_reset(42)  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as redeemed:
            harness.core.customers.reset_password(42, "token", NEW_PASSWORD)  # type: ignore[arg-type]
        assert "email" in requested.value.errors
        assert "email" in redeemed.value.errors

    def test_changing_the_email_or_deleting_drops_the_token(self, harness: Harness) -> None:
        """A token mailed to an old address, or of a deleted customer, is gone."""
        ada = customer(harness)
        bob = customer(harness, "bob")
        assert harness.core.customers.request_password_reset("ada@example.com")
        assert harness.core.customers.request_password_reset("bob@example.com")
        harness.core.customers.change_email(ada.id, "ada@new.example.com")
        harness.core.customers.delete(bob.id)
        assert _stored_token(harness, "ada@example.com") is None
        assert _stored_token(harness, "bob@example.com") is None

    def test_a_login_rehash_after_the_reset_does_not_undo_it(self, harness: Harness) -> None:
        """A log-in verifies the old hash, a reset commits; the log-in's re-hash writes nothing."""
        customer_id = _legacy_customer(harness)
        token = harness.core.customers.request_password_reset("legacy@example.com")
        assert token is not None

        def reset() -> None:
            harness.core.customers.reset_password("legacy@example.com", token, NEW_PASSWORD)

        racing = _core_with(
            harness, _RunsAfterVerifying(harness.core.password_hasher, LEGACY_PASSWORD, reset)
        )
        assert racing.customers.authenticate("legacy@example.com", LEGACY_PASSWORD).id == (
            customer_id
        )
        assert harness.core.customers.authenticate("legacy@example.com", NEW_PASSWORD)
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)

    def test_a_reset_after_a_login_rehash_keeps_the_new_password(self, harness: Harness) -> None:
        """The reset checks its token, a log-in re-hashes, then the reset writes: the reset wins.

        The re-hash is not undone either: it only re-encoded the password the
        reset was asked to replace, and its write committed.
        """
        _legacy_customer(harness)
        token = harness.core.customers.request_password_reset("legacy@example.com")
        assert token is not None
        hashes: list[str] = []

        def log_in() -> None:
            harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)
            hashes.append(_stored_hash(harness, "legacy@example.com"))

        racing = _core_with(
            harness, _RunsAfterVerifying(harness.core.password_hasher, token, log_in)
        )
        before = _stored_hash(harness, "legacy@example.com")
        racing.customers.reset_password("legacy@example.com", token, NEW_PASSWORD)
        assert hashes, "the log-in ran meanwhile"
        assert hashes[0] != before, "the log-in re-hashed meanwhile"
        assert harness.core.customers.authenticate("legacy@example.com", NEW_PASSWORD)
        with pytest.raises(InvalidCredentials):
            harness.core.customers.authenticate("legacy@example.com", LEGACY_PASSWORD)

    def test_a_token_redeemed_meanwhile_is_used_up(self, harness: Harness) -> None:
        """Two resets with one token: the one that writes second raises InvalidResetToken."""
        customer(harness)
        token = harness.core.customers.request_password_reset("ada@example.com")
        assert token is not None

        def first() -> None:
            harness.core.customers.reset_password("ada@example.com", token, NEW_PASSWORD)

        racing = _core_with(
            harness, _RunsAfterVerifying(harness.core.password_hasher, token, first)
        )
        with pytest.raises(InvalidResetToken):
            racing.customers.reset_password("ada@example.com", token, "the loser's secret")
        assert harness.core.customers.authenticate("ada@example.com", NEW_PASSWORD)
