"""The default scroll-cursor secret of a core on an engine: derived from its URL's password.

Every process that opens the same database URL (with the same user and password)
signs and reads cursors alike, so a scroll survives a load balancer, while someone
who knows only the library's source cannot sign one. A URL without a password
(SQLite, peer authentication) has nothing secret to derive from: None, and the core
draws a random key of its own (``cursor_secret=`` shares one across processes).
"""

from __future__ import annotations

from customer_core.services._cursor import derived_secret
from sqlalchemy import Engine

__all__ = ["engine_cursor_secret"]


def engine_cursor_secret(engine: Engine) -> bytes | None:
    """The cursor secret derived from ``engine``'s URL with its password; None without one."""
    url = engine.url
    if not url.password:
        return None
    # The whole URL (user, host, database, password): never logged, only hashed.
    return derived_secret("database URL", url.render_as_string(hide_password=False))
