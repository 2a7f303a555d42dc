"""Input rules: normalise what a caller passes in, or say which field is wrong.

Each rule takes the raw value and returns the value to store, or raises
:class:`Invalid` with a message. :class:`Fields` runs several rules and
gathers every failure into one :class:`~customer_core.errors.ValidationError`,
so a caller learns about all bad fields at once. Messages never repeat the
value: it may be a password. Lengths are checked before any per-character
scan, so an oversized value is refused at the cost of a ``len``.

email_validator and phonenumbers are imported at the first e-mail or phone
checked, not with the library (they are most of ``import customer_core``'s time).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter, methodcaller
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from customer_core import passwords
from customer_core._accents import fold_accents
from customer_core._countries import ALPHA_2 as COUNTRY_CODES
from customer_core.clock import stored_time
from customer_core.errors import ValidationError
from customer_core.model import AddressType

__all__ = [
    "MAX_ID",
    "Fields",
    "Invalid",
    "address_type",
    "author_id",
    "avatar",
    "country",
    "email",
    "flag",
    "fold_accents",
    "name",
    "note_text",
    "optional_text",
    "password",
    "password_hash",
    "phone",
    "plain_email",
    "record_id",
    "required_text",
    "timestamp",
]

T = TypeVar("T")

MAX_TEXT = 255
MAX_NOTE = 65_535
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
# Longer than any phone number written with spaces and dashes.
MAX_PHONE = 64
# Ids are signed 64-bit in every supported database; larger ones cannot exist.
MAX_ID = 2**63 - 1
# Line breaks and tabs are fine in a note, never in a one-line field.
NOTE_WHITESPACE = frozenset("\n\r\t")

# The plain ASCII addresses :func:`plain_email` settles without email_validator: an
# unquoted dot-atom local part, then two or more LDH labels (no "--" anywhere, so no
# Punycode "xn--" and no reserved "ab--" label) of which the last is letters only.
# Each domain label is at most 63 characters (the look-aheads); the other limits
# and the special-use names are checked in Python.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_PLAIN_EMAIL = re.compile(
    rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
    r"@(?:(?=[A-Za-z0-9-]{1,63}\.)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\.)+"
    r"(?=[A-Za-z]{1,63}\Z)[A-Za-z]+"
)
MAX_EMAIL = 254
MAX_LOCAL_PART = 64


class Invalid(ValueError):
    """A rule's verdict on one value; :class:`Fields` turns it into a ValidationError."""


