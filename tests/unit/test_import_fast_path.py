"""``import_many``'s quick pass agrees with the general path it short-cuts.

``services.importer._quick_record`` settles a plain record in one pass and
leaves everything else to ``_record``, the general path that words every
error. These properties hold on hostile records:

- the quick pass returns None or exactly the customer the general path builds
  (it never accepts what the general path refuses);
- a whole import answers the same with the quick pass as without it: the same
  stored customers, or the same errors in the same order (the order decides
  which errors are kept at ``MAX_REPORTED``);
- ``rules.plain_email_check`` answers as ``rules.plain_email`` does, for
  whatever special-use names email_validator holds when it is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import email_validator
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from customer_core import CustomerCore, ValidationError, rules
from customer_core.passwords import Argon2Hasher
from customer_core.ports import NewCustomer
from customer_core.services import importer
from customer_core.services.context import Context
from customer_core.testing import FrozenClock
from customer_core.testing import strategies as cst

PROPERTY = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
HASH = "$2y$04$" + "abcdefghijklmnopqrstuv" + "w" * 31
ARGON = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$" + "h" * 43
CHEAP = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)


class Text(str):
    """A str subclass: the quick pass leaves it to the general path."""


class Moment(datetime):
    """A datetime subclass (pandas' Timestamp is one)."""


class Record(dict[str, object]):
    """A dict subclass: a Mapping, but not a plain dict."""


# -- values ---------------------------------------------------------------------

wrong_types = st.sampled_from([0, 1, 1.5, b"bytes", [], {}, object(), True, False])
names = st.one_of(
    cst.names(),
    cst.names().map(lambda n: f"  {n}\t"),
    cst.hostile_text(),
    st.sampled_from(["", " ", "a" * 255, "a" * 256, " " + "b" * 255 + " ", "x\u2028y", "x\x85"]),
    cst.names().map(Text),
    wrong_types,
)
emails = st.one_of(
    cst.emails(),
    cst.emails(),
    cst.emails().map(lambda e: f" {e.upper()} "),
    cst.hostile_text(),
    st.sampled_from(
        [
            "a@b.test",
            "a@printer.local",
            "a@sub.LOCALHOST",
            "x@home.arpa",
            "zoë@example.com",
            "ZOË@Example.com",
            '"quoted"@example.com',
            "a@[1.2.3.4]",
            "a@xn--p1ai.com",
            "l" * 64 + "@example.com",
            "l" * 65 + "@example.com",
            "a@" + ".".join(["b" * 63] * 3) + ".com",
            "a@" + "b" * 64 + ".com",
            "a@b.c1",
            "a..b@c.com",
            "\u2003a@b.com\u2003",
            "a@b.com\x00",
        ]
    ),
    cst.emails().map(Text),
    wrong_types,
)
hashes = st.one_of(
    st.sampled_from(
        [
            HASH,
            ARGON,
            "$2b$" + "x" * 56,
            "$2a$" + "x" * 251,
            "$2a$" + "x" * 252,
            "$2y$ with space",
            "$2y$é",
            "$2y$\x00",
            "$argon2x$abc",
            "plain password",
            "",
        ]
    ),
    cst.hostile_text(),
    st.just(HASH).map(Text),
    wrong_types,
)
phones = st.one_of(
    st.none(),
    cst.phones(),
    cst.phones_national("GB"),
    st.sampled_from(["", "   ", "+44 1", "+1", "0", "not a phone", "+" + "1" * 70]),
    cst.hostile_text(),
    cst.phones().map(Text),
    wrong_types,
)
avatars = st.one_of(
    st.none(),
    cst.avatars(),
    st.sampled_from(["", " ", "ftp://x.example/a.png", "https://", "http://a b/c", "x" * 300]),
    cst.hostile_text(),
    cst.avatars().map(Text),
    wrong_types,
)
flags = st.one_of(st.booleans(), st.sampled_from([0, 1, "yes", "", None]), wrong_types)
tzs = st.sampled_from(
    [
        UTC,
        UTC,
        timezone(timedelta(0)),
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-11)),
        ZoneInfo("UTC"),
        ZoneInfo("Europe/London"),
        None,
    ]
)
moments = st.builds(
    lambda moment, tz, micro: moment.replace(tzinfo=tz, microsecond=micro),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    tzs,
    st.sampled_from([0, 0, 1, 999_999]),
)
created = st.one_of(
    st.none(),
    moments,
    moments.map(lambda m: m.isoformat()),
    moments.map(lambda m: Moment.fromisoformat(m.isoformat())),
    st.sampled_from(
        [
            "yesterday",
            "",
            "2024-02-30T00:00:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            datetime.min.replace(tzinfo=timezone(timedelta(hours=1))),
            datetime.max.replace(tzinfo=timezone(timedelta(hours=-1))),
        ]
    ),
    cst.hostile_text(),
    moments.map(lambda m: Text(m.isoformat())),
    wrong_types,
)
VALUES = {
    "name": names,
    "email": emails,
    "password_hash": hashes,
    "phone": phones,
    "avatar": avatars,
    "is_blocked": flags,
    "created_at": created,
}
#: Keys a record must not have, and keys that are fields in another spelling.
STRAY_KEYS = st.sampled_from(["password", "id", "Name", "email ", 1, None])

