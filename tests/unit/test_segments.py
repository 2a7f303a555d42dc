"""The segment value type: building, text form, parsing, and its in-memory meaning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings

from customer_core._segment import matches, needs_countries, resolve
from customer_core.errors import ValidationError
from customer_core.model import Customer
from customer_core.segments import C, Segment, parse
from customer_core.testing import strategies as cst

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def customer(**changes: object) -> Customer:
    values: dict[str, object] = {
        "id": 7,
        "name": "Ada Lovelace",
        "email": "ada@Example.com",
        "phone": None,
        "avatar": None,
        "is_blocked": False,
        "lifetime_value": Decimal("120.00"),
        "total_orders": 2,
        "last_order_at": NOW - timedelta(days=10),
        "created_at": NOW - timedelta(days=400),
        "updated_at": None,
    }
    values.update(changes)
    return Customer(**values)  # type: ignore[arg-type]


def holds(segment: Segment, who: Customer, countries: tuple[str, ...] = ()) -> bool:
    return matches(resolve(segment, NOW), who, countries)


@settings(max_examples=300)
@given(cst.segments(max_leaves=8))
def test_text_form_round_trips(segment: Segment) -> None:
    assert parse(str(segment)) == segment
    assert hash(parse(str(segment))) == hash(segment)


def test_the_api_example() -> None:
    vip = (C.lifetime_value >= 500) & C.last_order_at.within(days=90) & ~C.is_blocked
    text = "lifetime_value >= 500 and last_order_at within 90d and not is_blocked"
    assert parse(text) == vip
    assert str(vip) == "lifetime_value >= 500.00 and last_order_at within 90d and not is_blocked"


def test_parentheses_only_where_needed() -> None:
    a, b, c = C.id == 1, C.id == 2, C.id == 3
    assert str((a | b) & c) == "(id == 1 or id == 2) and id == 3"
    assert str(a | (b & c)) == "id == 1 or id == 2 and id == 3"
    assert str(a & (b & c)) == "id == 1 and (id == 2 and id == 3)"
    assert str(~(a & b)) == "not (id == 1 and id == 2)"
    assert parse("not id == 1 and id == 2") == (~a) & b


def test_spans_in_weeks_and_years_are_days() -> None:
    assert parse("created_at older_than 3y") == C.created_at.older_than(days=3 * 365)
    assert parse("created_at within 2w") == C.created_at.within(days=14)


def test_strings_escape_quotes_and_backslashes() -> None:
    segment = C.name.contains('say "hi" \\ 50%_')
    assert str(segment) == 'name contains "say \\"hi\\" \\\\ 50%_"'
    assert parse(str(segment)) == segment


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'lifetime_value > "abc"',
            "lifetime_value: must be a number (the condition at position 1)",
        ),
        ("id == 1 and nme == 2", "unknown field 'nme' at position 13"),
        ("name > 1", "name (a text) does not take '>'"),
        ("id == 1.5", "id: must be an integer"),
        ("(id == 1", "expected ')' at position 9"),
        ("id == 1 and", "expected a field at position 12 (the end)"),
        ("id == 1 id == 2", "unexpected 'id' at position 9"),
        ("id == ", "expected a value at position 7 (the end)"),
        ("id ; drop", "unexpected character ';' at position 4"),
        ("name", "expected an operator after name at position 5"),
        ('created_at > "yesterday"', "created_at: must be an ISO 8601 date and time"),
        ('country == "XX"', "country: must be an ISO 3166-1 alpha-2 country code"),
        ("is_blocked == 1", "is_blocked (a condition by itself) does not take '=='"),
        ("last_order_at within 90", "expected a span such as 90d at position 22"),
        ("total_orders within 9d", "total_orders (an integer) does not take 'within'"),
        ("lifetime_value > 0.001", "lifetime_value: must have at most 2 decimal places"),
        ("id in ()", "expected a value for id at position 8"),
    ],
)
def test_bad_text_names_the_position(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse(text)
    assert message in raised.value.errors["segment"]


def test_type_checks_happen_at_build_time() -> None:
    with pytest.raises(ValidationError) as raised:
        C.lifetime_value > "abc"  # noqa: B015
    assert raised.value.errors == {"segment": "lifetime_value: must be a number"}
    for build in (
        lambda: C.name < "b",
        lambda: C.id == True,  # noqa: E712
        lambda: C.total_orders.contains("1"),
        lambda: C.id.in_([]),
        lambda: C.id.in_(range(1001)),
        lambda: C.name.in_("ab"),
        lambda: C.last_order_at.within(days=-1),
        lambda: C.lifetime_value.is_null(),
        lambda: C.is_blocked == False,  # noqa: E712
        lambda: (C.id == 1) & "id == 2",  # type: ignore[operator]
    ):
        with pytest.raises(ValidationError):
            build()


def test_a_segment_has_no_truth_value() -> None:
    with pytest.raises(TypeError):
        bool(C.id == 1)


def test_hostile_text_is_bounded() -> None:
    with pytest.raises(ValidationError):
        parse("not " * 60 + "is_blocked")
    with pytest.raises(ValidationError):
        parse(" or ".join(["is_blocked"] * 201))
    with pytest.raises(ValidationError):
        parse("x" * 10_001)
    with pytest.raises(ValidationError):
        parse(None)  # type: ignore[arg-type]


def test_comparisons_on_an_empty_time_are_false_and_not_negates() -> None:
    never = customer(last_order_at=None, total_orders=0)
    before = C.last_order_at < NOW
    assert not holds(before, never)
    assert not holds(C.last_order_at >= NOW, never)
    assert not holds(C.last_order_at != NOW, never)
    assert holds(~before, never)
    assert holds(C.last_order_at.is_null(), never)
    assert not holds(C.last_order_at.within(days=10_000), never)
    assert not holds(C.last_order_at.older_than(days=0), never)


def test_relative_times_resolve_against_now_in_whole_seconds() -> None:
    who = customer(last_order_at=NOW - timedelta(days=90))
    assert holds(C.last_order_at.within(days=90), who)
    assert not holds(C.last_order_at.older_than(days=90), who)
    assert holds(C.last_order_at.older_than(days=89), who)
    resolved = resolve(C.last_order_at.within(days=1), NOW.replace(microsecond=999))
    assert resolved == (C.last_order_at >= NOW - timedelta(days=1))


def test_text_conditions_follow_search_rules() -> None:
    who = customer(name="Zoë 100%_off", email="Zoe@Mail.Example.com")
    assert holds(C.name.contains("ZOË"), who)
    assert holds(C.name.contains("0%_"), who)
    assert not holds(C.name.contains("0%x"), who)
    assert holds(C.name == "zoë 100%_off", who)
    assert holds(C.email_domain == "mail.example.com", who)
    assert holds(C.email_domain.contains("example"), who)
    assert not holds(C.email_domain.contains("zoe"), who)
    assert holds(C.email.in_(["x@y.z", "zoe@mail.example.com"]), who)


def test_country_asks_about_any_address() -> None:
    who = customer()
    assert holds(C.country == "de", who, ("DE", "FR"))
    assert holds(C.country.in_(["US", "FR"]), who, ("DE", "FR"))
    assert not holds(C.country != "DE", who, ("DE", "FR"))
    assert holds(C.country != "US", who, ("DE", "FR"))
    assert holds(C.country != "US", who, ())
    assert holds(C.country.is_null(), who, ())
    assert not holds(C.country.is_null(), who, ("DE",))
    assert needs_countries(C.is_blocked | ~(C.country == "DE"))
    assert not needs_countries(C.is_blocked | (C.id == 3))


def test_numbers_flags_and_between() -> None:
    who = customer()
    assert holds(C.lifetime_value.between(Decimal("120.00"), 200), who)
    assert holds(C.lifetime_value == 120, who)
    assert holds(C.lifetime_value > 119.99, who)
    assert not holds(C.total_orders.between(3, 1), who)
    assert holds(C.is_repeat & ~C.is_blocked, who)
    assert holds(C.id.in_([1, 7]), who)


@pytest.mark.sql
def test_the_sql_compiler_takes_only_segment_fields() -> None:
    """A forged condition on another column never becomes SQL, even past ``as_segment``."""
    from sqlalchemy.dialects import sqlite

    from customer_core._segment import Compare
    from customer_core.adapters.sqlalchemy._schema import define_tables
    from customer_core.adapters.sqlalchemy._segment_sql import segment_condition

    tables = define_tables()
    forged = Compare("password", ">", 3)
    with pytest.raises(ValidationError) as raised:
        segment_condition(sqlite.dialect(), tables.customers, tables.addresses, forged)
    assert set(raised.value.errors) == {"segment"}


def test_segments_built_in_python_keep_the_parsers_limits() -> None:
    """``as_segment`` checks a Segment's whole tree without recursion: 3 000 conditions are
    refused as the parser refuses them, not a RecursionError."""
    from customer_core._segment import as_segment

    found: Segment = C.id > 0
    for number in range(3000):
        found = found & (C.id > number)
    with pytest.raises(ValidationError, match="more than 200 conditions"):
        as_segment(found)
    assert as_segment(parse(" and ".join(["id > 0"] * 200))) is not None
