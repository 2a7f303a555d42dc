"""Password-reset tokens in a table of Laravel's password-reset layout."""

from __future__ import annotations

from collections.abc import Callable

from customer_core.errors import StorageError
from customer_core.ports import ResetToken
from sqlalchemy import Connection, Table, delete, insert, select

__all__ = ["SQLAlchemyResetTokens"]


class SQLAlchemyResetTokens:
    """A :class:`~customer_core.ports.ResetTokens` on one connection.

    Laravel's ``DatabaseTokenRepository`` keeps one row per e-mail too (it deletes
    before it inserts); the newest row wins should another writer leave two.

    A database the library's ``create_schema`` never ran on (a Laravel database the
    host migrates itself) may lack the table: ``exists(connection)`` says so, asked
    only when a token is touched. Then nothing is found and nothing deleted
    (deleting a customer or changing an e-mail works as before), and storing a
    token raises ``StorageError`` naming the missing table.
    """

    def __init__(
        self, connection: Connection, table: Table, exists: Callable[[Connection], bool]
    ) -> None:
        self._connection = connection
        self._t = table
        self._exists = exists

    def find(self, email: str) -> ResetToken | None:
        """The newest token issued to ``email``, or None."""
        if not self._exists(self._connection):
            return None
        t = self._t
        row = self._connection.execute(
            select(t.c.token, t.c.created_at)
            .where(t.c.email == email)
            .order_by(t.c.created_at.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return ResetToken(email=email, token_hash=row.token, created_at=row.created_at)

    def replace(self, token: ResetToken) -> None:
        """Delete the e-mail's rows and insert this one."""
        if not self._exists(self._connection):
            raise StorageError(
                f"the password-reset table {self._t.name!r} is missing: run create_schema"
            )
        self.delete(token.email)
        self._connection.execute(
            insert(self._t).values(
                email=token.email, token=token.token_hash, created_at=token.created_at
            )
        )

    def delete(self, email: str) -> None:
        """Delete every row of ``email``."""
        if not self._exists(self._connection):
            return
        self._connection.execute(delete(self._t).where(self._t.c.email == email))
