"""Password-reset tokens in memory: one per e-mail, journaled like every other write."""

from __future__ import annotations

from customer_core.adapters.memory._journal import Journal, Tables
from customer_core.ports import ResetToken

__all__ = ["InMemoryResetTokens"]


class InMemoryResetTokens:
    """A :class:`~customer_core.ports.ResetTokens` on the in-memory tables."""

    def __init__(self, tables: Tables, journal: Journal) -> None:
        self._t = tables
        self._journal = journal

    def find(self, email: str) -> ResetToken | None:
        """The token issued to ``email``, or None."""
        return self._t.reset_tokens.get(email)

    def replace(self, token: ResetToken) -> None:
        """Store ``token`` in place of the e-mail's previous one."""
        self._journal.set(self._t.reset_tokens, token.email, token)

    def delete(self, email: str) -> None:
        """Drop the e-mail's token, if any."""
        if email in self._t.reset_tokens:
            self._journal.delete(self._t.reset_tokens, email)
