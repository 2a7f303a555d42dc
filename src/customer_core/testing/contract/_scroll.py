"""The contract of ``core.customers.scroll`` (cursor pages) and of ``search``'s ``total=`` modes."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_core.errors import ValidationError
from customer_core.model import Customer
from customer_core.ports import CustomerQuery
from customer_core.services import _cursor
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import at, customer

__all__ = ["ScrollContract", "SearchTotalContract"]

SORTS = (
    "id",
    "name",
    "created_at",
    "lifetime_value",
    "last_order_at",
    "total_orders",
)
ALL_SORTS = SORTS + tuple(f"-{sort}" for sort in SORTS)

_order_ids = count(10_000_001)


def _ordered(harness: Harness, person: Customer, amounts: list[str], day: int) -> Customer:
    """Deliver orders to ``person`` on ``day`` of January 2025 and recalculate its totals."""
    for amount in amounts:
        harness.orders.record(
            order_id=next(_order_ids),
            customer_id=person.id,
            total_amount=Decimal(amount),
            status="delivered",
            placed_at=at(day),
        )
    return harness.core.ltv.recalculate(person.id)


def _shop(harness: Harness) -> list[Customer]:
    """Ten customers with ties on every sort key, names differing only in case, empty
    ``last_order_at`` values and two registration times."""
    people = [
        customer(harness, "c0", name="beth"),
        customer(harness, "c1", name="Anna"),
        customer(harness, "c2", name="BETH"),
        customer(harness, "c3", name="cleo"),
    ]
    harness.clock.advance(60)
    people += [
        customer(harness, "c4", name="anna"),
        customer(harness, "c5", name="Dora"),
        customer(harness, "c6", name="Beth"),
    ]
    harness.clock.advance(60)
    people += [customer(harness, "c7", name="Cleo"), customer(harness, "c8", name="Eve")]
    people.append(customer(harness, "c9", name="anna"))
    _ordered(harness, people[1], ["10.00", "5.00"], 3)
    _ordered(harness, people[3], ["15.00"], 5)
    _ordered(harness, people[5], ["7.50", "7.50"], 3)
    _ordered(harness, people[8], ["15.00"], 9)
    harness.core.customers.block(people[2].id)
    harness.core.customers.block(people[5].id)
    return people


def _search_ids(harness: Harness, text: str | None = None, **options: Any) -> list[int]:
    page = harness.core.customers.search(text, per_page=100, **options)
    return [item.customer.id for item in page.items]


def _scroll_ids(harness: Harness, text: str | None = None, **options: Any) -> list[int]:
    """Every id a scroll yields, page by page to the end."""
    seen: list[int] = []
    after = None
    for _ in range(200):
        page = harness.core.customers.scroll(text, after=after, **options)
        seen += [item.customer.id for item in page.items]
        after = page.next
        if after is None:
            return seen
    raise AssertionError("the scroll did not end")


def _bad_after(harness: Harness, after: object, **options: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        harness.core.customers.scroll(after=after, **options)  # type: ignore[arg-type]
    assert set(raised.value.errors) == {"after"}


#: The fixed public key every core signed cursors with before 0.2's fix: refused now.
OLD_PUBLIC_KEY = b"customer_core scroll cursor v1"


def _key(harness: Harness) -> bytes:
    """The HMAC key of the harness's core (the asyncio front's core stands behind ``aio``)."""
    core = getattr(harness.core, "aio", harness.core)
    return _cursor.cursor_key(core._cursor_secret)


def _signed(harness: Harness, body: dict[str, Any], key: bytes | None = None) -> str:
    """A cursor with this payload and a valid tag under ``key`` (default: the core's own,
    as a host holding the secret could make)."""
    key = _key(harness) if key is None else key
    payload = json.dumps(body).encode()
    return f"{_cursor._b64(payload)}.{_cursor._b64(_cursor._tag(payload, key))}"


class ScrollContract:
    """``core.customers.scroll``: keyset pages in search's order, with checked cursors."""

    @pytest.mark.parametrize("sort", ALL_SORTS)
    def test_scroll_yields_the_search_order(self, harness: Harness, sort: str) -> None:
        """Scrolling to the end, two rows a page, yields exactly search's order, every sort."""
        _shop(harness)
        assert _scroll_ids(harness, sort=sort, limit=2) == _search_ids(harness, sort=sort)

    def test_filters_apply_to_every_page(self, harness: Harness) -> None:
        """Text, blocked and repeat filter the scroll as they filter search."""
        _shop(harness)
        cases: list[tuple[str | None, dict[str, Any]]] = [
            (None, {"blocked": True}),
            (None, {"repeat": False}),
            ("ANN", {}),
        ]
        for text, options in cases:
            got = _scroll_ids(harness, text, sort="-name", limit=1, **options)
            assert got == _search_ids(harness, text, sort="-name", **options)

    @pytest.mark.parametrize("sort", ["last_order_at", "-last_order_at"])
    def test_empty_values_come_last_both_ways(self, harness: Harness, sort: str) -> None:
        """Customers with no ``last_order_at`` come after all others, by id, in both directions."""
        people = _shop(harness)
        ordered = _scroll_ids(harness, sort=sort, limit=3)
        never = [p.id for p in people if harness.core.customers.get(p.id).last_order_at is None]
        assert ordered[-len(never) :] == sorted(never)

    def test_last_page_has_no_next(self, harness: Harness) -> None:
        """A page that reaches the end has ``next`` None; an empty storage gives one empty page."""
        empty = harness.core.customers.scroll()
        assert (list(empty.items), empty.next, empty.has_more) == ([], None, False)
        for tag in ("a", "b"):
            customer(harness, tag)
        page = harness.core.customers.scroll(limit=2)
        assert len(page.items) == 2
        assert page.next is None

    def test_inserts_and_deletes_between_pages(self, harness: Harness) -> None:
        """Rows deleted or added behind the cursor change nothing ahead of it; rows added
        ahead of it are found; the cursor's own row may be gone."""
        people = [customer(harness, f"u{n}", name=f"Name {n:02}") for n in range(6)]
        first = harness.core.customers.scroll(sort="name", limit=3)
        assert [i.customer.id for i in first.items] == [p.id for p in people[:3]]
        harness.core.customers.delete(people[2].id)  # the cursor's row
        harness.core.customers.delete(people[0].id)  # behind the cursor
        harness.core.customers.delete(people[4].id)  # ahead of the cursor
        behind = customer(harness, "behind", name="Name 00 again")
        ahead = customer(harness, "ahead", name="Name 03 too")
        rest = harness.core.customers.scroll(sort="name", limit=3, after=first.next)
        assert [i.customer.id for i in rest.items] == [people[3].id, ahead.id, people[5].id]
        assert behind.id not in [i.customer.id for i in rest.items]

    def test_a_changed_sort_value_does_not_lose_the_place(self, harness: Harness) -> None:
        """The cursor holds the last row's value: a change to that row moves no one else."""
        people = [customer(harness, f"u{n}", name=f"Name {n}") for n in range(4)]
        first = harness.core.customers.scroll(sort="name", limit=2)
        harness.core.customers.update(people[1].id, name="Zed")
        rest = harness.core.customers.scroll(sort="name", limit=5, after=first.next)
        assert [i.customer.id for i in rest.items] == [people[2].id, people[3].id, people[1].id]

    def test_items_carry_orders_counts(self, harness: Harness) -> None:
        """Each scrolled customer carries its orders count, as search's do."""
        people = _shop(harness)
        counts = {i.customer.id: i.orders_count for i in harness.core.customers.scroll().items}
        assert counts[people[1].id] == 2
        assert counts[people[0].id] == 0

    def test_edited_truncated_and_garbage_cursors(self, harness: Harness) -> None:
        """An edited, truncated or made-up cursor is a ValidationError on ``after``."""
        for n in range(3):
            customer(harness, f"u{n}")
        cursor = harness.core.customers.scroll(limit=1).next
        assert cursor is not None
        payload, tag = cursor.split(".")
        flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
        for bad in (
            cursor[:-1],
            cursor[:10],
            cursor + "A",
            f"{flipped}.{tag}",
            f"{payload}.{tag[::-1]}",
            payload,
            "",
            ".",
            "not a cursor",
            "%%%.%%%",
            "a" * 5000,
            17,
            b"bytes",
            ["list"],
        ):
            _bad_after(harness, bad)

    def test_cursor_of_another_sort_or_filter(self, harness: Harness) -> None:
        """A cursor made for another sort, direction or filter is refused, not misread."""
        for n in range(3):
            customer(harness, f"u{n}")
        cursor = harness.core.customers.scroll(limit=1).next
        _bad_after(harness, cursor, sort="-id")
        _bad_after(harness, cursor, sort="name")
        _bad_after(harness, cursor, blocked=False)
        with pytest.raises(ValidationError) as raised:
            harness.core.customers.scroll("u", after=cursor)
        assert set(raised.value.errors) == {"after"}

    def test_cursor_signed_with_another_secret(self, harness: Harness) -> None:
        """A cursor whose tag was made with another key is refused."""
        customer(harness)
        fingerprint = _cursor.fingerprint(_plain_query())
        body = {"v": 1, "s": "id", "f": fingerprint, "k": [1, 1]}
        assert harness.core.customers.scroll(after=_signed(harness, body)).next is None
        _bad_after(harness, _signed(harness, body, key=b"someone else's key"))

    def test_cursor_signed_with_the_old_public_key(self, harness: Harness) -> None:
        """The default key is no public constant: a cursor signed with the key every core
        used before (in the library's source for anyone to read) is refused."""
        customer(harness)
        fingerprint = _cursor.fingerprint(_plain_query())
        body = {"v": 1, "s": "id", "f": fingerprint, "k": [1, 1]}
        _bad_after(harness, _signed(harness, body, key=OLD_PUBLIC_KEY))

    @pytest.mark.parametrize(
        ("sort", "value", "last_id"),
        [
            ("id", "1", 1),
            ("id", 1, "1"),
            ("id", 1, 0),
            ("id", 1, 2**64),
            ("id", 2**70, 1),
            ("id", True, 1),
            ("name", 5, 1),
            ("name", None, 1),
            ("lifetime_value", "NaN", 1),
            ("lifetime_value", "1e400", 1),
            ("lifetime_value", "ten", 1),
            ("lifetime_value", 10.5, 1),
            ("lifetime_value", "0.001", 1),
            ("-lifetime_value", "10000000000000.00", 1),
            ("created_at", "2025-01-01T00:00:00", 1),
            ("created_at", "yesterday", 1),
            ("-last_order_at", 17, 1),
            ("total_orders", None, 1),
            ("total_orders", 2**31, 1),
            ("-total_orders", -1, 1),
            ("created_at", "0001-01-01T00:00:00+05:00", 1),
            ("created_at", "9999-12-31T23:59:59-05:00", 1),
            ("-last_order_at", "0001-01-01T00:00:00+00:00", 1),
            ("name", "nul \x00 inside", 1),
            ("-name", "lone \ud800 surrogate", 1),
        ],
    )
    def test_signed_cursor_with_bad_values(
        self, harness: Harness, sort: str, value: object, last_id: object
    ) -> None:
        """Even with a valid tag, a value of the wrong type never reaches the storage."""
        customer(harness)
        fingerprint = _cursor.fingerprint(_plain_query())
        _bad_after(
            harness,
            _signed(harness, {"v": 1, "s": sort, "f": fingerprint, "k": [value, last_id]}),
            sort=sort,
        )

    @pytest.mark.parametrize(
        ("sort", "value"),
        [
            ("lifetime_value", "9999999999.99"),
            ("-lifetime_value", "-0.01"),
            ("created_at", "1000-01-01T00:00:00+00:00"),
            ("-last_order_at", "9998-12-31T23:59:59+00:00"),
            ("name", "Zoë 😀 \\ % _ '"),
            ("total_orders", 2**31 - 1),
            ("-id", 2**63 - 1),
        ],
    )
    def test_signed_cursor_with_extreme_values(
        self, harness: Harness, sort: str, value: object
    ) -> None:
        """A well-typed value at the edge of its range is compared, never a storage error."""
        people = [customer(harness, f"u{n}") for n in range(2)]
        # The fingerprint covers the filters only: the sort is a field of its own.
        fingerprint = _cursor.fingerprint(_plain_query())
        body = {"v": 1, "s": sort, "f": fingerprint, "k": [value, people[0].id]}
        page = harness.core.customers.scroll(sort=sort, after=_signed(harness, body))
        assert {item.customer.id for item in page.items} <= {p.id for p in people}

    def test_bad_limit_and_sort(self, harness: Harness) -> None:
        """``limit`` outside 1..100 and an unknown sort are ValidationErrors naming the field."""
        for limit in (0, 101, -1, "5", 2.5):
            with pytest.raises(ValidationError) as raised:
                harness.core.customers.scroll(limit=limit)  # type: ignore[arg-type]
            assert set(raised.value.errors) == {"limit"}
        with pytest.raises(ValidationError) as raised:
            harness.core.customers.scroll(sort="email")
        assert set(raised.value.errors) == {"sort"}

    def test_property_scroll_equals_search(self, harness: Harness) -> None:
        """Hypothesis: for any sort, page size and filters, scrolling to the end yields
        exactly search's result, in its order."""
        _shop(harness)

        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(
            sort=st.sampled_from(ALL_SORTS),
            limit=st.integers(1, 11),
            text=st.sampled_from([None, "a", "ETH", "c1", "example", "zz"]),
            blocked=st.sampled_from([None, True, False]),
            repeat=st.sampled_from([None, True, False]),
        )
        def scrolls_like_search(
            sort: str, limit: int, text: str | None, blocked: bool | None, repeat: bool | None
        ) -> None:
            options = {"sort": sort, "blocked": blocked, "repeat": repeat}
            got = _scroll_ids(harness, text, limit=limit, **options)
            assert got == _search_ids(harness, text, **options)

        scrolls_like_search()

    def test_property_writes_between_pages(self, harness: Harness) -> None:
        """Hypothesis: with customers added and deleted between pages, a scroll never shows
        a row twice, shows every row that existed throughout, and keeps search's order."""
        examples = count()

        @settings(
            max_examples=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(
            names=st.lists(
                st.sampled_from(["ann", "Ann", "bo", "cy", "BO"]), min_size=2, max_size=7
            ),
            sort=st.sampled_from(ALL_SORTS),
            limit=st.integers(1, 3),
            writes=st.lists(
                st.one_of(
                    st.tuples(st.just("add"), st.sampled_from(["ann", "az", "Bo", "zed", "a"])),
                    st.tuples(st.just("delete"), st.integers(0, 10)),
                ),
                max_size=5,
            ),
        )
        def scroll_survives_writes(
            names: list[str], sort: str, limit: int, writes: list[tuple[str, object]]
        ) -> None:
            # Every example tags its own customers' e-mails and scrolls by that text alone.
            tag = f"w{next(examples)}x"
            made = count()

            def add(name: str) -> int:
                email = f"{tag}{next(made)}@example.com"
                return customer(harness, tag, name=name, email=email).id

            alive = [add(name) for name in names]
            throughout = set(alive)
            seen: list[int] = []
            after = None
            pending = list(writes)
            for _ in range(100):
                page = harness.core.customers.scroll(tag, sort=sort, limit=limit, after=after)
                seen += [item.customer.id for item in page.items]
                if page.next is None:
                    break
                after = page.next
                if pending:
                    action, argument = pending.pop(0)
                    if action == "add":
                        alive.append(add(str(argument)))
                    elif alive:
                        gone = alive.pop(int(str(argument)) % len(alive))
                        harness.core.customers.delete(gone)
                        throughout.discard(gone)
            assert len(seen) == len(set(seen))
            assert throughout <= set(seen)
            final = [i for i in _search_ids(harness, tag, sort=sort) if i in set(seen)]
            assert [i for i in seen if i in set(final)] == final

        scroll_survives_writes()


def _plain_query() -> CustomerQuery:
    """The CustomerQuery of a plain ``scroll()`` (no text, no flags): for its fingerprint."""
    return CustomerQuery(
        text=None, blocked=None, repeat=None, sort="id", descending=False, offset=0, limit=1
    )


class SearchTotalContract:
    """``search(total=...)``: ``"exact"``, ``"estimate"`` and None (no count, ``has_more``)."""

    def test_exact_is_the_default(self, harness: Harness) -> None:
        """Without ``total`` a page counts every match, and ``has_more`` follows from it."""
        for n in range(5):
            customer(harness, f"u{n}")
        page = harness.core.customers.search(per_page=2)
        assert (page.total, page.has_more, page.last_page) == (5, True, 3)
        last = harness.core.customers.search(per_page=2, page=3)
        assert (last.total, last.has_more) == (5, False)

    def test_none_counts_nothing_and_tells_has_more(self, harness: Harness) -> None:
        """``total=None``: ``total`` is None, ``has_more`` says whether a next page exists,
        and the items are those of the exact search."""
        for n in range(5):
            customer(harness, f"u{n}")
        pages = [harness.core.customers.search(per_page=2, page=n, total=None) for n in (1, 2, 3)]
        exact = [harness.core.customers.search(per_page=2, page=n) for n in (1, 2, 3)]
        assert [p.items for p in pages] == [p.items for p in exact]
        assert [p.total for p in pages] == [None, None, None]
        assert [p.has_more for p in pages] == [True, True, False]
        assert [p.last_page for p in pages] == [2, 3, 3]

    def test_none_on_an_exactly_full_last_page(self, harness: Harness) -> None:
        """A last page that is exactly full has no more after it."""
        for n in range(4):
            customer(harness, f"u{n}")
        page = harness.core.customers.search(per_page=2, page=2, total=None)
        assert (len(page.items), page.has_more, page.last_page) == (2, False, 2)

    def test_none_past_the_end_and_when_empty(self, harness: Harness) -> None:
        """An empty page (no match, or past the end) has no more and last_page 1."""
        customer(harness)
        for page_number in (1, 7):
            page = harness.core.customers.search("zzz", page=page_number, total=None)
            assert (list(page.items), page.total, page.has_more, page.last_page) == (
                [],
                None,
                False,
                1,
            )

    def test_none_with_filters_and_sort(self, harness: Harness) -> None:
        """Filters and sort apply as in the exact search."""
        _shop(harness)
        for sort in ("-name", "last_order_at", "-lifetime_value"):
            choices: list[dict[str, Any]] = [{"blocked": False}, {"repeat": False}, {}]
            for options in choices:
                plain = harness.core.customers.search("a", sort=sort, per_page=3, **options)
                cheap = harness.core.customers.search(
                    "a", sort=sort, per_page=3, total=None, **options
                )
                assert cheap.items == plain.items
                assert cheap.has_more == plain.has_more

    def test_estimate_of_a_small_result_is_exact(self, harness: Harness) -> None:
        """Below the storages' caps (10 000) the estimate is the exact count, on every page."""
        _shop(harness)
        for text in (None, "a", "beth", "zzz"):
            for page_number in (1, 2, 9):
                exact = harness.core.customers.search(text, per_page=3, page=page_number)
                guess = harness.core.customers.search(
                    text, per_page=3, page=page_number, total="estimate"
                )
                assert guess.items == exact.items
                assert (guess.total, guess.has_more, guess.last_page) == (
                    exact.total,
                    exact.has_more,
                    exact.last_page,
                )

    @pytest.mark.parametrize("bad", ["EXACT", "none", "", 0, 1, True, False, ["exact"]])
    def test_bad_total(self, harness: Harness, bad: object) -> None:
        """Anything but "exact", "estimate" or None is a ValidationError on ``total``."""
        with pytest.raises(ValidationError) as raised:
            harness.core.customers.search(total=bad)  # type: ignore[arg-type]
        assert set(raised.value.errors) == {"total"}
