"""The log-in path's guarantees that need no SQL: failed re-hash writes, cost limits, hashers.

The storage-wide guarantees (compare-and-set, the 72-byte rule, stored hashes
over the limits) are in the contract suite
(:mod:`customer_core.testing.contract._authentication`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import argon2
import bcrypt
import pytest

from customer_core import (
    Argon2Hasher,
    BcryptHasher,
    CustomerCore,
    StorageConflict,
    StorageError,
    StorageUnavailable,
    ValidationError,
    passwords,
)
from customer_core.ports import Storage, Transaction
from customer_core.testing import FrozenClock

SECRET = "Legacy-Secret-Passw0rd#"
CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


def legacy_hash(password: str = SECRET, cost: int = 4, prefix: str = "$2y$") -> str:
    """A bcrypt hash as Laravel wrote it."""
    return prefix + bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode("ascii")[4:]


class _RefusesPasswordWrites:
    """The in-memory storage, except that writing a password hash raises ``error``.

    An in-memory store cannot be read-only or time out on a lock; this stands
    in for the write a replica or a locked row refuses (the SQLite read-only
    case runs on a real file in tests/integration).
    """

    def __init__(self, inner: Storage, error: StorageError) -> None:
        self._inner = inner
        self._error = error

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Transaction]:
        with self._inner.transaction(read_only=read_only) as tx:
            error = self._error

            def refuse(customer_id: int, password_hash: str, updated_at: datetime) -> None:
                raise error

            tx.customers.set_password_hash = refuse  # type: ignore[method-assign]
            yield tx


@pytest.mark.parametrize(
    "error",
    [StorageError("read-only"), StorageConflict("lock wait"), StorageUnavailable("gone")],
    ids=["read-only", "conflict", "unavailable"],
)
def test_rehash_the_storage_refuses_does_not_fail_a_correct_log_in(
    caplog: pytest.LogCaptureFixture, error: StorageError
) -> None:
    """The log-in succeeds, the old hash stays, and the skip is logged by id, never the hash."""
    core = CustomerCore.in_memory(clock=FrozenClock(), password_hasher=CHEAP)
    legacy = legacy_hash()
    core.customers.import_many(
        [{"name": "Legacy", "email": "legacy@example.com", "password_hash": legacy}]
    )
    refusing = CustomerCore(
        _RefusesPasswordWrites(core.storage, error), orders=core.orders, password_hasher=CHEAP
    )
    with caplog.at_level(logging.DEBUG):
        found = refusing.customers.authenticate("legacy@example.com", SECRET)
    assert found.email == "legacy@example.com"
    with core.storage.transaction() as tx:
        stored = tx.customers.find_credentials("legacy@example.com")
    assert stored is not None
    assert stored.password_hash == legacy
    records = [r for r in caplog.records if r.name == "customer_core.passwords"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert f"customer {found.id}" in records[0].getMessage()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert SECRET not in logged
    assert legacy[7:] not in logged


# -- cost limits -------------------------------------------------------------------


def _argon2(m: int, t: int, p: int) -> str:
    """An Argon2id hash text naming these costs (never computed: the salt and digest are fake)."""
    return f"$argon2id$v=19$m={m},t={t},p={p}$c2FsdHNhbHQ$" + "h" * 43


@pytest.mark.parametrize(
    "costly",
    [
        "$2y$17$" + "abcdefghijklmnopqrstuv" + "w" * 31,
        "$2b$31$" + "abcdefghijklmnopqrstuv" + "w" * 31,
        _argon2(passwords.MAX_ARGON2_MEMORY_COST + 1, 3, 4),
        _argon2(4 * 1024 * 1024, 2**32 - 1, 4),
        _argon2(65536, passwords.MAX_ARGON2_TIME_COST + 1, 4),
        _argon2(65536, 3, passwords.MAX_ARGON2_PARALLELISM + 1),
    ],
)
def test_import_refuses_hashes_over_the_cost_limits(costly: str) -> None:
    """An imported hash naming a cost over the limits is a ValidationError on ``password_hash``."""
    core = CustomerCore.in_memory(password_hasher=CHEAP)
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many(
            [{"name": "Eve", "email": "eve@example.com", "password_hash": costly}]
        )
    assert set(caught.value.errors) == {"0.password_hash"}
    assert "cost" in caught.value.errors["0.password_hash"]
    assert costly not in str(caught.value)
    assert core.customers.find_by_email("eve@example.com") is None


@pytest.mark.parametrize(
    "within",
    [
        "$2y$16$" + "abcdefghijklmnopqrstuv" + "w" * 31,
        "$2y$04$" + "abcdefghijklmnopqrstuv" + "w" * 31,
        _argon2(passwords.MAX_ARGON2_MEMORY_COST, passwords.MAX_ARGON2_TIME_COST, 16),
        _argon2(65536, 3, 4),  # argon2-cffi's defaults
        _argon2(19456, 2, 1),  # OWASP's first recommendation
        _argon2(47104, 1, 1),  # OWASP's most memory-hungry one
    ],
)
def test_hashes_within_the_limits_import(within: str) -> None:
    """Today's defaults (argon2-cffi, OWASP, Laravel's bcrypt 12) and the limits themselves pass."""
    core = CustomerCore.in_memory(password_hasher=CHEAP)
    assert core.customers.import_many(
        [{"name": "Ada", "email": "ada@example.com", "password_hash": within}]
    )


def test_verify_refuses_a_hash_over_the_limits_without_hashing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """verify_password never hands an over-limit hash to argon2 or bcrypt, and logs no hash."""

    def forbidden(*args: object) -> bool:
        raise AssertionError("an over-limit hash was verified")

    monkeypatch.setattr(passwords, "_verify_bcrypt", forbidden)
    monkeypatch.setattr(passwords, "_verify_argon2", forbidden)
    costly = _argon2(4 * 1024 * 1024, 1, 1)
    with caplog.at_level(logging.WARNING):
        assert not passwords.verify_password(costly, SECRET)
        assert not CHEAP.verify("$2y$20$" + "a" * 53, SECRET)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) == 2
    assert "$argon2" not in logged
    assert "$2y$" not in logged


def test_hashers_refuse_parameters_over_the_limits() -> None:
    """A hasher cannot be configured to write hashes that verification would refuse."""
    with pytest.raises(ValueError, match="at most"):
        Argon2Hasher(memory_cost=passwords.MAX_ARGON2_MEMORY_COST + 1)
    with pytest.raises(ValueError, match="at most"):
        Argon2Hasher(time_cost=passwords.MAX_ARGON2_TIME_COST + 1)
    with pytest.raises(ValueError, match="at most"):
        Argon2Hasher(parallelism=passwords.MAX_ARGON2_PARALLELISM + 1)
    with pytest.raises(ValueError, match="between 4 and 16"):
        BcryptHasher(rounds=17)


def test_argon2_defaults_are_argon2_cffis() -> None:
    """The defaults written out (so that no import of argon2-cffi is needed) are argon2-cffi's."""
    assert passwords.ARGON2_TIME_COST == argon2.DEFAULT_TIME_COST
    assert passwords.ARGON2_MEMORY_COST == argon2.DEFAULT_MEMORY_COST
    assert passwords.ARGON2_PARALLELISM == argon2.DEFAULT_PARALLELISM
    assert passwords.cost_problem(Argon2Hasher().hash("x" * 8)) is None
    assert passwords.cost_problem(argon2.PasswordHasher().hash("x" * 8)) is None


