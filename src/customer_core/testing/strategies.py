"""Hypothesis strategies for customer_core inputs.

The *valid* strategies draw values every service accepts, so host applications
can write property tests of their own code on top of the library::

    from hypothesis import given
    from customer_core.testing import strategies as cst

    @given(name=cst.names(), email=cst.emails(), password=cst.passwords())
    def test_signup(name: str, email: str, password: str) -> None: ...

:func:`hostile_text` draws the strings an attacker or a broken client sends:
control characters, NUL, lone surrogates, very long strings, SQL and ``LIKE``
metacharacters and quotes. The library must answer each of them with either a
valid stored value or a :class:`~customer_core.errors.ValidationError`.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import phonenumbers
from hypothesis import strategies as st

from customer_core.model import AddressType

if TYPE_CHECKING:
    from customer_core.segments import Segment

__all__ = [
    "LIKE_METACHARACTERS",
    "SQL_METACHARACTERS",
    "address_fields",
    "address_types",
    "avatars",
    "countries",
    "emails",
    "hostile_text",
    "names",
    "note_texts",
    "order_amounts",
    "order_statuses",
    "passwords",
    "phones",
    "phones_e164",
    "phones_national",
    "placed_at",
    "segment_texts",
    "segments",
]

#: Characters that are wildcards or escapes in SQL ``LIKE`` patterns.
LIKE_METACHARACTERS = "%_\\"
#: Characters that break naively quoted SQL.
SQL_METACHARACTERS = "'\"`;-/*()="

_WORD = string.ascii_letters + string.digits
# Regions whose example numbers are valid for themselves; a small, stable set so
# shrinking stays quick.
_PHONE_REGIONS = ("GB", "US", "DE", "FR", "NL", "ES", "IT", "IE", "AU", "JP", "BR", "IN", "ZA")
_TLDS = ("com", "org", "net", "io", "dev", "co.uk", "de")

_FIXED_HOSTILE = (
    "",
    " ",
    "\t\n\r ",
    "\x00",
    "a\x00b",
    "\ud800",
    "a\udfffb",
    "'",
    '"',
    "\\",
    "%",
    "_",
    "%%",
    "\\%",
    "a%b_c\\d",
    "' OR '1'='1",
    "'; DROP TABLE customers; --",
    "Robert'); DROP TABLE customer_notes;--",
    "\u202eevil\u202c",
    "\ufeffbom",
    "\u200b",
    "é",
    "e\u0301",
    "😀",
    "İ",
    "ß",
    "ﬃ",
)

_HOSTILE_LENGTHS = (254, 255, 256, 1024, 1025, 65_535, 65_536)


def names() -> st.SearchStrategy[str]:
    """Customer or person names: 1-100 visible characters, possibly with spaces inside."""
    word = st.text(
        alphabet=st.characters(categories=("L", "N", "P")), min_size=1, max_size=20
    ).filter(lambda w: w.strip() == w)
    return st.lists(word, min_size=1, max_size=4).map(" ".join)


def emails() -> st.SearchStrategy[str]:
    """Syntactically valid ASCII e-mail addresses, in mixed case (the library lower-cases them)."""
    atom = st.text(alphabet=_WORD, min_size=1, max_size=12)
    local = st.lists(atom, min_size=1, max_size=3).map(".".join)
    label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
    domain = st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(label, min_size=1, max_size=2),
        st.sampled_from(_TLDS),
    )
    return st.builds(lambda lp, d: f"{lp}@{d}", local, domain)


def passwords() -> st.SearchStrategy[str]:
    """Acceptable passwords: 8-72 characters of any printable text (72 bytes keeps bcrypt exact)."""
    return st.text(
        alphabet=st.characters(codec="ascii", categories=("L", "N", "P", "S", "Zs")),
        min_size=8,
        max_size=72,
    )


def _example(region: str) -> phonenumbers.PhoneNumber:
    example = phonenumbers.example_number(region)
    if example is None:  # pragma: no cover - every region listed has one
        raise LookupError(region)
    return example


def _valid_numbers() -> st.SearchStrategy[phonenumbers.PhoneNumber]:
    def vary(region: str, tail: int) -> phonenumbers.PhoneNumber:
        example = _example(region)
        digits = str(example.national_number)
        width = min(3, len(digits) - 1)
        changed = digits[:-width] + str(tail % 10**width).zfill(width)
        number = phonenumbers.parse(f"+{example.country_code}{changed}", None)
        return number if phonenumbers.is_valid_number(number) else example

    return st.builds(vary, st.sampled_from(_PHONE_REGIONS), st.integers(0, 999))


def phones_e164() -> st.SearchStrategy[str]:
    """Valid phone numbers written in E.164 (``+442079460958``), as the library stores them."""
    return _valid_numbers().map(
        lambda n: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
    )


def phones_national(region: str = "GB") -> st.SearchStrategy[str]:
    """Valid numbers of ``region`` in national form (``020 7946 0958``); need a default region."""

    def national(tail: int) -> str:
        example = _example(region)
        digits = str(example.national_number)
        number: phonenumbers.PhoneNumber = phonenumbers.parse(
            f"+{example.country_code}{digits[:-3]}{str(tail).zfill(3)}", None
        )
        if not phonenumbers.is_valid_number(number):
            number = example
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))

    return st.integers(0, 999).map(national)


def phones() -> st.SearchStrategy[str]:
    """Valid phone numbers in international form, E.164 or with spaces and dashes."""
    return _valid_numbers().map(
        lambda n: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
    ) | _valid_numbers().map(
        lambda n: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    )


def avatars() -> st.SearchStrategy[str]:
    """http(s) avatar URLs of at most 255 characters."""
    segment = st.text(alphabet=_WORD + "-_", min_size=1, max_size=20)
    return st.builds(
        lambda scheme, host, path: f"{scheme}://{host}.example.com/{'/'.join(path)}.png",
        st.sampled_from(("http", "https")),
        st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=20),
        st.lists(segment, min_size=1, max_size=4),
    )


def countries() -> st.SearchStrategy[str]:
    """ISO 3166-1 alpha-2 codes, in either case (the library upper-cases them)."""
    codes = ("GB", "US", "DE", "FR", "NL", "ES", "IT", "IE", "AU", "JP", "BR", "IN", "ZA", "CA")
    return st.sampled_from(codes) | st.sampled_from(codes).map(str.lower)


def address_types() -> st.SearchStrategy[AddressType | str]:
    """Address types, as the enum or as the plain strings the library also accepts."""
    return st.sampled_from(list(AddressType)) | st.sampled_from([t.value for t in AddressType])


def _line() -> st.SearchStrategy[str]:
    return st.text(
        alphabet=st.characters(categories=("L", "N")) | st.sampled_from(" ,.-/#'"),
        min_size=1,
        max_size=60,
    ).filter(lambda s: s.strip() == s and s != "")


def address_fields() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for ``core.addresses.add`` (without ``customer_id``)."""
    return st.fixed_dictionaries(
        {
            "type": address_types(),
            "full_name": names(),
            "phone": phones_e164(),
            "address_line1": _line(),
            "city": _line(),
            "state": _line(),
            "zip_code": st.text(
                alphabet=string.ascii_uppercase + string.digits, min_size=3, max_size=10
            ),
            "country": countries(),
        },
        optional={"address_line2": st.none() | _line()},
    )


