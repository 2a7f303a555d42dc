"""What an anonymized customer becomes: the values that identify no one.

Pure values, shared by the privacy service and every adapter's set-based path,
so that one customer anonymized in memory and a hundred thousand on SQL end
up with the same fields.

The e-mail is ``anonymized-<id>@anonymized.invalid``: unique because the id
is, and under the ``.invalid`` top-level domain that RFC 2606 reserves, so it
reaches no one. The library's own e-mail rule refuses special-use domains, so
no ``register``, ``change_email`` or import can take such an address from an
anonymized customer: the privacy service writes it deliberately, past the rule.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import attrs

from customer_core.timeline import EventType

__all__ = [
    "ANONYMIZED_EMAIL_DOMAIN",
    "ANONYMIZED_EMAIL_PREFIX",
    "ANONYMIZED_NAME",
    "ANONYMIZED_NOTE",
    "KEPT_EVENT_DATA",
    "UNUSABLE_PASSWORD_PREFIX",
    "Anonymization",
    "anonymized_email",
    "anonymized_fields",
    "is_unusable_password",
]

ANONYMIZED_NAME = "Anonymized customer"
"""The name of every anonymized customer."""

ANONYMIZED_NOTE = "[anonymized]"
"""The text every note about an anonymized customer is replaced by."""

ANONYMIZED_EMAIL_PREFIX = "anonymized-"
"""What an anonymized customer's e-mail starts with (then its id)."""

ANONYMIZED_EMAIL_DOMAIN = "anonymized.invalid"
"""The domain of every anonymized e-mail (``.invalid``: reserved, reaches no one)."""

UNUSABLE_PASSWORD_PREFIX = "!"
"""What an unusable password hash starts with: no scheme's hash does (Argon2 and bcrypt
start with ``$``), so no hasher verifies it (Django marks unusable passwords alike)."""

#: Event types whose ``data`` holds no personal data and is kept by an anonymization:
#: order figures, the names of changed fields and the ids of notes that stay (scrubbed).
#: Every other type's data is cleared: an allow-list, so a new event type is scrubbed
#: until someone decides its data is harmless.
KEPT_EVENT_DATA: tuple[EventType, ...] = (
    EventType.LIFETIME_VALUE_CHANGED,
    EventType.PROFILE_UPDATED,
    EventType.NOTE_ADDED,
    EventType.NOTE_EDITED,
    EventType.NOTE_REMOVED,
)


def anonymized_email(customer_id: int) -> str:
    """The e-mail an anonymized customer gets: unique by its id, delivered nowhere.

    >>> anonymized_email(42)
    'anonymized-42@anonymized.invalid'
    """
    return f"{ANONYMIZED_EMAIL_PREFIX}{customer_id}@{ANONYMIZED_EMAIL_DOMAIN}"


def is_unusable_password(password_hash: str) -> bool:
    """True for a hash :class:`Anonymization` wrote: one no hasher verifies."""
    return password_hash.startswith(UNUSABLE_PASSWORD_PREFIX)


def _unusable_password() -> str:
    # Random, not a constant: a host hasher that compared unknown hashes as plain text
    # (some legacy ones do) would still accept no password anyone can type.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(32)


def anonymized_fields(customer_id: int) -> dict[str, object]:
    """The customer fields (:class:`~customer_core.model.Customer` names) an anonymized
    customer has; ``is_blocked`` too: a second lock besides the unusable hash (no reset
    token is issued to a blocked customer)."""
    return {
        "name": ANONYMIZED_NAME,
        "email": anonymized_email(customer_id),
        "phone": None,
        "avatar": None,
        "is_blocked": True,
    }


@attrs.frozen
class Anonymization:
    """What one anonymization call writes besides :func:`anonymized_fields`: its time and
    the unusable password hash (random, shared by the customers of the call).

    Addresses and reset tokens are deleted, note texts become :data:`ANONYMIZED_NOTE`,
    and event ``data`` is cleared except for the types in :data:`KEPT_EVENT_DATA`.
    """

    updated_at: datetime
    password_hash: str = attrs.field(factory=_unusable_password, repr=False)

    def customer_changes(self, customer_id: int) -> dict[str, object]:
        """The customer's columns to write: :func:`anonymized_fields` and ``updated_at``."""
        return {**anonymized_fields(customer_id), "updated_at": self.updated_at}
