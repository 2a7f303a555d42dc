"""The input rules' fast paths agree with the general paths they short-cut.

- ``rules.plain_email`` settles plain ASCII addresses without email_validator:
  it may only accept what ``email_validator.validate_email`` (called as
  ``rules.email`` calls it) accepts, with the same normalised result.
- ``rules._clean`` returns early for printable text: the result (or the
  refusal) is the one of the per-character loop.
- The import's column checks (``rules.COLUMN_CHECKS``, with
  ``passwords.BCRYPT_WITHIN_LIMITS`` and ``rules._plain_emails_check``) give, when
  they settle a column, what the rule gives value by value.
"""

from __future__ import annotations

import unicodedata

import email_validator
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from customer_core import passwords, rules

FAST = settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

ATEXT = "aZ09!#$%&'*+/=?^_`{|}~-"
#: What may surround or break a local part: dots, quotes, escapes, spaces, specials.
LOCAL_EXTRA = '."\\ @()<>[],;:\t'
SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")
ODD_LABELS = (
    *SPECIAL_USE,
    *(name.upper() for name in SPECIAL_USE),
    "LocalHost",
    "example",
    "com",
    "Co",
    "io",
    "a",
    "1",
    "123",
    "1a",
    "a1",
    "-a",
    "a-",
    "a-b",
    "a--b",
    "ab--cd",
    "abc--d",
    "xn--p1ai",
    "XN--P1AI",
    "xn--80ak6aa92e",
    "xn--",
    "a" * 62,
    "a" * 63,
    "a" * 64,
    "b" * 61 + "-c",
    "",
)
#: 254 characters, the most email_validator allows (a local part of 64, labels of 63).
LONGEST = "l" * 64 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 58 + ".co"
LITERALS = ("[1.2.3.4]", "[300.1.1.1]", "[IPv6:::1]", "[ipv6:2001:db8::1]", "[x:y]", "[]")


def _old_email(value: object) -> str:
    """``rules.email`` before the fast path: email_validator for every address."""
    # The length is checked before the characters are scanned (issue 9.4).
    text = rules._clean(value, maximum=rules.MAX_TEXT)
    try:
        checked = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise rules.Invalid(f"is not a valid e-mail address ({error})") from None
    return rules._bounded(checked.normalized.lower(), rules.MAX_TEXT)


def _validated(text: str) -> str | None:
    """What email_validator, called as ``rules.email`` calls it, makes of ``text``."""
    try:
        checked = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    return checked.normalized.lower()


def _verdict(rule: object, value: object) -> tuple[str, str]:
    try:
        return "ok", rule(value)  # type: ignore[operator]
    except rules.Invalid as error:
        return "invalid", str(error)


good_labels = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
good_locals = st.from_regex(r"[A-Za-z0-9_+'=-]{1,12}(\.[A-Za-z0-9_!#~-]{1,6}){0,2}", fullmatch=True)
# Mostly well-formed parts, so that many addresses are valid, and every edge case often.
labels = st.one_of(
    good_labels,
    good_labels,
    st.sampled_from(ODD_LABELS),
    st.text(alphabet="aZ09-", max_size=8),
    st.integers(min_value=1, max_value=70).map(lambda n: "x" * n),
)
tlds = st.one_of(st.from_regex(r"[A-Za-z]{1,6}", fullmatch=True), labels)
domain_names = st.builds(
    lambda names, tld: ".".join([*names, tld]), st.lists(labels, min_size=1, max_size=3), tlds
)
domains = st.one_of(
    domain_names,
    domain_names,
    domain_names,
    labels,
    domain_names.map(lambda d: "." + d),
    domain_names.map(lambda d: d + "."),
    domain_names.map(lambda d: d.replace(".", "..", 1)),
    domain_names.map(lambda d: d.upper()),
    st.sampled_from(LITERALS),
    # Long domains around the 253/254-octet limits.
    st.integers(min_value=1, max_value=5).map(lambda n: ".".join(["a" * 63] * n) + ".com"),
)
local_parts = st.one_of(
    good_locals,
    good_locals,
    good_locals.map(str.upper),
    st.text(alphabet=ATEXT + ".", max_size=12),
    st.text(alphabet=ATEXT + LOCAL_EXTRA, max_size=12),
    st.text(alphabet=ATEXT + " ", max_size=10).map(lambda t: f'"{t}"'),
    good_locals.map(lambda t: f'"{t}"'),
    st.sampled_from(
        ("INFO", "Postmaster", "a.b", ".a", "a.", "a..b", '"a@b"', '"a\\"b"', '""', "a" * 64)
    ),
    st.integers(min_value=60, max_value=70).map(lambda n: "l" * n),
)
address_like = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains),
    st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains),
    st.builds(lambda local, domain: f"{local}@{domain}", good_locals, domains),
    st.builds(lambda local, domain: f"{local}@{domain}", good_locals, domain_names),
    st.builds(lambda local, domain: f"{local}@@{domain}", local_parts, domains),
    st.builds(
        lambda name, local, domain: f"{name} <{local}@{domain}>", labels, local_parts, domains
    ),
    st.text(alphabet=ATEXT + LOCAL_EXTRA + "aZ09-.", max_size=40),
)

