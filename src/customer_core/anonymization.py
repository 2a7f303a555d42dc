"""What an anonymized customer becomes: the values that identify no one.

Pure values, shared by the privacy service and every adapter's set-based path,
so that one customer anonymized in memory and a hundred thousand on SQL end
up with the same fields.

The e-mail is ``anonymized-<id>-<token>@anonymized.invalid``: unique because
the id is, unguessable because the token is random (drawn per anonymization
call), and under the ``.invalid`` top-level domain that RFC 2606 reserves, so
it reaches no one. The library's own e-mail rule refuses special-use domains
and every domain that folds to ``.invalid`` (``invalíd`` and the like, which a
MySQL/MariaDB collation compares as equal), so no ``register``,
``change_email`` or import can take such an address before or after an
anonymization: the privacy service writes it deliberately, past the rule.

A customer is recognised as anonymized by its stored state alone: an e-mail at
:data:`ANONYMIZED_EMAIL_DOMAIN` (:func:`is_anonymized_email`), which nothing but an
anonymization can write. Such a customer refuses every change that would give it
personal data or a log-in back.
"""

from __future__ import annotations

import re
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
    "has_anonymized_email",
    "is_anonymized_email",
    "is_unusable_password",
]

ANONYMIZED_NAME = "Anonymized customer"
"""The name of every anonymized customer."""

ANONYMIZED_NOTE = "[anonymized]"
"""The text every note about an anonymized customer is replaced by."""

ANONYMIZED_EMAIL_PREFIX = "anonymized-"
"""What an anonymized customer's e-mail starts with (then its id, a dash and a random token)."""

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


#: The random token of an anonymized e-mail: lower-case hex (an e-mail is stored lower-cased),
#: 24 characters (96 bits), so nobody can register the address before an anonymization.
_TOKEN = re.compile(r"[0-9a-f]{24}")


def anonymized_email(customer_id: int, token: str) -> str:
    """The e-mail an anonymized customer gets: unique by its id, unguessable by the random
    ``token`` (see :attr:`Anonymization.email_token`), delivered nowhere.

    >>> anonymized_email(42, "0123456789abcdef01234567")
    'anonymized-42-0123456789abcdef01234567@anonymized.invalid'
    """
    return f"{ANONYMIZED_EMAIL_PREFIX}{customer_id}-{token}@{ANONYMIZED_EMAIL_DOMAIN}"


def is_anonymized_email(email: str) -> bool:
    """True for an e-mail at :data:`ANONYMIZED_EMAIL_DOMAIN`: one only an anonymization
    writes (the e-mail rule refuses the domain), so its customer is anonymized.

    >>> is_anonymized_email("anonymized-42-0123456789abcdef01234567@anonymized.invalid")
    True
    >>> is_anonymized_email("ada@example.com")
    False
    """
    return email.lower().endswith("@" + ANONYMIZED_EMAIL_DOMAIN)


def has_anonymized_email(customer_id: int, email: str) -> bool:
    """True when ``email`` is an :func:`anonymized_email` of ``customer_id`` (any token):
    the e-mail an anonymization of this customer leaves, nothing left to replace."""
    prefix = f"{ANONYMIZED_EMAIL_PREFIX}{customer_id}-"
    suffix = f"@{ANONYMIZED_EMAIL_DOMAIN}"
    if not (email.startswith(prefix) and email.endswith(suffix)):
        return False
    return _TOKEN.fullmatch(email[len(prefix) : -len(suffix)]) is not None


def is_unusable_password(password_hash: str) -> bool:
    """True for a hash :class:`Anonymization` wrote: one no hasher verifies."""
    return password_hash.startswith(UNUSABLE_PASSWORD_PREFIX)


def _unusable_password() -> str:
    # Random, not a constant: a host hasher that compared unknown hashes as plain text
    # (some legacy ones do) would still accept no password anyone can type.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(32)


def _email_token() -> str:
    return secrets.token_hex(12)


def anonymized_fields(customer_id: int, token: str) -> dict[str, object]:
    """The customer fields (:class:`~customer_core.model.Customer` names) an anonymized
    customer has; ``is_blocked`` too: a second lock besides the unusable hash (no reset
    token is issued to a blocked customer)."""
    return {
        "name": ANONYMIZED_NAME,
        "email": anonymized_email(customer_id, token),
        "phone": None,
        "avatar": None,
        "is_blocked": True,
    }


@attrs.frozen
class Anonymization:
    """What one anonymization call writes besides :func:`anonymized_fields`: its time, the
    unusable password hash and the e-mail token (both random, shared by the customers of
    the call; the ids keep the e-mails unique).

    Addresses and reset tokens are deleted, note texts become :data:`ANONYMIZED_NOTE`,
    and event ``data`` is cleared except for the types in :data:`KEPT_EVENT_DATA`.
    """

    updated_at: datetime
    password_hash: str = attrs.field(factory=_unusable_password, repr=False)
    email_token: str = attrs.field(factory=_email_token, repr=False)

    @email_token.validator
    def _check_token(self, _: object, value: str) -> None:
        if _TOKEN.fullmatch(value) is None:
            raise ValueError("email_token must be 24 lower-case hex digits")

    def customer_changes(self, customer_id: int) -> dict[str, object]:
        """The customer's columns to write: :func:`anonymized_fields` and ``updated_at``."""
        return {**anonymized_fields(customer_id, self.email_token), "updated_at": self.updated_at}

    def email(self, customer_id: int) -> str:
        """The :func:`anonymized_email` this call gives the customer."""
        return anonymized_email(customer_id, self.email_token)