good_values = {
    "name": cst.names(),
    "email": cst.emails(),
    "password_hash": st.sampled_from([HASH, ARGON]),
    "phone": st.one_of(st.none(), cst.phones()),
    "avatar": st.one_of(st.none(), cst.avatars()),
    "is_blocked": st.booleans(),
    "created_at": st.one_of(st.none(), moments.filter(lambda m: m.tzinfo is not None)),
}


@st.composite
def records(draw: st.DrawFn, *, mostly_good: bool = False) -> object:
    """A record: usually a dict of some fields (good or hostile values), sometimes not."""
    pool = good_values if mostly_good and draw(st.integers(0, 4)) else VALUES
    keys = draw(
        st.lists(st.sampled_from(list(VALUES)), unique=True).map(
            lambda picked: [*importer.REQUIRED, *picked]
        )
        | st.lists(st.sampled_from(list(VALUES)), unique=True)
    )
    record: dict[Any, object] = {key: draw(pool[key]) for key in dict.fromkeys(keys)}
    if draw(st.integers(0, 9)) == 0:
        record[draw(STRAY_KEYS)] = draw(st.text(max_size=3))
    shape = draw(st.integers(0, 19))
    if shape == 0:
        return Record(record)
    if shape == 1:
        return MappingProxyType(record)
    if shape == 2:
        return draw(st.sampled_from([None, "record", [("name", "x")], 7]))
    return record


def _context(region: str | None) -> Context:
    """What ``_record`` reads of a context: the default region (nothing else is touched)."""
    return Context(storage=None, clock=FrozenClock(), hasher=CHEAP, default_region=region)  # type: ignore[arg-type]


def _general(region: str | None, record: object) -> NewCustomer | dict[str, str]:
    try:
        return importer._record(_context(region), 0, record, NOW)
    except ValidationError as error:
        return error.errors


# -- the quick pass, record by record ---------------------------------------------------


@PROPERTY
@given(record=records(), region=st.sampled_from([None, "GB", "US"]))
@example(record={"name": "Ada", "email": "Ada@Example.COM", "password_hash": HASH}, region=None)
@example(
    record={"name": "Ada", "email": "a@b.com", "password_hash": HASH, "phone": "020 7946 0958"},
    region=None,
)
@example(
    record={
        "name": "Ada",
        "email": "a@b.com",
        "password_hash": HASH,
        "created_at": datetime(2024, 1, 1, tzinfo=UTC),
    },
    region=None,
)
@example(
    record={
        "name": "Ada",
        "email": "a@b.com",
        "password_hash": HASH,
        "created_at": "0001-01-01T00:00:00+01:00",
    },
    region=None,
)
def test_quick_pass_builds_what_the_general_path_builds(record: object, region: str | None) -> None:
    """The quick pass returns None or the very customer ``_record`` returns for the record."""
    try:
        quick = importer._quick_record(region, NOW)(record)
    except Exception as error:  # compared with the general path
        with pytest.raises(type(error)):
            importer._record(_context(region), 0, record, NOW)
        return
    if quick is not None:
        assert _general(region, record) == quick


@PROPERTY
@given(
    record=st.fixed_dictionaries(
        {key: good_values[key] for key in importer.REQUIRED},
        optional={key: good_values[key] for key in importer.OPTIONAL},
    )
)
def test_quick_pass_takes_plain_records(record: dict[str, object]) -> None:
    """Plain records of well-formed values (the bulk of a migration) are settled quickly."""
    expected = _general(None, record)
    assert isinstance(expected, NewCustomer)
    assert importer._quick_record(None, NOW)(record) == expected


# -- whole imports, with and without the quick pass ---------------------------------------


def _never(region: str | None, now: datetime) -> Callable[[object], NewCustomer | None]:
    """A quick pass that settles nothing: every record takes the general path."""
    return lambda record: None


def _outcome(records: list[object], region: str | None, stored: list[str]) -> tuple[str, object]:
    core = CustomerCore.in_memory(
        clock=FrozenClock(NOW), password_hasher=CHEAP, default_region=region
    )
    for email in stored:
        core.customers.import_many([{"name": "Stored", "email": email, "password_hash": HASH}])
    try:
        count = core.customers.import_many(records)  # type: ignore[arg-type]
    except ValidationError as error:
        return "errors", list(error.errors.items())
    except Exception as error:  # compared with the general path
        return "raised", type(error)
    customers = core.customers.search(per_page=100, sort="id").items
    return "stored", (count, [item.customer for item in customers])