# -- bcrypt costs shared with Laravel -----------------------------------------------


def test_bcrypt_hashers_of_different_costs_rehash_each_others_hashes() -> None:
    """Why a Laravel app and the library must use one bcrypt cost (docs/howto/password-hashers).

    Cost 10 wants to replace a cost-12 hash and cost 12 a cost-10 one: two
    sides with different costs re-hash each other's hashes at every log-in.
    """
    cost_10, cost_12 = BcryptHasher(rounds=10), BcryptHasher(rounds=12)
    hash_10, hash_12 = legacy_hash(cost=10), legacy_hash(cost=12)
    assert cost_10.needs_rehash(hash_12)
    assert cost_12.needs_rehash(hash_10)
    assert not cost_10.needs_rehash(hash_10)
    assert not cost_12.needs_rehash(hash_12)


def test_bcrypt_cost_is_read_from_the_hash() -> None:
    """cost_problem reads the two digits after the prefix; a hash naming no cost is left alone."""
    assert passwords.cost_problem("$2y$16$" + "a" * 53) is None
    assert passwords.cost_problem("$2a$17$" + "a" * 53) == "bcrypt cost above 16"
    assert passwords.cost_problem("$2y$1x$" + "a" * 53) is None
    assert passwords.cost_problem("$2y$١٧$" + "a" * 53) is None
    assert passwords.cost_problem("$argon2id$broken") is None


@pytest.mark.parametrize(
    "made",
    [
        argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x" * 8),
        argon2.PasswordHasher(
            time_cost=2, memory_cost=2048, parallelism=3, type=argon2.Type.I
        ).hash("x" * 8),
        _argon2(10**30, 1, 1),
        _argon2(1024, 10**30, 1),
        "$argon2id$m=1024,t=1,p=1$c2FsdHNhbHQ$" + "h" * 43,  # no version: argon2-cffi reads it
        "$argon2id$v=19$m=99999999,t=1,p=1,keyid=x$c2FsdHNhbHQ$" + "h" * 43,
    ],
)
def test_argon2_costs_are_read_as_argon2_cffi_reads_them(made: str) -> None:
    """The quick reading of an Argon2 hash's costs agrees with argon2-cffi's, or defers to it."""
    try:
        found = argon2.extract_parameters(made)
    except argon2.exceptions.InvalidHashError:
        expected = None
    else:
        expected = (found.memory_cost, found.time_cost, found.parallelism)
    assert passwords._argon2_costs(made) == expected
