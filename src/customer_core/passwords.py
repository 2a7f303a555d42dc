"""Password hashing: Argon2id by default, Laravel-compatible bcrypt on request.

Whatever hasher is configured, :func:`verify_password` accepts a stored hash
of any known scheme (Argon2 and bcrypt ``$2y$``/``$2b$``/``$2a$``), so a
database a Laravel app filled keeps working. After a successful log-in the
registry asks the configured hasher whether the hash :meth:`needs_rehash`
and, if so, stores a new one made with the configured scheme and parameters.

A stored hash names its own cost, so a hash written by someone else (an
import, a compromised host) could ask for gigabytes of memory or hours of CPU
at the next log-in. :func:`cost_problem` bounds it, and refuses any hash not
in the one well-formed form of its scheme (whose cost could be read wrong):
imports refuse such a hash and verification treats it as a wrong password
(:doc:`/security`).

argon2-cffi and bcrypt are imported at the first hash or verification, not
with the library: most processes that import ``customer_core`` never log
anyone in.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import re
from typing import TYPE_CHECKING, Final, Protocol

from customer_core.anonymization import is_unusable_password

if TYPE_CHECKING:
    import argon2

__all__ = [
    "BCRYPT_MAX_BYTES",
    "MALFORMED_HASH",
    "MAX_ARGON2_MEMORY_COST",
    "MAX_ARGON2_PARALLELISM",
    "MAX_ARGON2_TIME_COST",
    "MAX_ARGON2_WORK",
    "MAX_BCRYPT_COST",
    "MAX_HASH_LENGTH",
    "Argon2Hasher",
    "BcryptHasher",
    "PasswordHasher",
    "cost_problem",
    "verify_password",
]

logger = logging.getLogger(__name__)

# bcrypt only ever reads 72 bytes; PHP cuts longer passwords silently and
# pyca/bcrypt >= 5 raises instead, so cut them the way Laravel did.
BCRYPT_MAX_BYTES: Final = 72
"""How many bytes of a password (UTF-8) bcrypt reads; the rest is ignored."""
BCRYPT_PREFIXES: Final = ("$2y$", "$2b$", "$2a$")
MIN_BCRYPT_COST: Final = 4
MAX_BCRYPT_COST: Final = 16
"""The highest bcrypt cost accepted (2**16 rounds, about 16 times Laravel's default of 12)."""

# argon2-cffi's defaults (RFC 9106's low-memory profile), written out so that
# building an Argon2Hasher does not import argon2-cffi; a test keeps them equal.
ARGON2_TIME_COST: Final = 3
ARGON2_MEMORY_COST: Final = 65_536
ARGON2_PARALLELISM: Final = 4


# Four times argon2-cffi's default memory (64 MiB) and over three times its time
# cost; OWASP's recommendations (19–46 MiB, t=1–5, p=1) are all within.
MAX_ARGON2_MEMORY_COST: Final = 262_144
"""The highest Argon2 memory cost accepted, in KiB (256 MiB)."""
MAX_ARGON2_TIME_COST: Final = 10
"""The highest Argon2 time cost (passes over the memory) accepted."""
MAX_ARGON2_PARALLELISM: Final = 16
"""The highest Argon2 parallelism (lanes) accepted."""
# The time a verification takes grows with memory × passes (lanes share the
# work): four times argon2-cffi's defaults, so m=256 MiB needs t<=3.
MAX_ARGON2_WORK: Final = 4 * ARGON2_MEMORY_COST * ARGON2_TIME_COST
"""The highest Argon2 memory cost (KiB) × time cost accepted: 786 432, 4× argon2-cffi's defaults."""


class PasswordHasher(Protocol):
    """Makes and checks password hashes of one scheme."""

    def hash(self, password: str) -> str:
        """A new salted hash of ``password``."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches ``password_hash`` (of any known scheme)."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when ``password_hash`` is not of this hasher's scheme and parameters."""
        ...


def _bytes(password: str) -> bytes:
    # "surrogatepass" lets a malformed password (lone surrogates) be checked,
    # and fail, like any other wrong password instead of raising.
    return password.encode("utf-8", "surrogatepass")


def _bcrypt_bytes(password: str) -> bytes:
    return _bytes(password)[:BCRYPT_MAX_BYTES]


def is_bcrypt(password_hash: str) -> bool:
    """True when ``password_hash`` is of the bcrypt scheme (any of its prefixes)."""
    return password_hash.startswith(BCRYPT_PREFIXES)


def longer_than_bcrypt_reads(password: str) -> bool:
    """True when bcrypt would ignore part of ``password`` (over 72 bytes in UTF-8)."""
    # A character is at most 4 bytes: short passwords need no encoding.
    return len(password) * 4 > BCRYPT_MAX_BYTES and len(_bytes(password)) > BCRYPT_MAX_BYTES


MAX_HASH_LENGTH: Final = 255
"""The longest stored hash accepted (Laravel's ``password`` column); real ones are shorter."""
MALFORMED_HASH: Final = "not a well-formed Argon2 or bcrypt hash"
""":func:`cost_problem`'s answer for a hash it cannot read exactly as argon2/bcrypt would."""

# The one form of a bcrypt hash: a two-digit cost, a 16-byte salt (22
# characters of bcrypt's base64) and a 23-byte digest (31). Their last
# characters carry 2 and 4 bits, the rest must be zero: bcrypt refuses any
# other salt at once (timing would tell such an account from an unknown one),
# and no other digest can ever match. Looser forms that bcrypt 5 still reads
# ("$2y$017$", "$2y$+17$", "$2y$$17$") hid their cost from a check of hash[4:6].
_BCRYPT_HASH: Final = re.compile(
    r"\A\$2[aby]\$([0-9]{2})\$"
    r"[./A-Za-z0-9]{21}[.Oeu]"
    r"[./A-Za-z0-9]{30}[.CGKOSWaeimquy26]\Z"
)

#: A bcrypt hash :func:`cost_problem` accepts, in one match: :data:`_BCRYPT_HASH` with the
#: cost spelled out from :data:`MIN_BCRYPT_COST` to :data:`MAX_BCRYPT_COST`. For checking a
#: column of hashes without a call per hash (the import); a test proves it agrees with
#: :func:`cost_problem` on every string of bcrypt's prefixes.
BCRYPT_WITHIN_LIMITS: Final = re.compile(
    r"\$2[aby]\$(?:"
    + "|".join(f"{cost:02d}" for cost in range(MIN_BCRYPT_COST, MAX_BCRYPT_COST + 1))
    + r")\$[./A-Za-z0-9]{21}[.Oeu][./A-Za-z0-9]{30}[.CGKOSWaeimquy26]"
)

# The PHC form libargon2 decodes: decimal numbers without leading zeros (it
# refuses "m=08"), an optional version it knows, base64 without padding. A
# hash of any other form is refused unread: argon2-cffi's parser and the C
# decoder disagree on some (a NUL byte, a missing "v="), and the cost one of
# them reads is not always the cost the other computes.
_NUMBER = r"(0|[1-9][0-9]{0,9})"
_ARGON2_HASH: Final = re.compile(
    r"\A\$argon2(?:id|i|d)(?:\$v=(?:16|19))?"
    rf"\$m={_NUMBER},t={_NUMBER},p=(0|[1-9][0-9]{{0,2}})"
    r"\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)\Z"
)
# libargon2's floors: an 8-byte salt, a 4-byte digest, one pass, one lane, and
# 8 KiB of memory per lane; below them it fails at once (a timing tell).
ARGON2_MIN_SALT_BYTES: Final = 8
ARGON2_MIN_DIGEST_BYTES: Final = 4


def _bcrypt_cost(password_hash: str) -> int | None:
    """The cost of a well-formed bcrypt hash (``$2y$12$…`` → 12), else None."""
    match = _BCRYPT_HASH.match(password_hash)
    return None if match is None else int(match.group(1))


def _canonical_base64(text: str, minimum_bytes: int) -> bool:
    """True when ``text`` is unpadded base64 of ``minimum_bytes`` or more, spelled canonically."""
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        return False
    # libargon2 refuses non-zero leftover bits: the canonical spelling is the only one.
    return len(raw) >= minimum_bytes and base64.b64encode(raw).rstrip(b"=") == text.encode()


def _argon2_costs(password_hash: str) -> tuple[int, int, int] | None:
    """``(memory, time, parallelism)`` of a well-formed Argon2 hash, else None."""
    match = _ARGON2_HASH.match(password_hash)
    if match is None:
        return None
    memory, time, lanes = (int(number) for number in match.group(1, 2, 3))
    if time < 1 or lanes < 1 or memory < 8 * lanes:
        return None
    salt, digest = match.group(4, 5)
    if not (
        _canonical_base64(salt, ARGON2_MIN_SALT_BYTES)
        and _canonical_base64(digest, ARGON2_MIN_DIGEST_BYTES)
    ):
        return None
    return memory, time, lanes


def _argon2_problem(password_hash: str) -> str | None:
    costs = _argon2_costs(password_hash)
    if costs is None:
        return MALFORMED_HASH
    memory, time, lanes = costs
    if memory > MAX_ARGON2_MEMORY_COST:
        return f"Argon2 memory cost above {MAX_ARGON2_MEMORY_COST} KiB"
    if time > MAX_ARGON2_TIME_COST:
        return f"Argon2 time cost above {MAX_ARGON2_TIME_COST}"
    if lanes > MAX_ARGON2_PARALLELISM:
        return f"Argon2 parallelism above {MAX_ARGON2_PARALLELISM}"
    if memory * time > MAX_ARGON2_WORK:
        return f"Argon2 memory cost × time cost above {MAX_ARGON2_WORK}"
    return None


def _bcrypt_problem(password_hash: str) -> str | None:
    cost = _bcrypt_cost(password_hash)
    if cost is None or cost < MIN_BCRYPT_COST:  # bcrypt's own floor: it refuses 0-3
        return MALFORMED_HASH
    if cost > MAX_BCRYPT_COST:
        return f"bcrypt cost above {MAX_BCRYPT_COST}"
    return None


def cost_problem(password_hash: str) -> str | None:
    """Why ``password_hash`` may not be verified, or None when it is well-formed and within limits.

    It fails closed: a hash is judged only in the one form argon2 and bcrypt
    read exactly as it is read here (Argon2 in PHC form, bcrypt
    ``$2a$``/``$2b$``/``$2y$`` with a two-digit cost); anything else, another
    scheme included, is :data:`MALFORMED_HASH`. Limits: ``MAX_ARGON2_*`` and
    :data:`MAX_BCRYPT_COST`. The message never quotes the hash.

    >>> salt_and_digest = "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
    >>> cost_problem("$2y$12$" + salt_and_digest) is None
    True
    >>> cost_problem("$2y$31$" + salt_and_digest)
    'bcrypt cost above 16'
    >>> cost_problem("$2y$012$" + salt_and_digest)
    'not a well-formed Argon2 or bcrypt hash'
    """
    if len(password_hash) > MAX_HASH_LENGTH:
        return MALFORMED_HASH
    if password_hash.startswith(BCRYPT_PREFIXES):
        return _bcrypt_problem(password_hash)
    if password_hash.startswith("$argon2"):
        return _argon2_problem(password_hash)
    return MALFORMED_HASH


def _verify_bcrypt(password_hash: str, password: str) -> bool:
    import bcrypt

    try:
        return bcrypt.checkpw(_bcrypt_bytes(password), password_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):  # a malformed or truncated hash
        return False


@functools.cache
def _argon2_verifier() -> argon2.PasswordHasher:
    import argon2

    return argon2.PasswordHasher()


def _verify_argon2(password_hash: str, password: str) -> bool:
    # Verification reads the parameters from the hash itself, so one
    # verifier serves hashes made with any parameters.
    import argon2

    try:
        return _argon2_verifier().verify(password_hash, _bytes(password))
    except (
        argon2.exceptions.VerificationError,
        argon2.exceptions.InvalidHashError,
        UnicodeError,  # a non-ASCII hash: the error would carry the whole hash
    ):
        return False


def verify_password(password_hash: str, password: str) -> bool:
    """Check ``password`` against a stored hash of any known scheme.

    A hash :func:`cost_problem` objects to (over the cost limits, not
    well-formed, of an unknown scheme) fails before any hashing, and is
    logged without the hash.
    """
    problem = cost_problem(password_hash)
    if problem is not None:
        logger.warning("refused to verify a stored password hash: %s", problem)
        return False
    if is_bcrypt(password_hash):
        return _verify_bcrypt(password_hash, password)
    return _verify_argon2(password_hash, password)


class Argon2Hasher:
    """Argon2id (argon2-cffi), the default, with argon2-cffi's parameters (RFC 9106 low-memory).

    Lower ``time_cost``/``memory_cost`` only in tests. Parameters above
    the ``MAX_ARGON2_*`` limits (each, and memory × time) are a ``ValueError``:
    such hashes would be refused at verification.
    """

    def __init__(
        self,
        *,
        time_cost: int = ARGON2_TIME_COST,
        memory_cost: int = ARGON2_MEMORY_COST,
        parallelism: int = ARGON2_PARALLELISM,
    ) -> None:
        if (
            time_cost > MAX_ARGON2_TIME_COST
            or memory_cost > MAX_ARGON2_MEMORY_COST
            or parallelism > MAX_ARGON2_PARALLELISM
            or memory_cost * time_cost > MAX_ARGON2_WORK
        ):
            raise ValueError(
                f"Argon2 costs must be at most time_cost={MAX_ARGON2_TIME_COST},"
                f" memory_cost={MAX_ARGON2_MEMORY_COST} (KiB),"
                f" parallelism={MAX_ARGON2_PARALLELISM},"
                f" and memory_cost × time_cost={MAX_ARGON2_WORK}"
            )
        self.time_cost = time_cost
        self.memory_cost = memory_cost
        self.parallelism = parallelism

    @functools.cached_property
    def _hasher(self) -> argon2.PasswordHasher:
        import argon2

        return argon2.PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
            type=argon2.Type.ID,
        )

    def hash(self, password: str) -> str:
        """An Argon2id hash of ``password``."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Check ``password`` against a hash of any known scheme."""
        return verify_password(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True unless the hash is Argon2id with this hasher's parameters (or unusable: an
        anonymized customer's, which no password verifies)."""
        import argon2

        if is_unusable_password(password_hash):
            return False
        if not password_hash.startswith("$argon2id$"):
            return True
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except argon2.exceptions.InvalidHashError:
            return True

    def __repr__(self) -> str:
        return (
            f"Argon2Hasher(time_cost={self.time_cost}, memory_cost={self.memory_cost},"
            f" parallelism={self.parallelism})"
        )


class BcryptHasher:
    """bcrypt hashes in Laravel's ``$2y$`` form (cost 12 by default).

    Use it while a Laravel app still logs customers in from the same
    database: Laravel's bcrypt hasher rejects ``$2b$`` and Argon2 hashes, so
    this hasher writes ``$2y$`` and never re-hashes a ``$2y$`` hash of its cost
    into anything else. Give it the cost the Laravel app uses (its
    ``BCRYPT_ROUNDS``): with different costs each side re-hashes the other's
    hashes at every log-in. Passwords are cut to 72 bytes, as PHP does.
    ``rounds`` goes from 4 to :data:`MAX_BCRYPT_COST`.
    """

    def __init__(self, *, rounds: int = 12) -> None:
        if not MIN_BCRYPT_COST <= rounds <= MAX_BCRYPT_COST:
            raise ValueError(
                f"bcrypt rounds must be between {MIN_BCRYPT_COST} and {MAX_BCRYPT_COST}"
            )
        self.rounds = rounds

    def hash(self, password: str) -> str:
        """A ``$2y$`` bcrypt hash of ``password``."""
        import bcrypt

        hashed = bcrypt.hashpw(_bcrypt_bytes(password), bcrypt.gensalt(self.rounds)).decode("ascii")
        # $2b$ and $2y$ are the same algorithm; pyca/bcrypt only writes $2b$.
        return "$2y$" + hashed[4:]

    def verify(self, password_hash: str, password: str) -> bool:
        """Check ``password`` against a hash of any known scheme."""
        return verify_password(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True unless the hash is ``$2y$`` with this hasher's cost (or unusable)."""
        return not is_unusable_password(password_hash) and not password_hash.startswith(
            f"$2y${self.rounds:02d}$"
        )

    def __repr__(self) -> str:
        return f"BcryptHasher(rounds={self.rounds})"
