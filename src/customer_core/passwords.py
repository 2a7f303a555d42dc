"""Password hashing: Argon2id by default, Laravel-compatible bcrypt on request.

Whatever hasher is configured, :func:`verify_password` accepts a stored hash
of any known scheme (Argon2 and bcrypt ``$2y$``/``$2b$``/``$2a$``), so a
database a Laravel app filled keeps working. After a successful log-in the
registry asks the configured hasher whether the hash :meth:`needs_rehash`
and, if so, stores a new one made with the configured scheme and parameters.
"""

from __future__ import annotations

from typing import Protocol

import argon2
import bcrypt

__all__ = [
    "Argon2Hasher",
    "BcryptHasher",
    "PasswordHasher",
    "verify_password",
]

# bcrypt only ever reads 72 bytes; PHP cuts longer passwords silently and
# pyca/bcrypt >= 5 raises instead, so cut them the way Laravel did.
BCRYPT_MAX_BYTES = 72
BCRYPT_PREFIXES = ("$2y$", "$2b$", "$2a$")


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


def _verify_bcrypt(password_hash: str, password: str) -> bool:
    try:
        return bcrypt.checkpw(_bcrypt_bytes(password), password_hash.encode("ascii"))
    except ValueError:  # a malformed or truncated hash
        return False


_ARGON2_VERIFIER = argon2.PasswordHasher()


def _verify_argon2(password_hash: str, password: str) -> bool:
    # Verification reads the parameters from the hash itself, so one
    # verifier serves hashes made with any parameters.
    try:
        return _ARGON2_VERIFIER.verify(password_hash, _bytes(password))
    except argon2.exceptions.VerificationError:
        return False
    except argon2.exceptions.InvalidHashError:
        return False


def verify_password(password_hash: str, password: str) -> bool:
    """Check ``password`` against a stored hash of any known scheme; unknown schemes fail."""
    if password_hash.startswith(BCRYPT_PREFIXES):
        return _verify_bcrypt(password_hash, password)
    if password_hash.startswith("$argon2"):
        return _verify_argon2(password_hash, password)
    return False


class Argon2Hasher:
    """Argon2id (argon2-cffi), the default, with argon2-cffi's parameters (RFC 9106 low-memory).

    Lower ``time_cost``/``memory_cost`` only in tests.
    """

    def __init__(
        self,
        *,
        time_cost: int = argon2.DEFAULT_TIME_COST,
        memory_cost: int = argon2.DEFAULT_MEMORY_COST,
        parallelism: int = argon2.DEFAULT_PARALLELISM,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )

    def hash(self, password: str) -> str:
        """An Argon2id hash of ``password``."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Check ``password`` against a hash of any known scheme."""
        return verify_password(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True unless the hash is Argon2id with this hasher's parameters."""
        if not password_hash.startswith("$argon2id$"):
            return True
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except argon2.exceptions.InvalidHashError:
            return True

    def __repr__(self) -> str:
        h = self._hasher
        return (
            f"Argon2Hasher(time_cost={h.time_cost}, memory_cost={h.memory_cost},"
            f" parallelism={h.parallelism})"
        )


class BcryptHasher:
    """bcrypt hashes in Laravel's ``$2y$`` form (cost 12 by default).

    Use it while a Laravel app still logs customers in from the same
    database: Laravel's bcrypt hasher rejects ``$2b$`` and Argon2 hashes, so
    this hasher writes ``$2y$`` and never re-hashes a ``$2y$`` hash of its cost
    into anything else. Passwords are cut to 72 bytes, as PHP does.
    """

    def __init__(self, *, rounds: int = 12) -> None:
        if not 4 <= rounds <= 31:
            raise ValueError("bcrypt rounds must be between 4 and 31")
        self.rounds = rounds

    def hash(self, password: str) -> str:
        """A ``$2y$`` bcrypt hash of ``password``."""
        hashed = bcrypt.hashpw(_bcrypt_bytes(password), bcrypt.gensalt(self.rounds)).decode("ascii")
        # $2b$ and $2y$ are the same algorithm; pyca/bcrypt only writes $2b$.
        return "$2y$" + hashed[4:]

    def verify(self, password_hash: str, password: str) -> bool:
        """Check ``password`` against a hash of any known scheme."""
        return verify_password(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True unless the hash is ``$2y$`` with this hasher's cost."""
        return not password_hash.startswith(f"$2y${self.rounds:02d}$")

    def __repr__(self) -> str:
        return f"BcryptHasher(rounds={self.rounds})"
