"""The contract of RFM scoring: ``core.analytics.rfm()`` and ``rfm_summary()``."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_core._segment import Segment, conditions
from customer_core.errors import ValidationError
from customer_core.model import Customer
from customer_core.rfm import LABELS, RfmScore, ntile
from customer_core.segments import C
from customer_core.testing._harness import FrozenClock, Harness
from customer_core.testing.contract._support import address, at, customer
from customer_core.testing.strategies import SEGMENT_COUNTRIES, segments

__all__ = ["RfmContract"]

_order_ids = count(50_001)

#: One order as the property draws it: amount, status, day of January 2025.
_orders = st.lists(
    st.tuples(
        st.sampled_from(["1.00", "5.00", "5.00", "20.50", "99.99"]),
        st.sampled_from(["delivered", "delivered", "pending", "cancelled"]),
        st.integers(1, 4),
    ),
    max_size=4,
)
#: A customer's address countries (from those the segments ask about, and one more).
_countries = st.lists(st.sampled_from([*SEGMENT_COUNTRIES, "IT"]), max_size=2)
#: Random segments that test no id (the storages number their customers differently).
_segments = segments(max_leaves=4).filter(
    lambda s: all(getattr(leaf, "field", None) != "id" for leaf in conditions(s))
)


def _buy(harness: Harness, person: Customer, *orders: tuple[str, str, int]) -> Customer:
    """Record ``(amount, status, day)`` orders for ``person`` and recalculate its totals."""
    for amount, status, day in orders:
        harness.orders.record(
            order_id=next(_order_ids),
            customer_id=person.id,
            total_amount=Decimal(amount),
            status=status,
            placed_at=at(day),
        )
    return harness.core.ltv.recalculate(person.id)


def _scores(harness: Harness, **options: Any) -> list[tuple[int, int, int, int, str]]:
    return [
        (s.customer_id, s.recency, s.frequency, s.monetary, s.label)
        for s in _rfm(harness, **options)
    ]


def _rfm(harness: Harness, **options: Any) -> list[RfmScore]:
    return list(harness.core.analytics.rfm(**options))


def _five(harness: Harness) -> tuple[Customer, Customer, Customer, Customer, Customer]:
    """Customers a..e with distinct recency, frequency and monetary orders (see below)."""
    a = _buy(harness, customer(harness, "a"), ("1.00", "delivered", 1))  # day 1, 1, 1.00
    b = _buy(  # newest (pending on day 9), 2 delivered, 6.00
        harness,
        customer(harness, "b"),
        ("1.00", "delivered", 1),
        ("5.00", "delivered", 2),
        ("7.00", "pending", 9),
    )
    c = _buy(harness, customer(harness, "c"), *[("0.50", "delivered", 3)] * 5)  # 5, 2.50
    d = _buy(harness, customer(harness, "d"), ("99.00", "delivered", 4))  # 1, 99.00
    e = _buy(  # 3 delivered on days 2, 5, 5: 30.00
        harness,
        customer(harness, "e"),
        ("10.00", "delivered", 2),
        ("10.00", "delivered", 5),
        ("10.00", "delivered", 5),
    )
    return a, b, c, d, e


def _bucket_sizes(rows: int) -> list[int]:
    """How many of ``rows`` rows SQL's NTILE(5) puts in each bucket (those not empty)."""
    sizes = Counter(ntile(position, rows) for position in range(rows))
    return [sizes[bucket] for bucket in sorted(sizes)]


