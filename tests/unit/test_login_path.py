"""The log-in path's guarantees that need no SQL: failed re-hash writes, cost limits, hashers.

The storage-wide guarantees (compare-and-set, the 72-byte rule, stored hashes
over the limits) are in the contract suite
(:mod:`customer_core.testing.contract._authentication`).
"""

from __future__ import annotations

import hashlib
import hmac
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
    InvalidCredentials,
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
    def transaction(
        self, *, read_only: bool = False, may_lag: bool = False
    ) -> Iterator[Transaction]:
        with self._inner.transaction(read_only=read_only, may_lag=may_lag) as tx:
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

# A real bcrypt salt and digest (the well-known "$2a$10$N9qo8…" example's).
BCRYPT_TAIL = "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
# An 8-byte salt and a 32-byte digest in canonical unpadded base64.
ARGON2_TAIL = "c2FsdHNhbHQ$" + "h" * 42 + "g"


def _argon2(m: int, t: int, p: int) -> str:
    """An Argon2id hash text naming these costs (never computed: the salt and digest are fake)."""
    return f"$argon2id$v=19$m={m},t={t},p={p}${ARGON2_TAIL}"


def _forbid_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any call into bcrypt or argon2 verification fail the test."""

    def forbidden(*args: object) -> bool:
        raise AssertionError("a refused hash was verified")

    monkeypatch.setattr(passwords, "_verify_bcrypt", forbidden)
    monkeypatch.setattr(passwords, "_verify_argon2", forbidden)


@pytest.mark.parametrize(
    "costly",
    [
        "$2y$17$" + BCRYPT_TAIL,
        "$2b$31$" + BCRYPT_TAIL,
        _argon2(passwords.MAX_ARGON2_MEMORY_COST + 1, 1, 4),
        _argon2(4 * 1024 * 1024, 2**32 - 1, 4),
        _argon2(65536, passwords.MAX_ARGON2_TIME_COST + 1, 4),
        _argon2(65536, 3, passwords.MAX_ARGON2_PARALLELISM + 1),
        _argon2(passwords.MAX_ARGON2_MEMORY_COST, 4, 1),  # each within, the product over
        _argon2(131072, passwords.MAX_ARGON2_TIME_COST, 1),
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
        "$2y$16$" + BCRYPT_TAIL,
        "$2y$04$" + BCRYPT_TAIL,  # bcrypt's own floor
        "$2a$10$" + BCRYPT_TAIL,
        _argon2(passwords.MAX_ARGON2_MEMORY_COST, 3, 16),  # 4x the default memory, default time
        _argon2(65536, passwords.MAX_ARGON2_TIME_COST, 4),
        _argon2(65536, 3, 4),  # argon2-cffi's defaults
        _argon2(19456, 2, 1),  # OWASP's first recommendation
        _argon2(47104, 1, 1),  # OWASP's most memory-hungry one
        _argon2(8, 1, 1),  # libargon2's floor: weak, but re-hashed at the next log-in
        f"$argon2i$m=4096,t=3,p=1${ARGON2_TAIL}",  # no version: libargon2 reads it as 1.0
        f"$argon2d$v=16$m=4096,t=3,p=1${ARGON2_TAIL}",
    ],
)
def test_hashes_within_the_limits_import(within: str) -> None:
    """Today's defaults (argon2-cffi, OWASP, Laravel's bcrypt 12) and the limits themselves pass."""
    core = CustomerCore.in_memory(password_hasher=CHEAP)
    assert core.customers.import_many(
        [{"name": "Ada", "email": "ada@example.com", "password_hash": within}]
    )


# Spellings bcrypt 5 reads as cost 17 that a check of hash[4:6] read as "no cost".
LOOSE_BCRYPT = ["$2y$017$" + BCRYPT_TAIL, "$2y$+17$" + BCRYPT_TAIL, "$2y$$17$" + BCRYPT_TAIL]

MALFORMED = [
    *LOOSE_BCRYPT,
    "$2y$12$x",
    "$2y$03$" + BCRYPT_TAIL,  # under bcrypt's floor: it refuses at once
    "$2y$12$" + BCRYPT_TAIL[:21] + "f" + BCRYPT_TAIL[22:],  # salt with stray bits: refused at once
    "$2y$12$" + BCRYPT_TAIL[:-1] + "z",  # digest with stray bits: can never match
    "$2y$12$" + BCRYPT_TAIL + "\n",
    "$2x$12$" + BCRYPT_TAIL,
    "$2y$1x$" + "a" * 53,
    "$2y$١٧$" + BCRYPT_TAIL,  # Arabic-Indic digits: \d would match them
    "$argon2id$v=19$m=65536,t=3,p=4$$",
    "$argon2id$v=19$m=65536,t=3,p=4$!!!!$!!!!",
    "$argon2id$broken",
    f"$argon2id$v=19$m=065536,t=3,p=4${ARGON2_TAIL}",  # libargon2 refuses leading zeros
    f"$argon2id$v=19$m=16,t=3,p=4${ARGON2_TAIL}",  # under 8 KiB a lane
    f"$argon2id$v=19$m=65536,t=0,p=4${ARGON2_TAIL}",
    f"$argon2id$v=19$m=65536,t=3,p=0${ARGON2_TAIL}",
    f"$argon2id$v=18$m=65536,t=3,p=4${ARGON2_TAIL}",
    f"$argon2id$v=19$m=65536,t=3,p=4,keyid=AAAA${ARGON2_TAIL}",
    f"$argon2id$v=19$m=65536,t=3,p=4${ARGON2_TAIL}==",
    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$" + "h" * 42 + "g",  # a 4-byte salt
    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGg",  # a 2-byte digest
    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHR$" + "h" * 42 + "g",  # stray bits in the salt
    "$argon2id$m=8,t=100000,p=1$" + ARGON2_TAIL + "\x00$x",  # the C decoder stops at NUL
    _argon2(65536, 3, 4)[:-1] + "é",  # non-ASCII: argon2-cffi's error would carry the hash
    "$argon2id$v=19$m=65536,t=3,p=4$" + "A" * 300 + "$" + "h" * 42 + "g",  # over 255 characters
    "$1$md5$not-a-known-scheme",
    "plain text",
    "",
]


@pytest.mark.parametrize("malformed", MALFORMED)
def test_import_refuses_malformed_hashes(malformed: str) -> None:
    """Anything but the one well-formed form of a known scheme is refused, never quoted.

    Such a hash never verifies, and it would fail faster than a real one:
    timing would tell the account exists (and a looser spelling hid its cost).
    """
    core = CustomerCore.in_memory(password_hasher=CHEAP)
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many(
            [{"name": "Eve", "email": "eve@example.com", "password_hash": malformed}]
        )
    assert caught.value.errors == {"0.password_hash": "must be an Argon2 or bcrypt hash"}
    assert core.customers.find_by_email("eve@example.com") is None


@pytest.mark.parametrize("malformed", MALFORMED)
def test_verify_refuses_a_malformed_hash_without_hashing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, malformed: str
) -> None:
    """verify_password hands a malformed hash to neither argon2 nor bcrypt (fail closed)."""
    _forbid_hashing(monkeypatch)
    with caplog.at_level(logging.WARNING):
        assert not passwords.verify_password(malformed, SECRET)
    assert passwords.cost_problem(malformed) == passwords.MALFORMED_HASH
    assert [r.getMessage() for r in caplog.records] == [
        "refused to verify a stored password hash: not a well-formed Argon2 or bcrypt hash"
    ]


def test_every_hash_the_libraries_make_is_well_formed() -> None:
    """The strict forms accept what argon2-cffi and bcrypt write, at any salt and digest size."""
    made = [
        legacy_hash(prefix=prefix, cost=cost)
        for prefix in ("$2y$", "$2b$", "$2a$")
        for cost in (4, 5)
        for _ in range(10)
    ]
    for kind in (argon2.Type.ID, argon2.Type.I, argon2.Type.D):
        for size in (8, 9, 10, 16, 31, 32, 33, 64):
            hasher = argon2.PasswordHasher(
                time_cost=1, memory_cost=8, parallelism=1, salt_len=size, hash_len=size, type=kind
            )
            made.append(hasher.hash(SECRET))
    made += [CHEAP.hash(SECRET), BcryptHasher(rounds=4).hash(SECRET)]
    assert [h for h in made if passwords.cost_problem(h) is not None] == []
    assert all(passwords.verify_password(h, SECRET) for h in made)


def test_verify_refuses_a_hash_over_the_limits_without_hashing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """verify_password never hands an over-limit hash to argon2 or bcrypt, and logs no hash."""
    _forbid_hashing(monkeypatch)
    costly = _argon2(4 * 1024 * 1024, 1, 1)
    with caplog.at_level(logging.WARNING):
        assert not passwords.verify_password(costly, SECRET)
        assert not CHEAP.verify("$2y$20$" + BCRYPT_TAIL, SECRET)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) == 2
    assert "$argon2" not in logged
    assert "$2y$" not in logged


def test_a_non_ascii_argon2_hash_fails_without_an_error_carrying_it() -> None:
    """Even past the strict form, argon2-cffi's UnicodeEncodeError (holding the hash) is a False."""
    bad = CHEAP.hash(SECRET)[:-1] + "é"
    assert passwords._verify_argon2(bad, SECRET) is False


