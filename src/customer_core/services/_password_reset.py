"""The forgotten-password flow: issue a reset token, redeem it once for a new password.

Tokens live in the :class:`~customer_core.ports.ResetTokens` port, hashed by the
configured password hasher (Laravel's ``DatabaseTokenRepository`` does the same,
so either side can redeem what the other issued). Every call spends one hash
(a request) or one verification (a reset) whether the e-mail is known or not.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from customer_core import passwords, rules
from customer_core.anonymization import is_anonymized_email
from customer_core.errors import InvalidResetToken
from customer_core.model import Customer
from customer_core.ports import ResetToken, Transaction
from customer_core.rules import Fields
from customer_core.services._context import Context
from customer_core.timeline import EventType

__all__ = ["THROTTLE", "TOKEN_BYTES", "request_reset", "reset_password"]

TOKEN_BYTES = 32
"""Random bytes per token: 256 bits, twice the 128 asked for (URL-safe base64, 43 characters)."""

THROTTLE = timedelta(seconds=60)
"""A customer's second request within this time is refused (Laravel's default throttle)."""


def _token_text(value: object) -> str | None:
    """The token as given; None when no token can equal it (not text, or absurdly long)."""
    if not isinstance(value, str) or not 0 < len(value) <= rules.MAX_PASSWORD:
        return None
    return value


def request_reset(context: Context, email: str | None) -> str | None:
    """A new token for the known, unblocked customer with ``email``, else None.

    ``email`` is lower-cased already (None: nobody can have it). The token's hash is
    made before anything is looked up, so unknown and blocked e-mails cost one hash too.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    token_hash = context.hasher.hash(token)

    def work(tx: Transaction) -> str | None:
        found = None if email is None else tx.customers.find_by_email(email)
        customer = None if found is None else tx.customers.lock(found.id)
        if customer is None or customer.is_blocked or is_anonymized_email(customer.email):
            return None
        now = context.now()
        previous = tx.reset_tokens.find(customer.email)
        if _recent(previous, now):
            return None
        tx.reset_tokens.replace(ResetToken(customer.email, token_hash, now))
        # Never the token, not even its hash: the timeline is read by support staff.
        context.record(tx, customer.id, EventType.PASSWORD_RESET_REQUESTED)
        return token

    return context.write(work)


def reset_password(
    context: Context,
    email: str | None,
    token: object,
    password: object,
    timing_hash: Callable[[], str],
) -> Customer:
    """Set ``password`` for the customer ``token`` was issued to; ``InvalidResetToken`` else.

    The token is checked (one verification, against ``timing_hash()`` when there is
    nothing to check) before any lock is taken; the write then locks the customer and
    goes ahead only if the same token is still stored (compare-and-set: a token
    redeemed or replaced meanwhile is used up). The write drops every token of the
    customer and does not look at the stored password hash, so a log-in's re-hash
    that lands before it is simply replaced, and one that comes after sees another
    hash and writes nothing (:meth:`CustomerRegistry.authenticate`).
    """
    fields = Fields()
    secret = fields.check("password", rules.password, password)
    fields.done()
    given = _token_text(token)
    stored = None if email is None else context.read(lambda tx: _stored_token(tx, email))
    hasher = context.hasher
    # A stored hash over the cost limits or malformed is never verified (as at log-in).
    if stored is None or given is None or passwords.cost_problem(stored[1].token_hash):
        hasher.verify(timing_hash(), given or "")
        raise InvalidResetToken()
    customer, checked = stored
    if not hasher.verify(checked.token_hash, given) or _expired(context, checked):
        raise InvalidResetToken()
    password_hash = hasher.hash(secret)

    def work(tx: Transaction) -> Customer:
        locked = tx.customers.lock(customer.id)
        current = None if locked is None else tx.reset_tokens.find(locked.email)
        # Two stored hashes compared, no caller input: timing tells nothing.
        if (
            locked is None
            or locked.is_blocked
            or is_anonymized_email(locked.email)
            or current is None
            or current.token_hash != checked.token_hash
        ):
            raise InvalidResetToken()
        tx.reset_tokens.delete(locked.email)
        tx.customers.set_password_hash(locked.id, password_hash, context.now())
        context.record(tx, locked.id, EventType.PASSWORD_RESET)
        updated = tx.customers.find(locked.id)
        assert updated is not None, "the customer is locked"
        return updated

    return context.write(work)


def _stored_token(tx: Transaction, email: str) -> tuple[Customer, ResetToken] | None:
    """The unblocked customer with ``email`` and its stored token, or None."""
    customer = tx.customers.find_by_email(email)
    if customer is None or customer.is_blocked or is_anonymized_email(customer.email):
        return None
    stored = tx.reset_tokens.find(customer.email)
    return None if stored is None else (customer, stored)


def _recent(token: ResetToken | None, now: datetime) -> bool:
    """True when ``token`` was issued less than :data:`THROTTLE` before ``now`` (one stamped
    in the future, by a writer on another clock, throttles nothing)."""
    if token is None or token.created_at is None or token.created_at > now:
        return False
    return now - token.created_at < THROTTLE


def _expired(context: Context, token: ResetToken) -> bool:
    """True when the token is older than the TTL (or its age is unknown or negative)."""
    now = context.now()
    if token.created_at is None or token.created_at > now:  # unknown or future age: expired
        return True
    return now - token.created_at > context.reset_token_ttl