class RfmContract:
    """RFM scores: who is scored, NTILE's quintiles, ties by id, labels, the summary."""

    def test_nobody_scored_without_a_delivered_order(self, harness: Harness) -> None:
        """Customers without orders, or with only pending or cancelled ones, are not scored."""
        nobody = customer(harness, "nobody")
        pending = _buy(harness, customer(harness, "pending"), ("10.00", "pending", 2))
        cancelled = _buy(harness, customer(harness, "cancelled"), ("10.00", "cancelled", 2))
        assert pending.last_order_at is not None  # a pending order is a last order, not delivered
        assert {nobody.total_orders, pending.total_orders, cancelled.total_orders} == {0}
        assert _rfm(harness) == []
        assert harness.core.analytics.rfm_summary() == {}

    def test_one_customer_is_in_the_first_bucket(self, harness: Harness) -> None:
        """A lone scored customer gets NTILE's 1 on every score: Hibernating."""
        ada = _buy(harness, customer(harness), ("10.00", "delivered", 1))
        assert _rfm(harness) == [RfmScore(ada.id, 1, 1, 1, "Hibernating")]
        assert harness.core.analytics.rfm_summary() == {"Hibernating": 1}

    def test_five_customers_hand_computed(self, harness: Harness) -> None:
        """Five distinct customers fill one bucket each, per score, as worked out by hand.

        Recency follows the last delivered-or-pending order's day, frequency the
        delivered orders, monetary the delivered amounts; a pending order moves only
        the recency.
        """
        a, b, c, d, e = _five(harness)
        # recency by last order: a(1) < c(3) < d(4) < e(5) < b(9)
        # frequency by delivered count, ties by id: a(1) < d(1) < b(2) < e(3) < c(5)
        # monetary: a(1.00) < c(2.50) < b(6.00) < e(30.00) < d(99.00)
        assert _scores(harness) == [
            (a.id, 1, 1, 1, "Hibernating"),
            (b.id, 5, 3, 3, "Potential loyalist"),
            (c.id, 2, 5, 2, "Can't lose them"),
            (d.id, 3, 2, 5, "About to sleep"),
            (e.id, 4, 4, 4, "Loyal"),
        ]
        assert harness.core.analytics.rfm_summary() == {
            "Loyal": 1,
            "Potential loyalist": 1,
            "About to sleep": 1,
            "Can't lose them": 1,
            "Hibernating": 1,
        }

    def test_a_segment_is_scored_among_itself(self, harness: Harness) -> None:
        """``segment=`` scores its customers' quintiles over them alone (value or text)."""
        _a, b, c, _d, e = _five(harness)
        # total_orders >= 2: b, c, e. recency c(3) < e(5) < b(9); frequency b(2) < e(3)
        # < c(5); monetary c(2.50) < b(6.00) < e(30.00); NTILE(5) of 3 rows: 1, 2, 3.
        expected = [
            (b.id, 3, 1, 2, "About to sleep"),
            (c.id, 1, 3, 1, "At risk"),
            (e.id, 2, 2, 3, "Hibernating"),
        ]
        for segment in (C.total_orders >= 2, "total_orders >= 2"):
            assert _scores(harness, segment=segment) == expected
            assert harness.core.analytics.rfm_summary(segment=segment) == {
                "About to sleep": 1,
                "At risk": 1,
                "Hibernating": 1,
            }

    def test_a_country_segment_asks_the_addresses(self, harness: Harness) -> None:
        """``country == "GB"`` scores the customers with an address in GB among themselves."""
        _a, b, _c, d, _e = _five(harness)
        address(harness, b.id, country="GB")
        address(harness, d.id, country="GB")
        address(harness, d.id, country="FR", type="billing")
        # b, d. recency d(4) < b(9); frequency d(1) < b(2); monetary b(6.00) < d(99.00)
        assert _scores(harness, segment=C.country == "GB") == [
            (b.id, 2, 2, 1, "Hibernating"),
            (d.id, 1, 1, 2, "Hibernating"),
        ]
        assert harness.core.analytics.rfm_summary(segment='country == "FR"') == {"Hibernating": 1}

    def test_relative_times_are_read_against_the_clock(self, harness: Harness) -> None:
        """``within 30d`` counts back from the core's clock: orders of a year ago are outside."""
        _five(harness)
        assert _scores(harness, segment="last_order_at within 30d") == []
        assert len(_scores(harness, segment="last_order_at older_than 30d")) == 5

    def test_a_bad_segment_is_refused_at_the_call(self, harness: Harness) -> None:
        """Bad segment text or a value of the wrong type: ValidationError on ``segment``."""
        _five(harness)
        bad_values: tuple[Any, ...] = ("total_orders >>> 2", "no_such_field == 1", 42)
        for bad in bad_values:
            with pytest.raises(ValidationError) as summary_error:
                harness.core.analytics.rfm_summary(segment=bad)
            assert "segment" in summary_error.value.errors
            with pytest.raises(ValidationError) as rfm_error:
                list(harness.core.analytics.rfm(segment=bad))
            assert "segment" in rfm_error.value.errors

    def test_ties_are_broken_by_id_ascending(self, harness: Harness) -> None:
        """Customers with equal totals are ordered by id: the lower id, the lower score."""
        people = [
            _buy(harness, customer(harness, f"tie{n}"), ("5.00", "delivered", 2)) for n in range(7)
        ]
        expected = [1, 1, 2, 2, 3, 4, 5]  # NTILE(5) over 7 rows
        scores = _rfm(harness)
        assert [s.customer_id for s in scores] == [p.id for p in people]
        assert [s.recency for s in scores] == expected
        assert [s.frequency for s in scores] == expected
        assert [s.monetary for s in scores] == expected

    def test_bucket_sizes_follow_ntile_for_1_to_12_customers(self, harness: Harness) -> None:
        """With n = 1..12 scored customers each score's buckets have NTILE(5)'s sizes: the
        first ``n % 5`` buckets one row more; the unscored never count."""
        customer(harness, "unscored")
        for n in range(1, 13):
            _buy(harness, customer(harness, f"n{n}"), (f"{n}.00", "delivered", 1 + n % 4))
            scores = _rfm(harness)
            assert len(scores) == n
            for field in ("recency", "frequency", "monetary"):
                sizes = Counter(getattr(s, field) for s in scores)
                assert [sizes[b] for b in sorted(sizes)] == _bucket_sizes(n), (n, field)

    def test_summary_counts_the_labels_of_rfm(self, harness: Harness) -> None:
        """The summary is the count of ``rfm()``'s labels, in the label table's order."""
        for n in range(9):
            _buy(
                harness,
                customer(harness, f"s{n}"),
                *[("3.00", "delivered", 1 + (n * 7) % 4)] * (1 + n % 3),
            )
        counted = Counter(s.label for s in _rfm(harness))
        summary = harness.core.analytics.rfm_summary()
        assert summary == {label: counted[label] for label in LABELS if counted[label]}
        assert list(summary) == [label for label in LABELS if label in summary]

    def test_rfm_is_lazy_and_can_be_closed_early(self, harness: Harness) -> None:
        """Taking the first score and closing the iterator leaves the core usable."""
        for n in range(3):
            _buy(harness, customer(harness, f"early{n}"), ("1.00", "delivered", 1))
        scores = harness.core.analytics.rfm()
        first = next(iter(scores))
        close = getattr(scores, "close", None)
        if close is not None:
            close()
        assert first.recency == 1
        assert customer(harness, "after").email == "after@example.com"

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        people=st.lists(st.tuples(_orders, _countries), min_size=1, max_size=6),
        segment=st.none() | _segments,
    )
    def test_every_storage_scores_as_memory_does(
        self,
        harness: Harness,
        people: list[tuple[list[tuple[str, str, int]], list[str]]],
        segment: Segment | None,
    ) -> None:
        """Random customers, orders (ties, pending and cancelled included), address countries
        and segments get the scores and summary a fresh in-memory core computes from the
        same writes.

        Each example starts by deleting the harness's customers (ids are never reused,
        so the orders left behind belong to no one); ids are mapped, since two storages
        number alike only in order (so the segments test no ids).
        """
        _delete_everyone(harness)
        reference = _reference(harness)
        ids: dict[int, int] = {}
        for orders, countries in people:
            tag = f"p{next(_order_ids)}"
            mine = _buy(harness, customer(harness, tag), *orders)
            theirs = _buy(reference, customer(reference, tag), *orders)
            for country in countries:
                address(harness, mine.id, country=country)
                address(reference, theirs.id, country=country)
            ids[theirs.id] = mine.id
        expected = [
            (ids[s.customer_id], s.recency, s.frequency, s.monetary, s.label)
            for s in _rfm(reference, segment=segment)
        ]
        assert _scores(harness, segment=segment) == expected
        assert harness.core.analytics.rfm_summary(
            segment=segment
        ) == reference.core.analytics.rfm_summary(segment=segment)


def _delete_everyone(harness: Harness) -> None:
    while items := harness.core.customers.search(per_page=100).items:
        for item in items:
            harness.core.customers.delete(item.customer.id)


def _reference(harness: Harness) -> Harness:
    """A fresh in-memory core at the harness's time: what every storage must agree with."""
    from customer_core._core import CustomerCore

    clock = FrozenClock(harness.clock.now())
    core = CustomerCore.in_memory(clock=clock, password_hasher=harness.core.password_hasher)
    return Harness(core=core, orders=core.orders, clock=clock)
