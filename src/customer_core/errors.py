"""The errors customer_core raises on purpose.

Every error the library raises for bad input, a missing record or a storage
failure is a :class:`CustomerCoreError`; no driver or ORM exception reaches the
caller. Messages never contain a password or a password hash.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "AddressNotFound",
    "CustomerBlocked",
    "CustomerCoreError",
    "CustomerNotFound",
    "DuplicateEmail",
    "InvalidCredentials",
    "InvalidResetToken",
    "NotFound",
    "NoteNotFound",
    "StorageConflict",
    "StorageError",
    "StorageUnavailable",
    "ValidationError",
]


class CustomerCoreError(Exception):
    """Base class of every error the library raises on purpose."""


class ValidationError(CustomerCoreError, ValueError):
    """Input broke a rule; ``errors`` maps each bad field to a message.

    Field names are the keyword names of the call (``"email"``), or
    ``"<index>.<field>"`` for a record of a bulk call (``"17.email"``).
    """

    errors: dict[str, str]

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        detail = "; ".join(f"{field}: {message}" for field, message in self.errors.items())
        super().__init__(f"invalid input: {detail}")

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        """Build the error for one field."""
        return cls({field: message})


class NotFound(CustomerCoreError, LookupError):
    """A record asked for by id does not exist."""

    kind = "record"

    def __init__(self, record_id: object) -> None:
        self.id = record_id
        super().__init__(f"{self.kind} {_shown_id(record_id)} not found")


def _shown_id(record_id: object) -> str:
    """The id for a message: short whatever it is (``repr(10**5000)`` itself raises)."""
    if isinstance(record_id, int) and record_id.bit_length() > 128:  # over 39 digits
        return f"(an integer of {record_id.bit_length()} bits)"
    try:
        text = repr(record_id)
    except ValueError:
        text = f"(a {type(record_id).__name__})"
    return text if len(text) <= 60 else text[:57] + "..."


class CustomerNotFound(NotFound):
    """No customer has this id."""

    kind = "customer"


class AddressNotFound(NotFound):
    """No address has this id."""

    kind = "address"


class NoteNotFound(NotFound):
    """No note has this id."""

    kind = "note"


class DuplicateEmail(CustomerCoreError):
    """Another customer already uses this e-mail address (compared case-insensitively)."""

    def __init__(self, email: str) -> None:
        self.email = email
        self.errors = {"email": "is already taken"}
        super().__init__(f"e-mail {email!r} is already taken")


class InvalidCredentials(CustomerCoreError):
    """The e-mail is unknown or the password is wrong; deliberately not saying which."""

    def __init__(self) -> None:
        super().__init__("invalid e-mail or password")


class InvalidResetToken(CustomerCoreError):
    """A password-reset token that is wrong, expired or already used; never saying which."""

    def __init__(self) -> None:
        super().__init__("invalid or expired password-reset token")


class CustomerBlocked(CustomerCoreError):
    """The credentials are right but the customer is blocked."""

    def __init__(self, customer_id: int) -> None:
        self.customer_id = customer_id
        super().__init__(f"customer {customer_id} is blocked")


class StorageError(CustomerCoreError):
    """The storage failed in a way that is not the caller's input (the call changed nothing)."""


class StorageUnavailable(StorageError):
    """The storage could not be reached (connection refused or lost); retrying may help."""


class StorageConflict(StorageError):
    """A transient conflict with another transaction (a deadlock or a lock wait that timed
    out); the call changed nothing, and retrying it is safe."""
