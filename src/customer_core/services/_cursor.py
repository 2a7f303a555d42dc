"""Scroll cursors: an opaque, integrity-checked string holding where a scroll stopped.

A cursor is ``<payload>.<tag>``, both URL-safe base64 without padding. The payload
is compact JSON: a format version, the sort (``"-name"``), a fingerprint of the
query's filters and the last row's keyset (its sort value and id). The tag is an
HMAC-SHA256 of the payload under the core's cursor secret, cut to 128 bits.

The secret is the host's ``cursor_secret``; without one it is derived from the
database URL without its password (``from_url``/``from_engine``: stable across the
processes that share the database, but not a secret), from Django's ``SECRET_KEY``
(``get_core``), or drawn at random per core (``in_memory``, a storage of the
host's). Never from the password: a cursor goes to API clients, and its tag would
let them test password guesses offline.

A cursor decodes only for the sort and filters it was made for: anything else (a
cursor edited, truncated, forged without the secret, or made by another scroll)
raises :class:`~customer_core.rules.Invalid`, which the service reports on
``after``. Its values are parsed back to their types before any storage sees them,
so a bad one can never reach the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

import attrs

from customer_core.model import CENT, Customer
from customer_core.ports import CustomerQuery, Keyset
from customer_core.rules import Invalid

__all__ = [
    "cursor_key",
    "decode",
    "derived_secret",
    "encode",
    "keyset_of",
    "random_secret",
]

VERSION: Final = 1
TAG_BYTES: Final = 16
#: A cursor is a few hundred characters; anything much longer is refused unread.
MAX_CURSOR = 2048
BAD_CURSOR: Final = "is not a cursor of this scroll (edited, truncated, or of another query)"

#: CustomerQuery fields that are not filters: the paging, the count, the sort (kept apart).
_NOT_FILTERS: Final = frozenset({"sort", "descending", "offset", "limit", "total", "after"})


def random_secret() -> bytes:
    """A cursor secret for a core that has none to derive: 256 random bits, this core's own
    (its views, ``acting_as``/``on_primary``/``using``, share it)."""
    return secrets.token_bytes(32)


def derived_secret(label: str, secret: str | bytes) -> bytes:
    """A cursor secret derived from another secret of the host (a database URL with its
    password, Django's ``SECRET_KEY``): SHA-256 of it under ``label``, so the same input
    gives the same cursors on every process and the input itself is never used raw."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hashlib.sha256(f"customer_core cursor secret: {label}".encode() + b"\x00" + raw).digest()


def cursor_key(secret: str | bytes | None) -> bytes:
    """The HMAC key of a ``cursor_secret`` (None: a :func:`random_secret` of its own)."""
    if secret is None:
        secret = random_secret()
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes) or not secret:
        raise Invalid("must be a non-empty str or bytes")
    # Hashed with a label, so the host's secret used elsewhere never keys a cursor tag raw.
    return hashlib.sha256(b"customer_core cursor\x00" + secret).digest()


def fingerprint(query: CustomerQuery) -> str:
    """A short digest of the query's filters: every field but paging, count and sort.

    Derived from the query's fields, so a filter added to ``CustomerQuery`` counts here
    with no change (its value is written with ``str`` unless JSON has it).
    """
    filters = {
        field.name: getattr(query, field.name)
        for field in attrs.fields(CustomerQuery)
        if field.name not in _NOT_FILTERS
    }
    text = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:22]


def _sort_of(query: CustomerQuery) -> str:
    return ("-" if query.descending else "") + query.sort


def keyset_of(customer: Customer, sort: str) -> Keyset:
    """The position of ``customer`` in a scroll sorted by ``sort`` (a key without ``-``)."""
    return Keyset(getattr(customer, sort), customer.id)


def encode(query: CustomerQuery, last: Keyset, key: bytes) -> str:
    """The cursor of the page after ``last`` in ``query``'s scroll."""
    body = {
        "v": VERSION,
        "s": _sort_of(query),
        "f": fingerprint(query),
        "k": [_dump(last.value), last.id],
    }
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return f"{_b64(payload)}.{_b64(_tag(payload, key))}"


def decode(cursor: object, query: CustomerQuery, key: bytes) -> Keyset:
    """The keyset ``cursor`` holds, if it was made by ``key`` for ``query``'s sort and filters."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR or cursor.count(".") != 1:
        raise Invalid(BAD_CURSOR)
    encoded, tag = cursor.split(".")
    payload = _unb64(encoded)
    if not hmac.compare_digest(_unb64(tag), _tag(payload, key)):
        raise Invalid(BAD_CURSOR)
    try:
        body = json.loads(payload)
        value, last_id = body["k"]
        matches = (
            body["v"] == VERSION
            and body["s"] == _sort_of(query)
            and body["f"] == fingerprint(query)
        )
    except (ValueError, KeyError, TypeError):
        raise Invalid(BAD_CURSOR) from None
    if not matches or type(last_id) is not int or not 0 < last_id < 2**63:
        raise Invalid(BAD_CURSOR)
    return Keyset(_load(query.sort, value), last_id)


def _tag(payload: bytes, key: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:TAG_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Invalid(BAD_CURSOR) from None


def _dump(value: object) -> object:
    """A sort value in JSON: ints and names as they are, money and times as text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _int(value: object) -> int:
    if type(value) is not int or not -(2**63) < value < 2**63:
        raise ValueError(value)
    return value


def _count(value: object) -> int:
    """An orders count: the column is a 32-bit integer (Laravel's ``integer``)."""
    number = _int(value)
    if not 0 <= number < 2**31:
        raise ValueError(value)
    return number


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _name(value: object) -> str:
    """A stored name: text every database takes as a parameter (no NUL, no lone surrogate)."""
    name = _text(value)
    if "\x00" in name:
        raise ValueError(value)
    name.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    return name


def _money(value: object) -> Decimal:
    """An amount as the column holds it: ``decimal(15, 2)``, at most two places."""
    number = Decimal(_text(value))
    if not number.is_finite() or abs(number) >= 10**13 or number != number.quantize(CENT):
        raise ValueError(value)
    return number


def _time(value: object) -> datetime:
    """An aware time whose UTC form every database stores (years 1000–9999, as MySQL)."""
    moment = datetime.fromisoformat(_text(value))
    if moment.tzinfo is None:
        raise ValueError(value)
    utc = moment.astimezone(UTC)  # OverflowError near the ends of the calendar
    if not 1000 <= utc.year <= 9998:
        raise ValueError(value)
    return utc


_LOADERS: Final[dict[str, Callable[[object], object]]] = {
    "id": _int,
    "total_orders": _count,
    "name": _name,
    "lifetime_value": _money,
    "created_at": _time,
    "last_order_at": _time,
}
#: Sort keys whose column may be empty (NULL): a cursor may then hold None.
_NULLABLE: Final = frozenset({"created_at", "last_order_at"})


def _load(sort: str, value: object) -> object:
    """The sort value back in its type; anything else is a bad cursor."""
    if value is None and sort in _NULLABLE:
        return None
    try:
        return _LOADERS[sort](value)
    except (ValueError, TypeError, InvalidOperation, OverflowError):
        raise Invalid(BAD_CURSOR) from None
