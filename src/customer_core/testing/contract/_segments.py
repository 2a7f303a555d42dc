"""The contract of segments: ``search(segment=…)``, ``count`` and ``stream`` on every storage.

The differential tests fill the storage with awkward data (ties, NULL last-order
times, case pairs, non-ASCII letters, ``%``, ``_`` and ``\\`` in names and
e-mails, several addresses) and check, for random segments
(:func:`customer_core.testing.strategies.segments`), that the storage returns
exactly the ids the in-memory oracle (:func:`customer_core._segment.matches`)
picks from the same customers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from customer_core._segment import Compare, In, Within, matches, resolve
from customer_core.errors import ValidationError
from customer_core.model import Customer
from customer_core.segments import C, Segment
from customer_core.testing import strategies as cst
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import PASSWORD, address, at, customer

__all__ = ["DIFFERENTIAL_EXAMPLES", "SegmentsContract"]

#: Random segments per differential test (per storage): enough to reach every
#: operator on every field many times, cheap enough for CI on four databases.
DIFFERENTIAL_EXAMPLES = 120

_SETTINGS = settings(
    max_examples=DIFFERENTIAL_EXAMPLES,
    deadline=None,
    # The harness is per test (its data is filled once, then only read); a host may
    # subclass the contract more than once, which Hypothesis sees as differing executors.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)
_NAMES = ("a%b", "A%B", "a_b", "ab\\", "é É", "É", "ß", "Ña", "aa", "AA", "b.a", "x@y")
_LOCALS = ("ada", "a%b", "a_b", "Zed", "x.y", "a_%")
_DOMAINS = ("example.com", "mail.example.com", "ab.de", "Ex.com")
_AMOUNTS = ("10.00", "25.50", "100.00", "0.10")
_STATUSES = ("delivered", "delivered", "cancelled", "pending")
_order_ids = count(9_000_000)


@attrs.frozen
class _Data:
    """The customers of one filled storage with their address countries."""

    customers: tuple[Customer, ...]
    countries: dict[int, frozenset[str]]

    def expected(self, segment: Segment, harness: Harness) -> list[int]:
        resolved = resolve(segment, harness.clock.now())
        return [
            c.id
            for c in self.customers
            if matches(resolved, c, self.countries.get(c.id, frozenset()))
        ]


_filled: dict[int, tuple[Harness, _Data]] = {}


def _fill(harness: Harness, seed: int = 13) -> _Data:
    """Fill the storage once per harness (Hypothesis calls the test many times)."""
    known = _filled.get(id(harness))
    if known is not None and known[0] is harness:
        return known[1]
    rng = random.Random(seed)
    core = harness.core
    password_hash = core.password_hasher.hash(PASSWORD)
    now = harness.clock.now()
    records = [
        {
            "name": rng.choice(_NAMES),
            "email": f"{rng.choice(_LOCALS)}{n}@{rng.choice(_DOMAINS)}",
            "password_hash": password_hash,
            "is_blocked": rng.random() < 0.3,
            # On the hour, so that ties (and the strategy's times) meet.
            "created_at": now - timedelta(hours=rng.randrange(24 * 500)),
        }
        for n in range(24)
    ]
    core.customers.import_many(records)
    listed = _everyone(harness)
    for person in listed:
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            harness.orders.record(
                order_id=next(_order_ids),
                customer_id=person.id,
                total_amount=Decimal(rng.choice(_AMOUNTS)),
                status=rng.choice(_STATUSES),
                placed_at=at(1) + timedelta(hours=rng.randrange(24 * 300)),
            )
        core.ltv.recalculate(person.id)
        for _ in range(rng.choice((0, 1, 1, 2))):
            address(harness, person.id, country=rng.choice(("DE", "FR", "GB", "US")))
    customers = tuple(_everyone(harness))
    countries = {c.id: frozenset(a.country for a in core.addresses.list(c.id)) for c in customers}
    data = _Data(customers, countries)
    _filled[id(harness)] = (harness, data)
    return data


def _everyone(harness: Harness) -> list[Customer]:
    found: list[Customer] = []
    page = 1
    while True:
        result = harness.core.customers.search(page=page, per_page=100)
        found.extend(item.customer for item in result.items)
        if page >= result.last_page:
            return found
        page += 1


def _searched(harness: Harness, segment: Segment | str, **options: Any) -> list[int]:
    page = harness.core.customers.search(segment=segment, per_page=100, **options)
    return [item.customer.id for item in page.items]


def _streamed(harness: Harness, segment: Segment | str | None, batch_size: int = 5) -> list[int]:
    return [c.id for c in harness.core.customers.stream(segment, batch_size=batch_size)]


class _Foreign(Segment):
    """A node class of nobody's: no compiler knows it."""

    field = "id"

    def __str__(self) -> str:
        return "id > 0"


def _many(conditions: int) -> Segment:
    found: Segment = C.id > 0
    for number in range(conditions - 1):
        found = found & (C.id > number)
    return found