#: Plain addresses the fast path is meant for (it must take them, not only be safe).
plain_labels = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?", fullmatch=True).filter(
    lambda label: "--" not in label
)
plain_addresses = st.builds(
    lambda local, names, tld: f"{local}@{'.'.join(names)}.{tld}",
    st.from_regex(r"[A-Za-z0-9_+-]{1,20}(\.[A-Za-z0-9_+-]{1,10}){0,2}", fullmatch=True),
    st.lists(plain_labels, min_size=1, max_size=3).filter(
        lambda names: not set(SPECIAL_USE) & {name.lower() for name in names}
    ),
    st.from_regex(r"[A-Za-z]{2,10}", fullmatch=True).filter(
        lambda tld: tld.lower() not in SPECIAL_USE
    ),
)


@FAST
@given(text=address_like)
@example(text="Ada.Lovelace@Example.COM")
@example(text="a@b.test")
@example(text="a@sub.LOCALHOST")
@example(text="a@b.c1")
@example(text="a@1.2.3.4")
@example(text="a@[1.2.3.4]")
@example(text='"a"@b.com')
@example(text="a@xn--p1ai.com")
@example(text="a@ab--c.com")
@example(text="l" * 65 + "@b.com")
@example(text="l" * 64 + "@" + ".".join(["a" * 63] * 3) + ".co")
@example(text=".a@b.com")
@example(text="a.@b.com")
@example(text="a..b@c.com")
@example(text="a@b..com")
@example(text="a@-b.com")
@example(text="a@b-.com")
@example(text="a@localhost")
@example(text="a@b.com.")
@example(text=LONGEST)
@example(text=LONGEST + "m")
def test_plain_email_accepts_only_what_email_validator_accepts(text: str) -> None:
    """An accepted address is one validate_email accepts, normalised to the same string."""
    fast = rules.plain_email(text)
    if fast is not None:
        assert _validated(text) == fast


@FAST
@given(value=st.one_of(address_like, plain_addresses))
def test_email_rule_is_unchanged_by_the_fast_path(value: str) -> None:
    """``rules.email`` accepts and refuses exactly as before, with the same values and messages."""
    assert _verdict(rules.email, value) == _verdict(_old_email, value)


@FAST
@given(text=plain_addresses)
def test_plain_addresses_take_the_fast_path(text: str) -> None:
    """Ordinary ASCII addresses are settled without email_validator, lower-cased."""
    assert rules.plain_email(text) == text.lower() == _validated(text)


def test_fast_path_follows_email_validators_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Special-use names and ``TEST_ENVIRONMENT`` are read when called, as email_validator does."""
    assert rules.plain_email("ada@shop.test") is None
    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", True)
    assert rules.plain_email("ada@shop.test") == "ada@shop.test" == _validated("ada@shop.test")
    names = [*email_validator.SPECIAL_USE_DOMAIN_NAMES, "internal"]
    monkeypatch.setattr(email_validator, "SPECIAL_USE_DOMAIN_NAMES", names)
    assert rules.plain_email("ada@corp.INTERNAL") is None
    assert _validated("ada@corp.INTERNAL") is None


# -- _clean ---------------------------------------------------------------------


def _old_clean(value: object, *, allowed: frozenset[str] = frozenset()) -> str:
    """``rules._clean`` before the early return: the per-character loop alone."""
    text = rules._string(value).strip()
    for char in text:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in allowed) or category == "Cs":
            raise rules.Invalid("must not contain control characters")
    return text


any_character = st.characters(exclude_categories=())
texts = st.one_of(
    st.text(any_character, max_size=30),
    st.text(st.sampled_from(" \t\n\r\x00\x0b\x0c\x1f\x7f\x85\xa0\u2028\u200b\ud800a"), max_size=10),
)


@settings(max_examples=2000, deadline=None)
@given(value=texts, allowed=st.sampled_from([frozenset(), rules.NOTE_WHITESPACE]))
@example(value="\ud800", allowed=frozenset())
@example(value=" a\u2028b ", allowed=frozenset())
@example(value="a\tb", allowed=rules.NOTE_WHITESPACE)
def test_clean_early_return_keeps_the_loops_verdict(value: str, allowed: frozenset[str]) -> None:
    """``_clean`` returns or refuses exactly as the per-character loop does."""

    def new(v: object) -> str:
        return rules._clean(v, allowed=allowed)

    def old(v: object) -> str:
        return _old_clean(v, allowed=allowed)

    assert _verdict(new, value) == _verdict(old, value)


@pytest.mark.parametrize(
    "address",
    [
        "anonymized-1-0123456789abcdef01234567@anonymized.invalid",
        "a@x.INVALID",
        "anonymized-1@anonymized.invalíd",
        "a@exämple.ınvalid",
    ],
)
def test_the_reserved_invalid_domain_is_refused_even_if_a_host_allows_it(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    """Anonymized e-mails live under ``.invalid``: no address there, or folding to it (a
    MySQL/MariaDB collation compares ``invalíd`` as equal), is ever taken, whatever
    email_validator's special-use names say."""
    names = [n for n in email_validator.SPECIAL_USE_DOMAIN_NAMES if n != "invalid"]
    monkeypatch.setattr(email_validator, "SPECIAL_USE_DOMAIN_NAMES", names)
    with pytest.raises(rules.Invalid, match="reserved"):
        rules.email(address)