def test_hashers_refuse_parameters_over_the_limits() -> None:
    """A hasher cannot be configured to write hashes that verification would refuse."""
    with pytest.raises(ValueError, match="at most"):
        Argon2Hasher(memory_cost=passwords.MAX_ARGON2_MEMORY_COST + 1)
    with pytest.raises(ValueError, match="at most"):
        Argon2Hasher(time_cost=passwords.MAX_ARGON2_TIME_COST + 1)
    with pytest.raises(ValueError, match="at most"):
        Argon2Hasher(parallelism=passwords.MAX_ARGON2_PARALLELISM + 1)
    with pytest.raises(ValueError, match="memory_cost × time_cost"):
        Argon2Hasher(memory_cost=passwords.MAX_ARGON2_MEMORY_COST, time_cost=4)
    with pytest.raises(ValueError, match="between 4 and 16"):
        BcryptHasher(rounds=17)
    assert passwords.MAX_ARGON2_WORK == 4 * argon2.DEFAULT_MEMORY_COST * argon2.DEFAULT_TIME_COST


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
    """cost_problem reads the two ASCII digits of the one bcrypt form; any other form is refused."""
    assert passwords.cost_problem("$2y$16$" + BCRYPT_TAIL) is None
    assert passwords.cost_problem("$2a$17$" + BCRYPT_TAIL) == "bcrypt cost above 16"
    for loose in LOOSE_BCRYPT:
        assert passwords.cost_problem(loose) == passwords.MALFORMED_HASH


