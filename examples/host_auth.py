"""The examples' doors: an admin bearer token and signed order events, framework-neutral.

Authorization is the host's job, not the library's: a real host puts its own log-in,
sessions or OAuth scopes here. These two checks are the smallest honest stand-ins:

- admin routes want ``Authorization: Bearer <token>``, the token from configuration;
- the order-event endpoint wants ``X-Signature: sha256=<hex>``, the HMAC-SHA256 of the
  raw request body under a secret shared with the host's order code (as Stripe and
  GitHub sign their webhooks), so that only the host can move a lifetime value. No
  timestamp is signed (Stripe adds one against replays): replaying an event is harmless
  here, since handling it recomputes the customer from the committed orders.

The admin token belongs to one host user, ``admin_id`` (``$CUSTOMER_CORE_ADMIN_ID``,
default 1): the admin routes make their changes through ``core.acting_as(admin_id)``,
so the customer's timeline names who blocked it. A host with a real log-in passes
the id of the user its session or token resolves to.

Each check answers the HTTP status to refuse with (401 without a credential, 403 with a
wrong one) or ``None`` to let the request in. Comparisons use :func:`hmac.compare_digest`
so that the time taken does not tell an attacker how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import os

#: Where ``app_from_env`` reads the two secrets.
ADMIN_TOKEN_VARIABLE = "CUSTOMER_CORE_ADMIN_TOKEN"
EVENT_SECRET_VARIABLE = "CUSTOMER_CORE_EVENT_SECRET"
ADMIN_ID_VARIABLE = "CUSTOMER_CORE_ADMIN_ID"
#: The admin user when ``$CUSTOMER_CORE_ADMIN_ID`` is unset (a Laravel app's first user).
DEFAULT_ADMIN_ID = 1
SIGNATURE_HEADER = "X-Signature"
#: Shorter secrets can be guessed; ``secrets.token_urlsafe()`` gives 43 characters.
MINIMUM_SECRET_LENGTH = 16


def checked_secret(value: str | None, name: str) -> str:
    """``value`` if it is long enough to be a secret; else ``ValueError`` naming it (never it).

    The apps refuse to start without their secrets instead of serving an open door.
    """
    if value is None or len(value) < MINIMUM_SECRET_LENGTH:
        raise ValueError(f"{name} must be set to at least {MINIMUM_SECRET_LENGTH} characters")
    return value


def checked_user_id(value: object, name: str) -> int:
    """``value`` if it is a host user's id (a positive integer); else ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer (a host user's id)")
    return value


def admin_id_from_env() -> int:
    """The admin user's id in ``$CUSTOMER_CORE_ADMIN_ID`` (default :data:`DEFAULT_ADMIN_ID`)."""
    raw = os.environ.get(ADMIN_ID_VARIABLE, str(DEFAULT_ADMIN_ID)).strip()
    number = int(raw) if raw.isascii() and raw.isdigit() else raw
    return checked_user_id(number, ADMIN_ID_VARIABLE)


def secret_from_env(variable: str) -> str:
    """The secret in environment ``variable`` (``ValueError`` when unset or too short)."""
    return checked_secret(os.environ.get(variable), variable)


def bearer_refusal(authorization: str | None, token: str) -> int | None:
    """401 without ``Authorization: Bearer …``, 403 with another token, ``None`` with ``token``."""
    scheme, _, sent = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not sent.strip():
        return 401
    if not hmac.compare_digest(sent.strip().encode(), token.encode()):
        return 403
    return None


def signature(body: bytes, secret: str) -> str:
    """The ``X-Signature`` value the host's order code sends with ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_refusal(header: str | None, body: bytes, secret: str) -> int | None:
    """401 without a signature, 403 with one that does not match ``body``, else ``None``."""
    if not header:
        return 401
    if not hmac.compare_digest(header.strip().encode(), signature(body, secret).encode()):
        return 403
    return None
