"""The invariant machine's rules for the forgotten-password flow.

The machine models the tokens itself: the current one of each customer (when
it was issued) and every token used up or replaced. A request gets a token
only for a known customer who is not blocked and has no token younger than the
throttle; a reset succeeds only with the current token within its TTL, once.
Changing the e-mail, blocking and deleting drop the token (:meth:`drop_token`,
called by those rules).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from customer_core.errors import InvalidResetToken
from customer_core.services._password_reset import THROTTLE
from customer_core.testing.stateful._invariant_base import CUSTOMERS, InvariantState

__all__ = ["NEW_PASSWORD", "ResetRules"]

NEW_PASSWORD = "machine password after a reset"
#: What a caller sends when it has no token of the customer's: never a valid one.
NO_TOKEN = "no-such-token"


class ResetRules(InvariantState):
    """Reset requests (throttled, refused for unknown and blocked e-mails), resets, time passing."""

    @rule(
        customer_id=CUSTOMERS,
        shout=st.booleans(),
        then=st.sampled_from([None, "current", "used", "none"]),
    )
    def request_password_reset(self, customer_id: int, shout: bool, then: str | None) -> None:
        """Request a token; ``then`` redeem one in the same step (the mail read at once)."""
        self._request(customer_id, shout)
        if then is not None:
            self._redeem(customer_id, then, pick=0)

    @rule(
        customer_id=CUSTOMERS,
        which=st.sampled_from(["current", "current", "used", "none"]),
        pick=st.integers(0, 9),
    )
    def reset_password(self, customer_id: int, which: str, pick: int) -> None:
        """Redeem the current token, a used one, or none the customer ever had."""
        self._redeem(customer_id, which, pick)

    @rule(seconds=st.sampled_from([61, 3601]))
    def time_passes(self, seconds: int) -> None:
        """Past the throttle, or past the tokens' TTL (an hour by default)."""
        self.harness.clock.advance(seconds)

    def _request(self, customer_id: int, shout: bool) -> None:
        self.tick()
        core = self.harness.core
        email = _email_of(self, customer_id, shout)
        owner = self.owner_of(email)
        now = self.harness.clock.now()
        refused = (
            owner is None
            or core.customers.get(owner).is_blocked
            or (owner in self.tokens and now - self.tokens[owner][1] < THROTTLE)
        )
        if refused:
            before = self.snapshot_now()
            assert core.customers.request_password_reset(email) is None
            assert self.snapshot_now() == before, "a refused request changed the state"
            return
        assert owner is not None
        token = core.customers.request_password_reset(email)
        assert token is not None
        self.drop_token(owner)
        self.tokens[owner] = (token, now)
        self.undone_events[owner] += 1  # password_reset_requested: no visible state changes

    def _redeem(self, customer_id: int, which: str, pick: int) -> None:
        self.tick()
        core = self.harness.core
        email = _email_of(self, customer_id, shout=False)
        owner = self.owner_of(email)
        current = None if owner is None else self.tokens.get(owner)
        if which == "current" and current is not None:
            token = current[0]
        elif which == "used" and self.used_tokens:
            # The most recently dropped first: the likeliest to be wrongly alive.
            token = self.used_tokens[-1 - pick % len(self.used_tokens)]
        else:
            token = NO_TOKEN
        valid = (
            owner is not None
            and current is not None
            and token == current[0]
            and not core.customers.get(owner).is_blocked
            and self.harness.clock.now() - current[1] <= core.reset_token_ttl
        )
        if not valid:
            self.expect_failure(
                InvalidResetToken,
                lambda: core.customers.reset_password(email, token, NEW_PASSWORD),
            )
            return
        assert owner is not None
        assert core.customers.reset_password(email, token, NEW_PASSWORD).id == owner
        assert core.customers.authenticate(email, NEW_PASSWORD).id == owner
        self.drop_token(owner)
        self.undone_events[owner] += 1  # password_reset: the hash is no visible state


def _email_of(state: InvariantState, customer_id: int, shout: bool) -> str:
    """The customer's e-mail (upper-cased when ``shout``: look-ups ignore case), or one
    nobody has once the customer is deleted."""
    email = state.emails.get(customer_id, "nobody@example.com")
    return email.upper() if shout else email