@pytest.mark.parametrize(
    "made",
    [
        argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x" * 8),
        argon2.PasswordHasher(
            time_cost=2, memory_cost=2048, parallelism=3, type=argon2.Type.I
        ).hash("x" * 8),
        _argon2(10**9, 1, 1),
        _argon2(1024, 10**9, 1),
        f"$argon2id$m=1024,t=1,p=1${ARGON2_TAIL}",  # no version: argon2-cffi reads it
    ],
)
def test_argon2_costs_are_read_as_argon2_cffi_reads_them(made: str) -> None:
    """The strict reading of a well-formed Argon2 hash's costs agrees with argon2-cffi's."""
    found = argon2.extract_parameters(made)
    assert passwords._argon2_costs(made) == (found.memory_cost, found.time_cost, found.parallelism)


@pytest.mark.parametrize(
    "unreadable",
    [
        f"$argon2id$v=19$m=99999999,t=1,p=1,keyid=x${ARGON2_TAIL}",
        f"$argon2id$m=8,t=100000,p=1${ARGON2_TAIL}\x00$x",  # argon2-cffi fails, libargon2 computes
        _argon2(10**30, 1, 1),
    ],
)
def test_argon2_hashes_not_in_the_strict_form_fail_closed(unreadable: str) -> None:
    """A hash the strict form does not read is refused, never waved through as "no problem"."""
    assert passwords._argon2_costs(unreadable) is None
    assert passwords.cost_problem(unreadable) == passwords.MALFORMED_HASH


