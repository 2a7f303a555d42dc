"""The Laravel JSON shapes: paginator keys, links window, and the customer model."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from customer_core import Customer, ListedCustomer, Page
from customer_core.laravel import laravel_customer, laravel_paginator

KEYS = [
    "current_page",
    "data",
    "first_page_url",
    "from",
    "last_page",
    "last_page_url",
    "links",
    "next_page_url",
    "path",
    "per_page",
    "prev_page_url",
    "to",
    "total",
]
PATH = "http://shop.test/api/v1/customers"


def ada(customer_id: int = 1) -> Customer:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return Customer(
        id=customer_id,
        name="Ada",
        email="ada@example.com",
        phone=None,
        avatar=None,
        is_blocked=False,
        lifetime_value=Decimal("10.50"),
        total_orders=2,
        last_order_at=None,
        created_at=moment,
        updated_at=moment,
    )


def labels(body: dict[str, object]) -> list[str]:
    links = body["links"]
    assert isinstance(links, list)
    return [link["label"] for link in links]


def test_keys_come_in_laravels_order() -> None:
    """paginate()'s JSON keys, exactly and in order."""
    body = laravel_paginator(Page(items=[], total=0, page=1, per_page=15), path=PATH)
    assert list(body) == KEYS


def test_an_empty_page_has_null_from_and_to() -> None:
    """from/to are null on an empty page, and there is one page link."""
    body = laravel_paginator(Page(items=[], total=0, page=1, per_page=15), path=PATH)
    assert body["from"] is None
    assert body["to"] is None
    assert body["last_page"] == 1
    assert labels(body) == ["&laquo; Previous", "1", "Next &raquo;"]
    assert body["prev_page_url"] is None
    assert body["next_page_url"] is None


def test_a_middle_page_counts_from_and_to_and_links_both_ways() -> None:
    """Page 2 of 40 rows at 15 per page holds rows 16..30 and links pages 1 and 3."""
    items = [ListedCustomer(customer=ada(i), orders_count=0) for i in range(16, 31)]
    body = laravel_paginator(Page(items=items, total=40, page=2, per_page=15), path=PATH)
    assert (body["from"], body["to"], body["last_page"]) == (16, 30, 3)
    assert body["prev_page_url"] == f"{PATH}?page=1"
    assert body["next_page_url"] == f"{PATH}?page=3"
    assert [link["active"] for link in body["links"]] == [False, False, True, False, False]


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (1, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "...", "19", "20"]),
        (10, ["1", "2", "...", "7", "8", "9", "10", "11", "12", "13", "...", "19", "20"]),
        (20, ["1", "2", "...", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"]),
    ],
)
def test_long_paginators_use_laravels_url_window(current: int, expected: list[str]) -> None:
    """Twenty pages show Laravel's slider: three on each side and the two ends."""
    body = laravel_paginator(Page(items=[], total=300, page=current, per_page=15), path=PATH)
    assert labels(body)[1:-1] == expected


def test_query_parameters_are_kept_before_the_page() -> None:
    """withQueryString(): extra parameters stay in every URL, page last."""
    body = laravel_paginator(
        Page(items=[], total=30, page=1, per_page=15), path=PATH, query={"search": "a b"}
    )
    assert body["next_page_url"] == f"{PATH}?search=a+b&page=2"


def test_a_customer_serializes_like_the_eloquent_model() -> None:
    """Decimal as a 2-place string, Carbon dates, orders_count for listed customers, no password."""
    body = laravel_customer(ListedCustomer(customer=ada(), orders_count=3))
    assert body["lifetime_value"] == "10.50"
    assert body["created_at"] == "2026-01-02T03:04:05.000000Z"
    assert body["last_order_at"] is None
    assert body["orders_count"] == 3
    assert "password" not in body
    assert "orders_count" not in laravel_customer(ada())


#: simplePaginate()'s keys, in Laravel's order (Illuminate\Pagination\Paginator::toArray).
SIMPLE_KEYS = [
    "current_page",
    "data",
    "first_page_url",
    "from",
    "next_page_url",
    "path",
    "per_page",
    "prev_page_url",
    "to",
]


def test_a_page_without_a_count_is_laravels_simple_paginator() -> None:
    """total=None: simplePaginate()'s keys, a next URL while has_more, from/to as counted."""
    items = [ListedCustomer(customer=ada(i), orders_count=0) for i in range(16, 31)]
    body = laravel_paginator(
        Page(items=items, total=None, page=2, per_page=15, has_more=True), path=PATH
    )
    assert list(body) == SIMPLE_KEYS
    assert (body["from"], body["to"]) == (16, 30)
    assert body["next_page_url"] == f"{PATH}?page=3"
    assert body["prev_page_url"] == f"{PATH}?page=1"
    last = laravel_paginator(Page(items=[], total=None, page=1, per_page=15), path=PATH)
    assert (last["next_page_url"], last["from"], last["to"]) == (None, None, None)