def _both(
    monkeypatch: pytest.MonkeyPatch, records: list[object], region: str | None, stored: list[str]
) -> tuple[tuple[str, object], tuple[str, object]]:
    with_quick = _outcome(records, region, stored)
    with monkeypatch.context() as patch:
        patch.setattr(importer, "_quick_record", _never)
        general = _outcome(records, region, stored)
    return with_quick, general


@PROPERTY
@given(
    batch=st.lists(records(mostly_good=True), max_size=6),
    region=st.sampled_from([None, "GB"]),
    stored=st.lists(st.sampled_from(["taken@example.com", "TAKEN2@Example.com"]), unique=True),
)
def test_import_answers_the_same_with_and_without_the_quick_pass(
    batch: list[object], region: str | None, stored: list[str]
) -> None:
    """Same customers stored, or the same errors in the same order, or the same exception."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        with_quick, general = _both(monkeypatch, batch, region, stored)
    assert with_quick == general


def _mixed(count: int) -> Iterator[dict[str, object]]:
    """Good records with a bad one every third, a repeat every seventh, a taken one every 11th."""
    for n in range(count):
        record: dict[str, object] = {
            "name": f"N{n}",
            "email": f"n{n}@example.com",
            "password_hash": HASH,
        }
        if n % 3 == 0:
            record["email"] = f"broken{n}"
            record["is_blocked"] = "no"
        if n % 7 == 0:
            record["email"] = "n1@example.com"
        if n % 11 == 0:
            record["email"] = "taken@example.com"
        yield record


@pytest.mark.parametrize("count", [30, 1700])
def test_the_reported_errors_are_the_same_up_to_the_cap(
    monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    """Past ``MAX_REPORTED`` errors the same ones are kept, in the same order."""
    with_quick, general = _both(monkeypatch, list(_mixed(count)), None, ["taken@example.com"])
    assert with_quick == general
    kind, errors = with_quick
    assert kind == "errors"
    assert isinstance(errors, list)
    if count > importer.MAX_REPORTED:
        assert len(errors) == importer.MAX_REPORTED


def test_repeats_and_taken_emails_are_reported_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without field errors, repeats and taken e-mails are what the import reports."""
    records: list[object] = [
        {"name": "A", "email": "a@example.com", "password_hash": HASH},
        {"name": "B", "email": "A@EXAMPLE.COM", "password_hash": HASH},
        {"name": "C", "email": "taken@example.com", "password_hash": HASH},
    ]
    with_quick, general = _both(monkeypatch, records, None, [])
    assert with_quick == general == ("errors", [("1.email", "repeats the e-mail of record 0")])
    with_quick, general = _both(monkeypatch, records[::2], None, ["TAKEN@example.com"])
    assert with_quick == general == ("errors", [("1.email", "is already taken")])


def test_an_out_of_range_time_is_a_validation_error() -> None:
    """A time that is before the year 1 (or after 9999) in UTC is refused, not an OverflowError."""
    core = CustomerCore.in_memory(clock=FrozenClock(NOW), password_hasher=CHEAP)
    records = [
        {"name": "A", "email": "a@example.com", "password_hash": HASH, "created_at": value}
        for value in (
            "0001-01-01T00:00:00+01:00",
            datetime.max.replace(tzinfo=ZoneInfo("Etc/GMT+1")),
        )
    ]
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many(records)
    assert caught.value.errors == {
        "0.created_at": "must be between the years 1 and 9999 in UTC",
        "1.created_at": "must be between the years 1 and 9999 in UTC",
    }


# -- plain_email_check ------------------------------------------------------------------

special_names = st.lists(
    st.sampled_from(
        [
            "arpa",
            "invalid",
            "local",
            "localhost",
            "onion",
            "test",
            "home.arpa",
            "example.com",
            "LOCAL",
            ".local",
            "",
            "com",
            "mail1.example",
        ]
    ),
    unique=True,
)
addresses = st.one_of(
    cst.emails(),
    emails.filter(lambda e: isinstance(e, str)).map(str),
    st.builds(
        lambda local, labels: f"{local}@{'.'.join(labels)}",
        st.sampled_from(["a", "A.b", "l" * 64, "l" * 65]),
        st.lists(
            st.sampled_from(
                ["home", "arpa", "ARPA", "local", "test", "example", "com", "mail1", "b" * 63]
            ),
            min_size=1,
            max_size=4,
        ),
    ),
)


@PROPERTY
@given(text=addresses, names=special_names, test_environment=st.booleans())
def test_plain_email_check_answers_as_plain_email(
    text: str, names: list[str], test_environment: bool
) -> None:
    """Made under any special-use names, it answers as ``plain_email`` under those names."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(email_validator, "SPECIAL_USE_DOMAIN_NAMES", names)
        monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", test_environment)
        assert rules.plain_email_check()(text) == rules.plain_email(text)