# -- column checks (the import's) ------------------------------------------------


def _by_rule(rule: object, values: list[object]) -> list[object] | None:
    """The reference of a column check: the rule on each value, None if it refuses one."""
    try:
        return [rule(value) for value in values]  # type: ignore[operator]
    except rules.Invalid:
        return None


class _Text(str):
    """A ``str`` subclass, which the rules take as it is."""


BCRYPT_CHARS = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
bcrypt_like = st.builds(
    lambda prefix, cost, salt, last, digest, tail: f"{prefix}{cost}${salt}{last}{digest}{tail}",
    st.sampled_from(("$2y$", "$2b$", "$2a$", "$2x$", "$2$", "2y$", "$2Y$")),
    st.one_of(
        st.sampled_from(("03", "04", "09", "10", "12", "16", "17", "31", "4", "012", "+4", "$4")),
        st.text(alphabet="0123456789", max_size=3),
    ),
    st.text(alphabet=BCRYPT_CHARS, min_size=20, max_size=22),
    st.sampled_from((".", "O", "e", "u", "a", "")),
    st.text(alphabet=BCRYPT_CHARS, min_size=30, max_size=32),
    st.sampled_from(("", "", "", "\n", " ", "\x00", "u")),
)
GOOD_BCRYPT = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
column_values = st.one_of(
    address_like,
    plain_addresses,
    plain_addresses.map(lambda a: f" {a.upper()}\t"),
    plain_addresses.map(lambda a: a + ".invalid"),
    bcrypt_like,
    st.just(GOOD_BCRYPT),
    texts,
    st.text(max_size=300),
    plain_addresses.map(_Text),
    st.sampled_from((None, 1, b"a@b.com", True)),
)


@settings(max_examples=3000, deadline=None)
@given(value=bcrypt_like)
@example(value=GOOD_BCRYPT)
@example(value=GOOD_BCRYPT + "\n")
@example(value=GOOD_BCRYPT.replace("$04$", "$16$"))
@example(value=GOOD_BCRYPT.replace("$04$", "$17$"))
@example(value=GOOD_BCRYPT.replace("$04$", "$03$"))
def test_the_bcrypt_pattern_accepts_exactly_the_bcrypt_hashes_cost_problem_accepts(
    value: str,
) -> None:
    """``BCRYPT_WITHIN_LIMITS`` (one match) agrees with ``cost_problem`` on bcrypt's forms."""
    fast = passwords.BCRYPT_WITHIN_LIMITS.fullmatch(value) is not None
    assert fast == (passwords.is_bcrypt(value) and passwords.cost_problem(value) is None)


@FAST
@given(texts=st.lists(st.one_of(address_like, plain_addresses), min_size=1, max_size=6))
def test_the_column_e_mail_check_is_the_check_of_each(texts: list[str]) -> None:
    """``_plain_emails_check`` gives ``plain_email`` of each text, or None when one has none."""
    each = [rules.plain_email(text) for text in texts]
    assert rules._plain_emails_check()(texts) == (None if None in each else each)


@FAST
@given(
    rule=st.sampled_from(sorted(rules.COLUMN_CHECKS, key=lambda rule: rule.__name__)),
    values=st.lists(column_values, min_size=1, max_size=6),
)
def test_a_column_check_gives_what_its_rule_gives(rule: object, values: list[object]) -> None:
    """Whenever a column check settles a column, its rule gives the same values for it."""
    fast = rules.COLUMN_CHECKS[rule](values)  # type: ignore[index]
    if fast is not None:
        assert fast == _by_rule(rule, values)


@FAST
@given(addresses=st.lists(plain_addresses, min_size=1, max_size=6))
def test_plain_columns_take_the_column_checks(addresses: list[str]) -> None:
    """They are fast paths: plain names, addresses and bcrypt hashes are settled."""
    assert rules.email_column(addresses) == _by_rule(rules.email, addresses)
    names = [f" {address.split('@')[0]} " for address in addresses]
    assert rules.required_text_column(names) == _by_rule(rules.name, names)
    hashes = [GOOD_BCRYPT, GOOD_BCRYPT.replace("$2y$04$", "$2b$16$")]
    assert rules.password_hash_column(hashes) == hashes


def test_column_checks_follow_email_validators_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like ``plain_email``: the special-use names of the moment of the call."""
    assert rules.email_column(["ada@corp.internal"]) == ["ada@corp.internal"]
    names = [*email_validator.SPECIAL_USE_DOMAIN_NAMES, "internal"]
    monkeypatch.setattr(email_validator, "SPECIAL_USE_DOMAIN_NAMES", names)
    assert rules.email_column(["ada@corp.internal"]) is None
