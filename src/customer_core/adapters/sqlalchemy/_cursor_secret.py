"""The default scroll-cursor key of a core on an engine: derived from its URL without the password.

Every process that opens the same database (same driver, user, host, port and
database name) signs and reads cursors alike, so a scroll survives a load
balancer with no configuration. It is not a secret: whoever knows the URL's
public parts can sign a cursor, which only lets them choose where their own
scroll starts (every value is checked before it reaches SQL). The password is
never part of it: a cursor is handed to API clients, and a key derived from the
password would let them test password guesses offline against its tag.
``cursor_secret=`` makes cursors unforgeable.
"""

from __future__ import annotations

from customer_core.services._cursor import derived_secret
from sqlalchemy import URL, Engine

__all__ = ["engine_cursor_secret"]


def engine_cursor_secret(engine: Engine) -> bytes:
    """The cursor secret derived from ``engine``'s URL with its password left out."""
    url = engine.url
    # No query string either: drivers take ``?password=…`` there too.
    public = URL.create(url.drivername, url.username, None, url.host, url.port, url.database)
    return derived_secret("database URL", public.render_as_string(hide_password=False))
