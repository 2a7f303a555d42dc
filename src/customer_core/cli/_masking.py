"""Passwords out of everything the command prints: the database URL's, and any URL's.

An operator pastes output into tickets and chats, so a message never carries
the password of the URL it names, whatever the URL: a known database, an
unknown scheme (``foo://u:s3cret@h/db``) or text no parser accepts. Masking
works on the text, so it needs neither SQLAlchemy nor a URL that parses.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["MASK", "masked", "shown"]

MASK = "***"
#: ``scheme://user:password@`` anywhere in a text; the password runs to the last ``@``
#: before the next blank or quote (a password may itself hold ``@`` or ``:``).
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^\s:/@'\"]*:)[^\s'\"]*@")


def shown(url: str) -> str:
    """The URL as it may be printed: its password, if any, replaced by ``***``."""
    head, at, rest = url.rpartition("@")
    if not at:
        return url
    scheme, slashes, credentials = head.rpartition("//")
    user, colon, password = credentials.partition(":")
    if not colon or not password:
        return url
    return f"{scheme}{slashes}{user}:{MASK}@{rest}"


def _passwords(url: str) -> list[str]:
    """The password of ``url`` as typed and percent-decoded (both may reach a message)."""
    head, at, _ = url.rpartition("@")
    password = head.rpartition("//")[2].partition(":")[2] if at else ""
    return sorted({password, unquote(password)} - {""}, key=len, reverse=True)


def masked(text: str, url: str | None = None) -> str:
    """``text`` without the password of ``url`` nor of any ``scheme://user:password@`` in it."""
    text = _CREDENTIALS.sub(lambda match: f"{match['head']}{MASK}@", text)
    for password in _passwords(url) if url else ():
        text = text.replace(password, MASK)
    return text
