"""The contract of ``core.customers.search``: text, filters, sorting, paging, orders counts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import count

import pytest

from customer_core.errors import ValidationError
from customer_core.model import Customer
from customer_core.testing._harness import Harness
from customer_core.testing.contract._support import at, customer

__all__ = ["SearchContract"]

_order_ids = count(1)


def _orders(
    harness: Harness,
    person: Customer,
    amounts: list[str],
    *,
    status: str = "delivered",
    placed: datetime | None = None,
) -> Customer:
    """Record orders for a customer and recalculate its lifetime value."""
    for amount in amounts:
        harness.orders.record(
            order_id=next(_order_ids),
            customer_id=person.id,
            total_amount=Decimal(amount),
            status=status,
            placed_at=placed or at(1),
        )
    return harness.core.ltv.recalculate(person.id)


def _ids(harness: Harness, text: str | None = None, **options: object) -> list[int]:
    page = harness.core.customers.search(text, per_page=100, **options)  # type: ignore[arg-type]
    return [item.customer.id for item in page.items]


class SearchContract:
    """``core.customers.search``."""

    def test_without_text_lists_everyone_by_id(self, harness: Harness) -> None:
        """A search with no text lists all customers, ordered by id."""
        made = [customer(harness, tag).id for tag in ("cid", "ada", "bob")]
        assert _ids(harness) == sorted(made)

    def test_page_reports_total_and_paging(self, harness: Harness) -> None:
        """The page carries total, page, per_page and last_page."""
        for n in range(5):
            customer(harness, f"user{n}")
        page = harness.core.customers.search(page=2, per_page=2)
        assert (page.total, page.page, page.per_page, page.last_page) == (5, 2, 2, 3)
        assert len(page.items) == 2

    def test_pages_partition_the_results(self, harness: Harness) -> None:
        """Walking the pages yields every customer exactly once, in order."""
        made = [customer(harness, f"user{n}").id for n in range(7)]
        seen: list[int] = []
        for number in (1, 2, 3):
            page = harness.core.customers.search(page=number, per_page=3)
            seen.extend(item.customer.id for item in page.items)
        assert seen == sorted(made)

    def test_page_past_the_end_is_empty(self, harness: Harness) -> None:
        """A page past the last one has no items but still reports the total."""
        customer(harness)
        page = harness.core.customers.search(page=5, per_page=10)
        assert list(page.items) == []
        assert (page.total, page.last_page) == (1, 1)

    def test_empty_result_has_last_page_one(self, harness: Harness) -> None:
        """A search that matches nothing has total 0 and last_page 1."""
        customer(harness)
        page = harness.core.customers.search("zzz-no-match")
        assert (list(page.items), page.total, page.last_page) == ([], 0, 1)

    def test_text_matches_name_substring_in_any_case(self, harness: Harness) -> None:
        """Text matches a case-insensitive substring of the name."""
        ada = customer(harness, "ada", name="Ada Lovelace")
        customer(harness, "bob", name="Bob Stone")
        assert _ids(harness, "LOVEL") == [ada.id]

    def test_text_matches_email_substring_in_any_case(self, harness: Harness) -> None:
        """Text matches a case-insensitive substring of the e-mail."""
        ada = customer(harness, "ada", email="ada@analytical.org")
        customer(harness, "bob")
        assert _ids(harness, "ANALYTICAL.O") == [ada.id]

    def test_text_matches_name_or_email(self, harness: Harness) -> None:
        """A text found in one customer's name and another's e-mail finds both."""
        named = customer(harness, "a1", name="Grace Hopper")
        mailed = customer(harness, "a2", name="Someone", email="hopper@navy.mil")
        customer(harness, "a3", name="Nobody")
        assert _ids(harness, "hopper") == [named.id, mailed.id]

    def test_percent_is_a_literal_character(self, harness: Harness) -> None:
        """``%`` in the text matches only a literal percent sign."""
        cotton = customer(harness, "a1", name="100% Cotton")
        customer(harness, "a2", name="1000 Cotton")
        assert _ids(harness, "100%") == [cotton.id]
        assert _ids(harness, "%") == [cotton.id]

    def test_underscore_is_a_literal_character(self, harness: Harness) -> None:
        """``_`` in the text matches only a literal underscore."""
        snake = customer(harness, "a1", name="snake_case")
        customer(harness, "a2", name="snakeXcase")
        assert _ids(harness, "e_c") == [snake.id]
        assert _ids(harness, "_") == [snake.id]

    def test_backslash_is_a_literal_character(self, harness: Harness) -> None:
        """``\\`` in the text matches only a literal backslash."""
        slashed = customer(harness, "a1", name="back\\slash")
        customer(harness, "a2", name="backslash")
        customer(harness, "a3", name="back%slash")
        assert _ids(harness, "k\\s") == [slashed.id]
        assert _ids(harness, "\\") == [slashed.id]
        assert _ids(harness, "\\%") == []

    def test_quotes_are_literal_characters(self, harness: Harness) -> None:
        """Quotes in the text are matched literally and break nothing."""
        irish = customer(harness, "a1", name="Miles O'Brien")
        customer(harness, "a2", name="Miles OBrien")
        assert _ids(harness, "o'b") == [irish.id]
        assert _ids(harness, "' OR '1'='1") == []

    def test_blocked_filter(self, harness: Harness) -> None:
        """``blocked`` True lists only blocked customers, False only unblocked, None both."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        harness.core.customers.block(bob.id)
        assert _ids(harness, blocked=True) == [bob.id]
        assert _ids(harness, blocked=False) == [ada.id]
        assert _ids(harness, blocked=None) == [ada.id, bob.id]

    def test_repeat_filter(self, harness: Harness) -> None:
        """``repeat`` True lists customers with more than one delivered order, False the others."""
        once = _orders(harness, customer(harness, "once"), ["10"])
        twice = _orders(harness, customer(harness, "twice"), ["10", "20"])
        never = customer(harness, "never")
        assert _ids(harness, repeat=True) == [twice.id]
        assert _ids(harness, repeat=False) == [once.id, never.id]
        assert _ids(harness, repeat=None) == [once.id, twice.id, never.id]

    def test_filters_and_text_combine(self, harness: Harness) -> None:
        """Text, blocked and repeat all apply together."""
        target = _orders(harness, customer(harness, "ann1", name="Ann"), ["1", "2"])
        harness.core.customers.block(target.id)
        _orders(harness, customer(harness, "ann2", name="Ann"), ["1", "2"])
        customer(harness, "ann3", name="Ann")
        assert _ids(harness, "ann", blocked=True, repeat=True) == [target.id]

    def test_orders_count_counts_every_status(self, harness: Harness) -> None:
        """``orders_count`` counts all the customer's orders, whatever their status."""
        ada = customer(harness, "ada")
        bob = customer(harness, "bob")
        _orders(harness, ada, ["5"], status="delivered")
        _orders(harness, ada, ["5"], status="cancelled")
        _orders(harness, ada, ["5"], status="pending")
        counts = {
            item.customer.id: item.orders_count for item in harness.core.customers.search().items
        }
        assert counts == {ada.id: 3, bob.id: 0}

    def test_listed_customer_is_the_stored_customer(self, harness: Harness) -> None:
        """Each hit carries the same Customer that ``get`` returns."""
        ada = _orders(harness, customer(harness), ["12.50", "7.25"])
        (hit,) = harness.core.customers.search().items
        assert hit.customer == harness.core.customers.get(ada.id)

    def test_sort_by_name_both_ways_with_ties_by_id(self, harness: Harness) -> None:
        """Sorting by name orders names; equal names stay by ascending id in both directions."""
        b1 = customer(harness, "b1", name="Beth").id
        a = customer(harness, "a", name="Anna").id
        b2 = customer(harness, "b2", name="Beth").id
        c = customer(harness, "c", name="Cleo").id
        assert _ids(harness, sort="name") == [a, b1, b2, c]
        assert _ids(harness, sort="-name") == [c, b1, b2, a]

    def test_sort_by_id_descending(self, harness: Harness) -> None:
        """``-id`` lists the newest ids first."""
        made = [customer(harness, f"u{n}").id for n in range(3)]
        assert _ids(harness, sort="-id") == sorted(made, reverse=True)

    def test_sort_by_created_at(self, harness: Harness) -> None:
        """Sorting by created_at follows registration time; ties by ascending id."""
        first = customer(harness, "first").id
        harness.clock.advance(10)
        late1 = customer(harness, "late1").id
        late2 = customer(harness, "late2").id
        assert _ids(harness, sort="created_at") == [first, late1, late2]
        assert _ids(harness, sort="-created_at") == [late1, late2, first]

    def test_sort_by_lifetime_value(self, harness: Harness) -> None:
        """Sorting by lifetime_value compares amounts as numbers; ties by ascending id."""
        nine = _orders(harness, customer(harness, "nine"), ["9.00"]).id
        hundred = _orders(harness, customer(harness, "hundred"), ["100.00"]).id
        nine_too = _orders(harness, customer(harness, "nine2"), ["4.50", "4.50"]).id
        assert _ids(harness, sort="lifetime_value") == [nine, nine_too, hundred]
        assert _ids(harness, sort="-lifetime_value") == [hundred, nine, nine_too]

    def test_sort_by_total_orders(self, harness: Harness) -> None:
        """Sorting by total_orders counts delivered orders; ties by ascending id."""
        two = _orders(harness, customer(harness, "two"), ["1", "1"]).id
        none = customer(harness, "none").id
        one = _orders(harness, customer(harness, "one"), ["1"]).id
        assert _ids(harness, sort="total_orders") == [none, one, two]
        assert _ids(harness, sort="-total_orders") == [two, one, none]

    def test_sort_by_last_order_at_puts_empty_last_both_ways(self, harness: Harness) -> None:
        """Customers without a last order sort after the others in both directions."""
        empty1 = customer(harness, "empty1").id
        early = _orders(harness, customer(harness, "early"), ["1"], placed=at(2)).id
        empty2 = customer(harness, "empty2").id
        late = _orders(harness, customer(harness, "late"), ["1"], placed=at(9)).id
        assert _ids(harness, sort="last_order_at") == [early, late, empty1, empty2]
        assert _ids(harness, sort="-last_order_at") == [late, early, empty1, empty2]

    @pytest.mark.parametrize(
        ("field", "options"),
        [
            ("page", {"page": 0}),
            ("page", {"page": -1}),
            ("per_page", {"per_page": 0}),
            ("per_page", {"per_page": 101}),
            ("sort", {"sort": "password"}),
            ("sort", {"sort": "name; DROP TABLE customers"}),
            ("sort", {"sort": "--name"}),
        ],
    )
    def test_bad_paging_or_sort_is_a_validation_error(
        self, harness: Harness, field: str, options: dict[str, object]
    ) -> None:
        """A bad page, per_page or sort key is a ValidationError naming it."""
        customer(harness)
        with pytest.raises(ValidationError) as caught:
            harness.core.customers.search(**options)  # type: ignore[arg-type]
        assert field in caught.value.errors

    def test_per_page_limits_are_inclusive(self, harness: Harness) -> None:
        """per_page 1 and 100 are both allowed."""
        customer(harness, "ada")
        customer(harness, "bob")
        assert len(harness.core.customers.search(per_page=1).items) == 1
        assert len(harness.core.customers.search(per_page=100).items) == 2
