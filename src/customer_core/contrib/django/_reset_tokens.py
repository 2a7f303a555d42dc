"""Password-reset tokens on the Django ORM, in the table the SQLAlchemy adapter uses.

Laravel's password-reset layout (``email``, ``token``, ``created_at``; no
primary key), so a token issued through one adapter, or by Laravel's
``DatabaseTokenRepository``, redeems through the other.
"""

from __future__ import annotations

from django.db.models import QuerySet

from customer_core.contrib.django._values import db_time, read_time
from customer_core.contrib.django.models import PasswordResetToken as TokenRow
from customer_core.ports import ResetToken

__all__ = ["DjangoResetTokens"]


class DjangoResetTokens:
    """A :class:`~customer_core.ports.ResetTokens` on one Django database.

    One row per e-mail, as Laravel keeps it (delete, then insert); the newest row
    wins should another writer leave two.
    """

    def __init__(self, alias: str) -> None:
        self._rows: QuerySet[TokenRow] = TokenRow.objects.using(alias)

    def find(self, email: str) -> ResetToken | None:
        """The newest token issued to ``email``, or None."""
        newest = (
            self._rows.filter(email=email)
            .order_by("-created_at")
            .values_list("token", "created_at")[:1]
        )
        for token_hash, created_at in newest:
            return ResetToken(email=email, token_hash=token_hash, created_at=read_time(created_at))
        return None

    def replace(self, token: ResetToken) -> None:
        """Delete the e-mail's rows and insert this one."""
        self.delete(token.email)
        self._rows.create(
            email=token.email, token=token.token_hash, created_at=db_time(token.created_at)
        )

    def delete(self, email: str) -> None:
        """Delete every row of ``email``."""
        # A queryset's delete() of a model with no relations is one DELETE … WHERE.
        self._rows.filter(email=email).delete()