# -- re-hash of passwords that cannot be hashed anew ---------------------------------


class _FailingHasher:
    """CHEAP, except that making a hash raises an error quoting the password (as codecs do)."""

    def hash(self, password: str) -> str:
        raise ValueError(f"cannot hash {password!r}")

    def verify(self, password_hash: str, password: str) -> bool:
        return CHEAP.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return CHEAP.needs_rehash(password_hash)


def test_a_rehash_whose_hashing_fails_does_not_fail_a_correct_log_in(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log-in succeeds, the old hash stays, and the log names the error's class only."""
    core = CustomerCore.in_memory(clock=FrozenClock(), password_hasher=_FailingHasher())
    legacy = legacy_hash()
    core.customers.import_many(
        [{"name": "Legacy", "email": "legacy@example.com", "password_hash": legacy}]
    )
    with caplog.at_level(logging.DEBUG):
        found = core.customers.authenticate("legacy@example.com", SECRET)
    with core.storage.transaction() as tx:
        stored = tx.customers.find_credentials("legacy@example.com")
    assert stored is not None
    assert stored.password_hash == legacy
    messages = [r.getMessage() for r in caplog.records if r.name == "customer_core.passwords"]
    assert messages == [f"re-hash of customer {found.id} skipped: hashing failed (ValueError)"]
    assert all(r.exc_info is None for r in caplog.records)


def test_a_password_with_a_lone_surrogate_logs_in_without_a_rehash(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """It verifies against a legacy hash but has no UTF-8 form: no re-hash, nothing logged."""
    secret = "my pass\ud800word"  # json.loads('"\\ud800"') makes such strings
    legacy = "$2b$" + BcryptHasher(rounds=4).hash(secret)[4:]
    core = CustomerCore.in_memory(clock=FrozenClock(), password_hasher=CHEAP)
    core.customers.import_many(
        [{"name": "Legacy", "email": "legacy@example.com", "password_hash": legacy}]
    )
    with caplog.at_level(logging.DEBUG):
        core.customers.authenticate("legacy@example.com", secret)
    with core.storage.transaction() as tx:
        stored = tx.customers.find_credentials("legacy@example.com")
    assert stored is not None
    assert stored.password_hash == legacy
    assert [r for r in caplog.records if r.name.startswith("customer_core")] == []


# -- a host's hasher of another scheme -----------------------------------------------


class _ToyHasher:
    """A host's own hasher of a scheme the library does not know (never use it for real)."""

    def hash(self, password: str) -> str:
        return "$toy$" + hashlib.sha256(password.encode()).hexdigest()

    def verify(self, password_hash: str, password: str) -> bool:
        return hmac.compare_digest(password_hash, self.hash(password))

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith("$toy$")


def test_a_hosts_hasher_of_another_scheme_still_verifies_its_own_hashes() -> None:
    """Refusing hashes of unknown schemes at log-in spares those the configured hasher claims."""
    core = CustomerCore.in_memory(password_hasher=_ToyHasher())
    ada = core.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    assert core.customers.authenticate("ada@example.com", SECRET).id == ada.id
    with pytest.raises(InvalidCredentials):
        core.customers.authenticate("ada@example.com", SECRET + "!")


def test_the_librarys_hashers_claim_no_hash_of_another_scheme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With Argon2Hasher configured, a stored "$toy$" hash is refused unverified."""
    toy = CustomerCore.in_memory(password_hasher=_ToyHasher())
    toy.customers.register(name="Ada", email="ada@example.com", password=SECRET)
    core = CustomerCore(toy.storage, orders=toy.orders, password_hasher=CHEAP)
    verified: list[str] = []
    monkeypatch.setattr(passwords, "_verify_argon2", lambda h, p: verified.append(h) or False)
    with pytest.raises(InvalidCredentials):
        core.customers.authenticate("ada@example.com", SECRET)
    assert len(verified) == 1
    assert verified[0].startswith("$argon2id$")