def _wide(conditions: int) -> Segment:
    found: Segment = C.id.in_(range(1, 1001))
    for number in range(1, conditions):
        found = found | C.id.in_(range(number * 1000 + 1, number * 1000 + 1001))
    return found


def _nested(levels: int) -> Segment:
    found: Segment = C.id > 0
    for _ in range(levels):
        found = ~found
    return found


_FORGED: list[Segment] = [
    # Built past the builder, as attrs.evolve or a direct construction would.
    Compare("password", ">", 3),
    Compare("total_orders", "; drop table customers", 3),
    Compare("total_orders", ">", 3_000_000_000),
    Compare("total_orders", ">", "3"),
    Compare("name", "==", "ADA"),
    In("id", ()),
    Within("created_at", -1),
    (C.id > 0) & _Foreign(),
    _many(3000),
    _nested(3000),
    _wide(11),
]
_FORGED_IDS = [
    "other-column",
    "operator",
    "int-range",
    "value-type",
    "not-lower-cased",
    "empty-in",
    "negative-days",
    "foreign-node",
    "3000-conditions",
    "3000-nots",
    "11000-values",
]


class SegmentsContract:
    """``core.customers.search(segment=…)``, ``count(segment)`` and ``stream(segment)``."""

    @_SETTINGS
    @given(segment=cst.segments())
    def test_count_and_search_return_the_oracles_ids(
        self, harness: Harness, segment: Segment
    ) -> None:
        """Random segments on awkward data: the storage picks exactly the oracle's ids."""
        data = _fill(harness)
        expected = data.expected(segment, harness)
        assert _searched(harness, segment) == expected, str(segment)
        assert harness.core.customers.count(segment) == len(expected), str(segment)

    @settings(_SETTINGS, max_examples=DIFFERENTIAL_EXAMPLES // 4)
    @given(segment=cst.segments())
    def test_stream_returns_the_oracles_ids(self, harness: Harness, segment: Segment) -> None:
        """A stream in small batches yields the oracle's ids, in id order, once each."""
        data = _fill(harness)
        assert _streamed(harness, segment) == data.expected(segment, harness), str(segment)

    def test_the_text_form_runs_like_the_segment(self, harness: Harness) -> None:
        """``segment=str(s)`` is parsed: the same customers as ``s``."""
        data = _fill(harness)
        segment = (C.lifetime_value >= 10) & ~C.is_blocked | C.country.in_(["DE"])
        assert _searched(harness, str(segment)) == data.expected(segment, harness)
        assert harness.core.customers.count(str(segment)) == len(data.expected(segment, harness))

    def test_search_combines_text_filters_sorting_and_paging(self, harness: Harness) -> None:
        """The segment narrows the ordinary search: text, flags, sort and pages still apply."""
        data = _fill(harness)
        segment = C.total_orders >= 1
        wanted = set(data.expected(segment, harness))
        by_value = sorted(
            (c for c in data.customers if c.id in wanted and not c.is_blocked),
            key=lambda c: (-c.lifetime_value, c.id),
        )
        page = harness.core.customers.search(
            segment=segment, blocked=False, sort="-lifetime_value", per_page=3, page=2
        )
        assert [i.customer.id for i in page.items] == [c.id for c in by_value[3:6]]
        assert page.total == len(by_value)
        named = _searched(harness, segment, text="%")
        assert named == [c.id for c in data.customers if c.id in wanted and "%" in _text(c)]

    def test_relative_times_count_from_the_cores_clock(self, harness: Harness) -> None:
        """``within``/``older_than`` move with the clock: a day later, one fewer is recent."""
        ada = customer(harness, "ada")
        harness.orders.record(
            order_id=next(_order_ids),
            customer_id=ada.id,
            total_amount=Decimal("5.00"),
            status="delivered",
            placed_at=harness.clock.now() - timedelta(days=30),
        )
        harness.core.ltv.recalculate(ada.id)
        recent = C.last_order_at.within(days=30)
        assert harness.core.customers.count(recent) == 1
        assert harness.core.customers.count(C.last_order_at.older_than(days=30)) == 0
        harness.clock.advance(1)
        assert harness.core.customers.count(recent) == 0
        assert harness.core.customers.count(C.last_order_at.older_than(days=30)) == 1
        assert harness.core.customers.count(~recent) == 1

    def test_count_and_stream_without_a_segment_take_everyone(self, harness: Harness) -> None:
        """No segment: every customer, in id order."""
        made = [customer(harness, f"p{n}").id for n in range(7)]
        assert harness.core.customers.count() == 7
        assert _streamed(harness, None, batch_size=3) == sorted(made)

    def test_stream_reads_in_short_batches(self, harness: Harness) -> None:
        """A customer added between two batches is seen: no batch holds a transaction open."""
        first = [customer(harness, f"p{n}").id for n in range(3)]
        stream = harness.core.customers.stream(C.id > 0, batch_size=2)
        seen = [next(stream).id, next(stream).id]
        late = customer(harness, "late").id
        seen.extend(c.id for c in stream)
        assert seen == [*first, late]

    def test_country_means_any_address(self, harness: Harness) -> None:
        """``country`` asks about every address; ``is_null`` means no address."""
        ada, bob, cid = (customer(harness, tag) for tag in ("ada", "bob", "cid"))
        address(harness, ada.id, country="DE")
        address(harness, ada.id, country="FR")
        address(harness, bob.id, country="FR")
        assert _searched(harness, C.country == "DE") == [ada.id]
        assert _searched(harness, C.country == "fr") == [ada.id, bob.id]
        assert _searched(harness, C.country != "DE") == [bob.id, cid.id]
        assert _searched(harness, C.country.is_null()) == [cid.id]

    def test_like_metacharacters_are_literal(self, harness: Harness) -> None:
        """``%``, ``_`` and ``\\`` in a text match only themselves, as in search text."""
        plain = customer(harness, "plain", name="abc")
        percent = customer(harness, "pct", name="a%c")
        under = customer(harness, "und", name="a_c")
        slash = customer(harness, "sla", name="a\\c")
        assert _searched(harness, C.name.contains("%")) == [percent.id]
        assert _searched(harness, C.name.contains("_")) == [under.id]
        assert _searched(harness, C.name.contains("\\")) == [slash.id]
        assert _searched(harness, C.name == "a_c") == [under.id]
        assert _searched(harness, C.name != "a%c") == [plain.id, under.id, slash.id]

    def test_null_rules_are_two_valued(self, harness: Harness) -> None:
        """A comparison on an empty time is false, and its negation true."""
        never = customer(harness, "never")
        cutoff = harness.clock.now()
        assert _searched(harness, C.last_order_at < cutoff) == []
        assert _searched(harness, ~(C.last_order_at < cutoff)) == [never.id]
        assert _searched(harness, C.last_order_at != cutoff) == []
        assert _searched(harness, C.last_order_at.is_null()) == [never.id]

    @pytest.mark.parametrize(
        "bad",
        [
            'lifetime_value > "abc"',
            "nope == 1",
            "id ==",
            42,
            "name contains \"'; drop",
            "total_orders > 3000000000",
            "id in (1, 9223372036854775808)",
        ],
    )
    def test_bad_segments_are_refused_and_change_nothing(
        self, harness: Harness, bad: object
    ) -> None:
        """Bad segment text or type: ``ValidationError`` on ``segment``, nothing else happens."""
        customer(harness)
        calls: list[Callable[[], object]] = [
            lambda: harness.core.customers.count(bad),  # type: ignore[arg-type]
            lambda: harness.core.customers.search(segment=bad),  # type: ignore[arg-type]
            lambda: harness.core.customers.stream(bad),  # type: ignore[arg-type]
        ]
        for call in calls:
            with pytest.raises(ValidationError) as raised:
                call()
            assert set(raised.value.errors) == {"segment"}
        with pytest.raises(ValidationError) as raised:
            harness.core.customers.stream(batch_size=0)
        assert set(raised.value.errors) == {"batch_size"}

    @pytest.mark.parametrize("forged", _FORGED, ids=_FORGED_IDS)
    def test_forged_segments_are_refused_before_any_query(
        self, harness: Harness, forged: Segment
    ) -> None:
        """A Segment the builder would not make (another column, operator or value type, a
        foreign node, more conditions than the parser takes): ``ValidationError`` on
        ``segment`` from every entry point, and nothing happens."""
        ada = customer(harness)
        calls: list[Callable[[], object]] = [
            lambda: harness.core.customers.count(forged),
            lambda: harness.core.customers.search(segment=forged),
            lambda: harness.core.customers.stream(forged),
            lambda: harness.core.customers.scroll(segment=forged),
            lambda: harness.core.privacy.anonymize_many(forged),
        ]
        for call in calls:
            with pytest.raises(ValidationError) as raised:
                call()
            assert set(raised.value.errors) == {"segment"}
        assert harness.core.customers.get(ada.id) == ada

    def test_integers_at_the_columns_limits_run(self, harness: Harness) -> None:
        """The largest values each integer field takes match nobody, without a storage error
        (PostgreSQL refuses a value beyond an ``integer`` column's range in the query)."""
        customer(harness)
        top, low = 2**31 - 1, -(2**31)
        for segment in (
            C.total_orders >= top,
            C.total_orders.in_([top, low]),
            C.total_orders.between(top, top),
            C.id > 2**63 - 1,
            C.id == -(2**63 - 1),
        ):
            assert harness.core.customers.count(segment) == 0
        assert harness.core.customers.count(C.total_orders > low) == 1
        with pytest.raises(ValidationError):
            C.total_orders > top + 1  # noqa: B015 - the build itself refuses it


def _text(customer: Customer) -> str:
    return customer.name.lower() + "\n" + customer.email.lower()