class Fields:
    """Runs rules over named fields and raises one ValidationError for all failures.

    >>> fields = Fields()
    >>> fields.check("name", name, "  Ada  ")
    'Ada'
    >>> fields.check("email", email, "not an e-mail")
    >>> fields.done()
    Traceback (most recent call last):
    ...
    customer_core.errors.ValidationError: invalid input: email: ...
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: dict[str, str] = {}

    def check(self, field: str, rule: Callable[[Any], T], value: object) -> T:
        """Apply ``rule`` to ``value``; on failure remember it and return None in its place."""
        try:
            return rule(value)
        except Invalid as error:
            self.errors[self.prefix + field] = str(error)
            return cast(T, None)

    def done(self) -> None:
        """Raise the gathered errors, if any."""
        if self.errors:
            raise ValidationError(self.errors)


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string")
    return value


def _clean(
    value: object, *, maximum: int | None = None, allowed: frozenset[str] = frozenset()
) -> str:
    """Trim a string and refuse characters no database column should hold.

    A text over ``maximum`` is refused before any character is looked at, so
    an oversized value costs a strip and a ``len``, not a scan.
    """
    text = _string(value).strip()
    if maximum is not None and len(text) > maximum:
        raise Invalid(f"must be at most {maximum} characters")
    if text.isprintable():
        # A C loop: a printable string has no character of category C (so no Cc, no
        # Cs) or Z other than the ASCII space; the loop below could only pass it.
        return text
    for char in text:
        category = unicodedata.category(char)
        # Cc: control characters (NUL breaks PostgreSQL); Cs: lone surrogates
        # cannot be encoded as UTF-8 by any driver.
        if (category == "Cc" and char not in allowed) or category == "Cs":
            raise Invalid("must not contain control characters")
    return text


def _bounded(text: str, maximum: int, minimum: int = 1) -> str:
    if len(text) < minimum:
        raise Invalid(
            "must not be empty" if minimum == 1 else f"must be at least {minimum} characters"
        )
    if len(text) > maximum:
        raise Invalid(f"must be at most {maximum} characters")
    return text


def required_text(value: object) -> str:
    """A one-line text: trimmed, 1–255 characters."""
    return _bounded(_clean(value, maximum=MAX_TEXT), MAX_TEXT)


def optional_text(value: object) -> str | None:
    """Like :func:`required_text`, but None (or blank) means no value."""
    if value is None:
        return None
    text = _clean(value, maximum=MAX_TEXT)
    return text or None


name = required_text


def email(value: object) -> str:
    """A syntactically valid e-mail address (no DNS look-up), lower-cased, ≤ 255 characters."""
    text = _clean(value, maximum=MAX_TEXT)
    plain = plain_email(text)
    if plain is not None:
        # Even if a host dropped "invalid" from email_validator's special-use names: the
        # anonymized e-mails live there, and a taken one would block an anonymization.
        if plain.endswith("." + _RESERVED_LAST_LABEL):
            raise Invalid("is not a valid e-mail address (its domain is reserved)")
        return plain
    checked = _validated_email(text)
    if _reserved_domain(checked[checked.rindex("@") + 1 :]):
        raise Invalid("is not a valid e-mail address (its domain is reserved)")
    return checked


#: What a domain must not fold to: the ``.invalid`` top-level domain RFC 2606 reserves, where
#: anonymized customers' e-mails live (:mod:`customer_core.anonymization`).
_RESERVED_LAST_LABEL = "invalid"


def _reserved_domain(domain: str) -> bool:
    """True when ``domain`` folds to one under ``.invalid``: ``invalíd``, full-width
    letters and the like, which a MySQL/MariaDB ``*_unicode_ci`` unique index compares
    as equal to the anonymized e-mails' domain (so a registered look-alike could block
    an anonymization). Only non-ASCII domains reach here: ASCII ones are settled by
    email_validator's special-use names, ``invalid`` among them.

    >>> _reserved_domain("anonymized.invalíd"), _reserved_domain("ｅｘａｍｐｌｅ.ＩＮＶＡＬＩＤ")
    (True, True)
    >>> _reserved_domain("exämple.com")
    False
    """
    decomposed = unicodedata.normalize("NFKD", domain)
    # Marks (Mn) and format characters (Cf: joiners, soft hyphens) are ignored by the
    # collations; fold_accents then takes the letters NFKD leaves alone (ı, ø, …).
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))
    folded = fold_accents(kept.casefold())
    return folded.rstrip(".").rsplit(".", 1)[-1] == _RESERVED_LAST_LABEL


def _validated_email(text: str) -> str:
    """:func:`email` through email_validator: the general path, for any address."""
    import email_validator

    try:
        checked = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise Invalid(f"is not a valid e-mail address ({error})") from None
    return _bounded(checked.normalized.lower(), MAX_TEXT)


def plain_email(text: str) -> str | None:
    """``text`` lower-cased when it is a plain ASCII address :func:`email` accepts, else None.

    The fast path of :func:`email`; its reference is :func:`_validated_email`
    (email_validator, whose IDNA checks dominate an import; the gain is in
    docs/performance.md). It settles a conservative subset of what
    ``email_validator.validate_email(text, check_deliverability=False)``
    accepts, for which that call's ``normalized.lower()`` is ``text.lower()``
    (it lower-cases the domain and keeps a dot-atom local part as it is). None
    means "ask email_validator", never "invalid". email_validator's
    special-use names (``.local``, ``.test``, ``localhost``, …) and its
    ``TEST_ENVIRONMENT`` switch are read at each call, as it reads them.

    >>> plain_email("Ada.Lovelace@Example.COM")
    'ada.lovelace@example.com'
    >>> plain_email("ada@printer.local") is None  # special-use: email_validator rejects it
    True
    """
    check: Callable[[str], str | None] = _plain_email_checkers()[0]
    return check(text)


def _plain_emails_check() -> Callable[[list[str]], list[str] | None]:
    """:func:`plain_email` of a column of texts, under email_validator's settings of now:
    ``[plain_email(text) for text in texts]`` when none of them is None, else None."""
    check_all: Callable[[list[str]], list[str] | None] = _plain_email_checkers()[1]
    return check_all


def _plain_email_checkers() -> tuple[Any, Any]:
    """:func:`_plain_email_check`'s pair for email_validator's settings of now."""
    import email_validator

    settings = (email_validator.TEST_ENVIRONMENT, tuple(email_validator.SPECIAL_USE_DOMAIN_NAMES))
    if _plain_email_checker[0] != settings:
        # Built again only when email_validator's settings change (a test may switch them).
        _plain_email_checker[:] = [settings, _plain_email_check()]
    pair: tuple[Any, Any] = _plain_email_checker[1]
    return pair


_plain_email_checker: list[Any] = [None, None]


def _plain_email_check() -> tuple[
    Callable[[str], str | None], Callable[[list[str]], list[str] | None]
]:
    """:func:`plain_email` under email_validator's settings of now, read once: for one
    text, and for a column of texts (the import's fast path; a test proves it equal to
    the first on each text).

    The returned functions answer as :func:`plain_email` does with the
    special-use names and ``TEST_ENVIRONMENT`` of the moment they were made. The
    addresses it takes have a domain of two or more labels whose last is
    letters only, so a special-use name of one label is at the end of the
    domain (``domain.endswith("." + name)``) exactly when it is that last
    label: one set look-up instead of a loop over the names.

    >>> check, check_all = _plain_email_check()
    >>> check("Ada@Example.COM"), check("ada@printer.local")
    ('ada@example.com', None)
    >>> check_all(["Ada@Example.COM", "b@c.org"]), check_all(["Ada@Example.COM", "ada@a.local"])
    (['ada@example.com', 'b@c.org'], None)
    """
    import email_validator

    skip_test = email_validator.TEST_ENVIRONMENT
    names = [
        name
        for name in email_validator.SPECIAL_USE_DOMAIN_NAMES
        if not (name == "test" and skip_test)
    ]
    last_labels = frozenset(name for name in names if "." not in name)
    dotted = frozenset(name for name in names if "." in name)
    dotted_ends = tuple("." + name for name in dotted)
    fullmatch = _PLAIN_EMAIL.fullmatch

    def check(text: str) -> str | None:
        if len(text) > MAX_EMAIL or fullmatch(text) is None:
            return None
        at = text.index("@")
        if at > MAX_LOCAL_PART:
            return None
        lowered = text.lower()
        if lowered[lowered.rindex(".") + 1 :] in last_labels:
            return None
        if dotted:
            domain = lowered[at + 1 :]
            if domain in dotted or domain.endswith(dotted_ends):
                return None
        return lowered

    # The same tests, each over the whole column in C: a dotted name ends the domain
    # exactly when the address ends with "." or "@" and the name (one "@" in an address).
    dotted_suffixes = (*dotted_ends, *("@" + name for name in dotted))
    local_end = methodcaller("index", "@")
    last_label = methodcaller("rpartition", ".")
    ends_dotted = methodcaller("endswith", dotted_suffixes)

    def check_all(texts: list[str]) -> list[str] | None:
        if not texts or max(map(len, texts)) > MAX_EMAIL or not all(map(fullmatch, texts)):
            return None
        if max(map(local_end, texts)) > MAX_LOCAL_PART:
            return None
        lowered = list(map(str.lower, texts))
        if not last_labels.isdisjoint(map(itemgetter(2), map(last_label, lowered))):
            return None
        if dotted and any(map(ends_dotted, lowered)):
            return None
        return lowered

    return check, check_all


def password(value: object) -> str:
    """A password: 8–1024 characters, no NUL (bcrypt would silently cut it there).

    The length is checked first: a 10 MB password is refused without reading it.
    """
    text = _bounded(_string(value), MAX_PASSWORD, MIN_PASSWORD)
    if "\x00" in text:
        raise Invalid("must not contain NUL characters")
    if not text.isprintable() and any(unicodedata.category(char) == "Cs" for char in text):
        raise Invalid("must be valid Unicode")
    return text


def password_hash(value: object) -> str:
    """An existing Argon2 or bcrypt hash, as a migration brings it, well-formed and within limits.

    Only the one form :func:`customer_core.passwords.cost_problem` reads is
    accepted: a malformed hash could never verify (and would fail faster than
    a real one, a timing tell), and a hash whose cost is over the limits, or
    hidden in a looser spelling, would make each log-in attempt burn memory
    or CPU. The message never quotes the hash.
    """
    text = _string(value)
    problem = passwords.cost_problem(text)
    if problem == passwords.MALFORMED_HASH:
        raise Invalid("must be an Argon2 or bcrypt hash")
    if problem is not None:
        raise Invalid(f"is over the cost limits ({problem})")
    return text


def phone_rule(region: str | None) -> Callable[[object], str | None]:
    """The phone rule for a default region: E.164 out, None (or blank) clears."""

    def phone_in_region(value: object) -> str | None:
        return phone(value, region)

    return phone_in_region


def phone(value: object, region: str | None = None) -> str | None:
    """A phone number stored as E.164; a national number needs ``region``."""
    if value is None:
        return None
    text = _string(value).strip()
    if len(text) > MAX_PHONE:
        raise Invalid("is not a phone number")
    text = _clean(text)
    if not text:
        return None
    if not text.startswith("+") and region is None:
        raise Invalid("needs a country code (+…) when no default region is configured")
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise Invalid("is not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise Invalid("is not a possible phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def required_phone(region: str | None) -> Callable[[object], str]:
    """The phone rule for fields that must have a number (an address's phone)."""

    def required_phone_in_region(value: object) -> str:
        number = phone(value, region)
        if number is None:
            raise Invalid("must not be empty")
        return number

    return required_phone_in_region


def avatar(value: object) -> str | None:
    """An http(s) URL of at most 255 characters, or None."""
    text = optional_text(value)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
        raise Invalid("must be an http(s) URL")
    return text


def country(value: object) -> str:
    """An ISO 3166-1 alpha-2 code, stored upper-case."""
    text = _string(value).strip()
    if len(text) != 2:
        raise Invalid("must be an ISO 3166-1 alpha-2 country code")
    code = _clean(text).upper()
    if code not in COUNTRY_CODES:
        raise Invalid("must be an ISO 3166-1 alpha-2 country code")
    return code


def address_type(value: object) -> AddressType:
    """``shipping`` or ``billing`` (an AddressType or its string)."""
    try:
        return AddressType(_string(value))
    except (Invalid, ValueError):
        raise Invalid("must be 'shipping' or 'billing'") from None


def note_text(value: object) -> str:
    """A note: trimmed, 1–65 535 characters, line breaks allowed."""
    return _bounded(_clean(value, maximum=MAX_NOTE, allowed=NOTE_WHITESPACE), MAX_NOTE)


def flag(value: object) -> bool:
    """A real bool (``1`` or ``"yes"`` are refused to avoid surprises)."""
    if not isinstance(value, bool):
        raise Invalid("must be true or false")
    return value


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("must be an integer")
    return value


def record_id(value: object) -> int | None:
    """An id to look up; None when no record can have it (≤ 0 or beyond 64 bits)."""
    number = _integer(value)
    return number if 1 <= number <= MAX_ID else None


def author_id(value: object) -> int:
    """A host user's id: a positive 64-bit integer."""
    number = _integer(value)
    if not 1 <= number <= MAX_ID:
        raise Invalid("must be a positive integer")
    return number


def positive(maximum: int) -> Callable[[object], int]:
    """An integer from 1 to ``maximum``."""

    def in_range(value: object) -> int:
        number = _integer(value)
        if not 1 <= number <= maximum:
            raise Invalid(f"must be between 1 and {maximum}")
        return number

    return in_range


def timestamp(value: object) -> datetime:
    """A datetime or ISO 8601 string; naive means UTC; stored in whole seconds."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid("must be an ISO 8601 date and time") from None
    if not isinstance(value, datetime):
        raise Invalid("must be a datetime")
    try:
        return stored_time(value)
    except OverflowError:
        # 0001-01-01 00:00 at +01:00 is before the year 1 in UTC.
        raise Invalid("must be between the years 1 and 9999 in UTC") from None


# Column checks: the import's fast paths. Each takes the values of one field in a
# window of records and returns ``[rule(value) for value in values]`` for the rule it
# short-cuts, or None, which means "ask the rule value by value", never "invalid". They
# settle the common case in C loops (``map`` of str methods and of one regex) instead of
# several Python calls per value; tests/unit/test_rules_fast_paths.py proves each equal to
# its rule, and the import benchmark measures the gain (docs/performance.md).

_STR_ONLY = frozenset({str})


def _printable_texts(values: Sequence[object]) -> list[str] | None:
    """The values stripped, when each is a ``str`` (no subclass) whose stripped text is
    printable, so that :func:`_clean` returns it at its first test; else None."""
    if set(map(type, values)) != _STR_ONLY:
        return None
    texts: list[str] = list(map(str.strip, cast(Sequence[str], values)))
    return texts if all(map(str.isprintable, texts)) else None


def required_text_column(values: Sequence[object]) -> list[str] | None:
    """:func:`required_text` of each value, or None: ask it value by value."""
    texts = _printable_texts(values)
    if texts is None or not texts:
        return None
    lengths = list(map(len, texts))
    return texts if min(lengths) >= 1 and max(lengths) <= MAX_TEXT else None


def email_column(values: Sequence[object]) -> list[str] | None:
    """:func:`email` of each value, or None: ask it value by value. Only plain addresses
    (:func:`plain_email`) are settled, none under the reserved ``.invalid``."""
    texts = _printable_texts(values)
    if texts is None:
        return None
    settled = _plain_emails_check()(texts)
    if settled is None:
        return None
    reserved = "." + _RESERVED_LAST_LABEL
    return None if any(map(methodcaller("endswith", reserved), settled)) else settled


def password_hash_column(values: Sequence[object]) -> list[str] | None:
    """:func:`password_hash` of each value, or None: ask it value by value. Only bcrypt
    hashes are settled (:data:`~customer_core.passwords.BCRYPT_WITHIN_LIMITS`)."""
    if set(map(type, values)) != _STR_ONLY:
        return None
    hashes = cast(list[str], list(values))
    return hashes if all(map(passwords.BCRYPT_WITHIN_LIMITS.fullmatch, hashes)) else None


#: The rules that have a column check, and the check.
COLUMN_CHECKS: dict[Callable[[Any], object], Callable[[Sequence[object]], list[Any] | None]] = {
    required_text: required_text_column,
    email: email_column,
    password_hash: password_hash_column,
}
