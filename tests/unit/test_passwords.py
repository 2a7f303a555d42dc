"""The hashers: schemes written, schemes verified, and when a hash is replaced."""

from __future__ import annotations

from datetime import UTC, datetime

import bcrypt
import pytest

from customer_core.anonymization import Anonymization
from customer_core.passwords import Argon2Hasher, BcryptHasher, verify_password

CHEAP_ARGON2 = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


def laravel_hash(password: str, rounds: int = 4) -> str:
    """A hash as Laravel's bcrypt hasher writes it ($2y$)."""
    made = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()
    return "$2y$" + made[4:]


def test_argon2_hasher_writes_argon2id() -> None:
    """The default scheme is Argon2id, and the hash verifies."""
    made = CHEAP_ARGON2.hash("correct horse")
    assert made.startswith("$argon2id$")
    assert CHEAP_ARGON2.verify(made, "correct horse")
    assert not CHEAP_ARGON2.verify(made, "correct horsE")


def test_bcrypt_hasher_writes_laravel_2y_with_its_cost() -> None:
    """BcryptHasher writes $2y$ hashes of its cost, which Laravel's hasher accepts."""
    made = BcryptHasher(rounds=5).hash("correct horse")
    assert made.startswith("$2y$05$")
    assert verify_password(made, "correct horse")


@pytest.mark.parametrize("prefix", ["$2y$", "$2b$", "$2a$"])
def test_any_bcrypt_prefix_verifies(prefix: str) -> None:
    """Legacy bcrypt hashes verify whatever their prefix."""
    stored = prefix + laravel_hash("s3cret-pass")[4:]
    assert verify_password(stored, "s3cret-pass")
    assert not verify_password(stored, "s3cret-pasS")


def test_bcrypt_cuts_passwords_at_72_bytes_like_php() -> None:
    """A password longer than 72 bytes verifies against PHP's hash of its first 72 bytes."""
    long_password = "é" * 50  # 100 bytes in UTF-8
    stored = "$2y$" + bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode()[4:]
    assert verify_password(stored, long_password)
    assert BcryptHasher(rounds=4).verify(BcryptHasher(rounds=4).hash(long_password), long_password)


@pytest.mark.parametrize(
    "garbage", ["", "plain text", "$2y$12$short", "$argon2id$v=19$broken", "$5$x"]
)
def test_unknown_or_broken_hashes_never_verify(garbage: str) -> None:
    """A hash of no known scheme, or a broken one, fails verification instead of raising."""
    assert not verify_password(garbage, "whatever-password")


def test_argon2_hasher_wants_to_replace_other_schemes_and_parameters() -> None:
    """Argon2Hasher re-hashes bcrypt hashes and Argon2 hashes made with other parameters."""
    assert CHEAP_ARGON2.needs_rehash(laravel_hash("x" * 8))
    stronger = Argon2Hasher(time_cost=2, memory_cost=1024, parallelism=1)
    assert CHEAP_ARGON2.needs_rehash(stronger.hash("x" * 8))
    assert not CHEAP_ARGON2.needs_rehash(CHEAP_ARGON2.hash("x" * 8))


def test_bcrypt_hasher_keeps_its_own_2y_hashes_only() -> None:
    """BcryptHasher keeps $2y$ hashes of its cost; it replaces $2b$, other costs and Argon2."""
    hasher = BcryptHasher(rounds=4)
    assert not hasher.needs_rehash(laravel_hash("x" * 8, rounds=4))
    assert hasher.needs_rehash(laravel_hash("x" * 8, rounds=5))
    assert hasher.needs_rehash("$2b$" + laravel_hash("x" * 8)[4:])
    assert hasher.needs_rehash(CHEAP_ARGON2.hash("x" * 8))


def test_bcrypt_rounds_out_of_range_are_refused() -> None:
    """A bcrypt cost outside 4..31 is a configuration error."""
    with pytest.raises(ValueError, match="rounds"):
        BcryptHasher(rounds=3)


def test_hasher_reprs_show_parameters_only() -> None:
    """Reprs help debugging and carry no secret."""
    assert repr(BcryptHasher(rounds=12)) == "BcryptHasher(rounds=12)"
    assert "time_cost=1" in repr(CHEAP_ARGON2)


def test_an_unusable_hash_never_needs_a_rehash() -> None:
    """An anonymized customer's hash is never replaced: nothing would re-hash into it."""
    unusable = Anonymization(updated_at=datetime(2026, 1, 1, tzinfo=UTC)).password_hash
    for hasher in (CHEAP_ARGON2, BcryptHasher(rounds=4)):
        assert not hasher.needs_rehash(unusable)
        assert not hasher.verify(unusable, unusable)