def note_texts() -> st.SearchStrategy[str]:
    """Note texts: 1-2000 characters with no surrounding whitespace."""
    return st.text(
        alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")) | st.just("\n"),
        min_size=1,
        max_size=2000,
    ).filter(lambda s: s.strip() == s and s != "")


def order_amounts() -> st.SearchStrategy[Decimal]:
    """Order totals: non-negative money with two decimal places, below one million."""
    return st.integers(min_value=0, max_value=99_999_999).map(lambda cents: Decimal(cents) / 100)


def order_statuses() -> st.SearchStrategy[str]:
    """Order statuses; ``delivered`` and ``cancelled`` are the ones the lifetime value reads."""
    return st.sampled_from(("pending", "processing", "shipped", "delivered", "cancelled"))


def placed_at(
    start: datetime = datetime(2025, 1, 1, tzinfo=UTC), days: int = 365
) -> st.SearchStrategy[datetime]:
    """Aware UTC order times in whole seconds within ``days`` after ``start``."""
    return st.integers(0, days * 86_400).map(lambda s: start + timedelta(seconds=s))


def hostile_text() -> st.SearchStrategy[str]:
    """Strings that probe every input boundary; a call gets a valid value or a ValidationError."""
    return st.one_of(
        st.sampled_from(_FIXED_HOSTILE),
        st.text(max_size=300),
        st.text(
            alphabet=st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Cs")),
            max_size=20,
        ),
        st.text(alphabet=LIKE_METACHARACTERS + SQL_METACHARACTERS + "aZ @.", max_size=40),
        st.builds(
            lambda pad, core, n: pad + core * n + pad,
            st.sampled_from(("", " ", "\t", "\x00")),
            st.sampled_from(("a", "%", "_", "\\", "'", "é", "😀", "ab@")),
            st.sampled_from(_HOSTILE_LENGTHS),
        ),
    )


#: The characters of :func:`segment_texts`: LIKE metacharacters, case pairs, non-ASCII.
SEGMENT_TEXT_ALPHABET = "aAbé É%_\\@.ßİ"
#: Countries :func:`segments` asks about (a handful, so they collide with the data).
SEGMENT_COUNTRIES = ("DE", "FR", "GB", "US")
_SEGMENT_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def segment_texts() -> st.SearchStrategy[str]:
    """Short texts from :data:`SEGMENT_TEXT_ALPHABET`: names, e-mail parts and search texts
    that collide often, with ``%``, ``_``, ``\\``, case pairs and non-ASCII letters."""
    return st.text(alphabet=SEGMENT_TEXT_ALPHABET, min_size=1, max_size=4).filter(
        lambda text: text.strip() == text
    )


def segment_times() -> st.SearchStrategy[datetime]:
    """Whole-second UTC times within a year of 2025-01-01, often on the hour (ties)."""
    hours = st.integers(-24 * 365, 24 * 365).map(lambda h: _SEGMENT_EPOCH + timedelta(hours=h))
    return hours | placed_at(_SEGMENT_EPOCH - timedelta(days=365), 730)


def segment_amounts() -> st.SearchStrategy[Decimal]:
    """Amounts with two places, from 0 to 500, often round (ties)."""
    return st.integers(0, 50).map(lambda n: Decimal(n * 10)) | st.integers(0, 50_000).map(
        lambda cents: Decimal(cents) / 100
    )


def segments(max_leaves: int = 6) -> st.SearchStrategy[Segment]:
    """Random segments over every field and operator, with values that collide with data
    drawn from :func:`segment_texts`, :func:`segment_times`, :func:`segment_amounts`,
    :data:`SEGMENT_COUNTRIES` and small integers (for ``id`` and ``total_orders``)."""
    from customer_core.segments import C

    def compared(field: Any, values: st.SearchStrategy[Any], ops: str) -> st.SearchStrategy[Any]:
        op = st.sampled_from(ops.split())
        one = st.builds(_compare, st.just(field), op, values)
        many = st.lists(values, min_size=1, max_size=3).map(field.in_)
        return one | many

    def ordered(field: Any, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        low_high = st.tuples(values, values)
        return compared(field, values, "== != < <= > >=") | low_high.map(
            lambda pair: field.between(*pair)
        )

    times = [C.last_order_at, C.created_at]
    time_leaves = [
        ordered(field, segment_times())
        | st.just(field.is_null())
        | st.builds(field.within, days=st.integers(0, 800))
        | st.builds(field.older_than, days=st.integers(0, 800))
        for field in times
    ]
    text_leaves = [
        compared(field, segment_texts(), "== !=") | segment_texts().map(field.contains)
        for field in (C.name, C.email, C.email_domain)
    ]
    leaves = st.one_of(
        ordered(C.id, st.integers(0, 30)),
        ordered(C.total_orders, st.integers(0, 4)),
        ordered(C.lifetime_value, segment_amounts()),
        *time_leaves,
        *text_leaves,
        compared(C.country, st.sampled_from(SEGMENT_COUNTRIES), "== !="),
        st.just(C.country.is_null()),
        st.just(C.is_blocked),
        st.just(C.is_repeat),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda pair: pair[0] & pair[1]),
            st.tuples(inner, inner).map(lambda pair: pair[0] | pair[1]),
            inner.map(lambda segment: ~segment),
        ),
        max_leaves=max_leaves,
    )


_DUNDERS = {"==": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__"}


def _compare(field: Any, op: str, value: object) -> Any:
    """``field <op> value`` through the field's operator method (``>=``: ``__ge__``)."""
    return getattr(field, _DUNDERS.get(op, "__ge__"))(value)
