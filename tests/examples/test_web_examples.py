"""The FastAPI and Flask examples answer the Laravel V1 API's JSON, on SQLite and PostgreSQL.

Every test runs through each framework's own test client, on each backend.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import pytest
from web_client import ADMIN_ID, EVENT_SECRET, FRAMEWORKS, Client, async_url, client_for

from customer_core import EventType

if TYPE_CHECKING:
    from example_shop import Shop

pytestmark = [
    pytest.mark.sql,
    # Starlette's TestClient warns that it will move from httpx to httpx2; not our concern.
    pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient."),
]

PAGINATOR_KEYS = [
    "current_page", "data", "first_page_url", "from", "last_page", "last_page_url", "links",
    "next_page_url", "path", "per_page", "prev_page_url", "to", "total",
]  # fmt: skip
CUSTOMER_KEYS = [
    "id", "name", "email", "phone", "avatar", "is_blocked", "lifetime_value", "total_orders",
    "last_order_at", "created_at", "updated_at", "orders_count",
]  # fmt: skip
PREVIOUS, NEXT = "&laquo; Previous", "Next &raquo;"


@pytest.fixture(params=FRAMEWORKS)
def client(request: pytest.FixtureRequest, shop: Shop) -> Client:
    """A test client of one framework's example app, on the shop's core, as the admin."""
    return client_for(request.param, shop, request.addfinalizer)


def _keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys_anywhere(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys_anywhere(v) for v in value))
    return set()


def _seventeen(shop: Shop) -> list[int]:
    return [shop.customer(f"Customer {n:02d}") for n in range(1, 18)]


def test_index_is_laravels_paginator(client: Client, shop: Shop) -> None:
    """The first of two pages has paginate()'s keys in order, 15 per page, and its links."""
    ids = _seventeen(shop)
    answer = client.get("/api/v1/customers")
    assert answer.status == 200
    page = answer.body
    assert list(page) == PAGINATOR_KEYS
    path = page["path"]
    assert path.endswith("/api/v1/customers")
    assert path.startswith("http://")
    assert (page["current_page"], page["per_page"], page["last_page"]) == (1, 15, 2)
    assert (page["from"], page["to"], page["total"]) == (1, 15, 17)
    assert page["first_page_url"] == f"{path}?page=1"
    assert page["last_page_url"] == f"{path}?page=2"
    assert page["next_page_url"] == f"{path}?page=2"
    assert page["prev_page_url"] is None
    assert page["links"] == [
        {"url": None, "label": PREVIOUS, "active": False},
        {"url": f"{path}?page=1", "label": "1", "active": True},
        {"url": f"{path}?page=2", "label": "2", "active": False},
        {"url": f"{path}?page=2", "label": NEXT, "active": False},
    ]
    assert [item["id"] for item in page["data"]] == ids[:15]
    assert all(list(item) == CUSTOMER_KEYS for item in page["data"])


def test_last_page(client: Client, shop: Shop) -> None:
    """Page 2 holds customers 16 and 17, links back, and has no next page."""
    ids = _seventeen(shop)
    page = client.get("/api/v1/customers?page=2").body
    path = page["path"]
    assert [item["id"] for item in page["data"]] == ids[15:]
    assert (page["current_page"], page["from"], page["to"]) == (2, 16, 17)
    assert page["prev_page_url"] == f"{path}?page=1"
    assert page["next_page_url"] is None
    assert page["links"][0] == {"url": f"{path}?page=1", "label": PREVIOUS, "active": False}
    assert page["links"][-1] == {"url": None, "label": NEXT, "active": False}


@pytest.mark.parametrize("query", ["?page=9", "?search=nobody"])
def test_empty_page(client: Client, shop: Shop, query: str) -> None:
    """A page with no customers has null ``from``/``to`` and an empty ``data``."""
    shop.customer("Only One")
    page = client.get(f"/api/v1/customers{query}").body
    assert list(page) == PAGINATOR_KEYS
    assert page["data"] == []
    assert page["from"] is None
    assert page["to"] is None
    assert page["last_page"] == 1


def test_items_carry_orders_count_and_never_a_password(client: Client, shop: Shop) -> None:
    """``orders_count`` counts every order; LTV is Laravel's decimal string; no password."""
    ada = shop.customer(
        "Ada Lovelace",
        orders=(("delivered", "120.50"), ("delivered", "79.50"), ("cancelled", "5.00")),
    )
    shop.customer("Grace Hopper", orders=(("pending", "10.00"),))
    answer = client.get("/api/v1/customers")
    first, second = answer.body["data"]
    assert first["id"] == ada
    assert (first["orders_count"], first["total_orders"], first["lifetime_value"]) == (
        3,
        2,
        "200.00",
    )
    assert (second["orders_count"], second["total_orders"], second["lifetime_value"]) == (
        1,
        0,
        "0.00",
    )
    assert first["created_at"].endswith(".000000Z")
    assert "password" not in _keys_anywhere(answer.body)
    assert "$argon2" not in json.dumps(answer.body)


def test_search_filters_and_page_urls_drop_it_like_laravel(client: Client, shop: Shop) -> None:
    """``search`` matches name or e-mail literally, any case; plain paginate() URLs omit it."""
    for n in range(16):
        shop.customer(f"Smith {n:02d}")
    shop.customer("Percent 100%")
    shop.customer("Percent 1000")
    page = client.get("/api/v1/customers?search=SMITH").body
    assert page["total"] == 16
    assert page["next_page_url"] == f"{page['path']}?page=2"  # no search=: Laravel's paginate()
    assert all("search" not in (link["url"] or "") for link in page["links"])
    by_email = client.get("/api/v1/customers?search=smith.15@example").body
    assert [item["name"] for item in by_email["data"]] == ["Smith 15"]
    literal = client.get(f"/api/v1/customers?search={quote('100%')}").body
    assert [item["name"] for item in literal["data"]] == ["Percent 100%"]
    blank = client.get("/api/v1/customers?search=").body
    assert blank["total"] == 18


def test_block(client: Client, shop: Shop) -> None:
    """Blocking answers Laravel's message, blocks the customer, and may be repeated."""
    grace = shop.customer("Grace Hopper")
    for _ in range(2):
        answer = client.post(f"/api/v1/customers/{grace}/block", None)
        assert (answer.status, answer.body) == (200, {"message": "Customer blocked"})
    assert shop.core.customers.get(grace).is_blocked
    assert client.get("/api/v1/customers").body["data"][0]["is_blocked"] is True


def test_a_block_is_attributed_to_the_admin(client: Client, shop: Shop) -> None:
    """The admin route blocks through ``core.acting_as(admin_id)``: the timeline names the
    admin user the token belongs to; the customer's own registration names nobody."""
    grace = shop.customer("Grace Hopper")
    client.post(f"/api/v1/customers/{grace}/block", None)
    events = shop.core.timeline.list(grace).items
    assert [(event.type, event.actor_id) for event in events[:1]] == [(EventType.BLOCKED, ADMIN_ID)]
    assert all(event.actor_id is None for event in events[1:])


@pytest.mark.parametrize(
    ("raw_id", "message"),
    [
        ("999", "customer 999 not found"),
        ("0", "customer 0 not found"),
        ("99999999999999999999999", "customer 99999999999999999999999 not found"),
        ("abc", "customer 'abc' not found"),
        ("-1", "customer '-1' not found"),
    ],
)
def test_block_unknown_customer_is_404(
    client: Client, shop: Shop, raw_id: str, message: str
) -> None:
    """An id no customer has, or no id at all, is a 404 with the library's message."""
    answer = client.post(f"/api/v1/customers/{raw_id}/block", None)
    assert (answer.status, answer.body) == (404, {"message": message})


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("page=0", "page", "The page field must be between 1 and 2147483647."),
        ("page=-3", "page", "The page field must be between 1 and 2147483647."),
        ("page=abc", "page", "The page field must be an integer."),
        ("page=1.5", "page", "The page field must be an integer."),
        ("search=a%00b", "search", "The search field must not contain control characters."),
    ],
)
def test_bad_parameters_are_422(
    client: Client, shop: Shop, query: str, field: str, message: str
) -> None:
    """Bad parameters answer Laravel's 422 body, built from the library's ValidationError."""
    answer = client.get(f"/api/v1/customers?{query}")
    assert answer.status == 422
    assert answer.body == {"message": message, "errors": {field: [message]}}
    assert list(answer.body) == ["message", "errors"]


def test_two_bad_parameters_name_both(client: Client, shop: Shop) -> None:
    """With two bad parameters the message counts the other one, as Laravel's does."""
    answer = client.get("/api/v1/customers?page=x&search=%00")
    assert answer.status == 422
    assert set(answer.body["errors"]) == {"page", "search"}
    assert answer.body["message"].endswith(" (and 1 more error)")


def test_order_events_endpoint(client: Client, shop: Shop) -> None:
    """A signed event dict posted after the order commits updates the customer's LTV."""
    from customer_core.events import OrderStatusChanged
    from customer_core.serialization import event_to_dict

    ada = shop.customer("Ada Lovelace", orders=(("delivered", "10.00"),))
    order = shop.order(ada, "32.50", "pending")
    shop.recorder.set_status(order, "delivered")  # the host's transaction commits first
    event = event_to_dict(OrderStatusChanged(customer_id=ada, order_id=order, status="delivered"))
    answer = client.post_event(event)
    assert answer.status == 202
    assert answer.body["customer"]["lifetime_value"] == "42.50"
    assert shop.core.customers.get(ada).total_orders == 2
    gone = client.post_event({**event, "customer_id": 424242})
    assert gone.body == {"message": "Event handled", "customer": None}
    bad = client.post_event({"type": "OrderShipped", "customer_id": 1})
    assert bad.status == 422
    assert list(bad.body["errors"]) == ["type"]
    not_an_object = client.post_event([event])
    assert not_an_object.status == 422
    assert not_an_object.body["errors"] == {"event": ["The event field must be a JSON object."]}


@pytest.mark.sqlite
@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_apps_from_the_environment(
    shop: Shop, framework: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command-line entry points build the app on ``$CUSTOMER_CORE_DATABASE_URL``."""
    pytest.importorskip(framework)
    url = async_url(shop.url) if framework == "fastapi" else shop.url
    monkeypatch.setenv("CUSTOMER_CORE_DATABASE_URL", url)
    monkeypatch.setenv("CUSTOMER_CORE_ADMIN_TOKEN", "admin-token-from-the-environment")
    monkeypatch.setenv("CUSTOMER_CORE_EVENT_SECRET", EVENT_SECRET)
    monkeypatch.setenv("CUSTOMER_CORE_ADMIN_ID", "9")
    admin = {"Authorization": "Bearer admin-token-from-the-environment"}
    ada = shop.customer("Ada Lovelace", orders=(("delivered", "1.00"), ("pending", "2.00")))
    block = f"/api/v1/customers/{ada}/block"
    if framework == "fastapi":
        from fastapi.testclient import TestClient
        from fastapi_app import app_from_env

        with TestClient(app_from_env()) as fastapi_client:  # runs the lifespan: the core
            body = fastapi_client.get("/api/v1/customers", headers=admin).json()
            fastapi_client.post(block, headers=admin)
    else:
        from flask_app import app_from_env as flask_app_from_env

        client = flask_app_from_env().test_client()
        body = client.get("/api/v1/customers", headers=admin).get_json()
        client.post(block, headers=admin)
    assert [(item["id"], item["orders_count"]) for item in body["data"]] == [(ada, 2)]
    blocked = shop.core.timeline.list(ada).items[0]
    assert (blocked.type, blocked.actor_id) == (EventType.BLOCKED, 9)


CURSOR_KEYS = [
    "data", "path", "per_page", "next_cursor", "next_page_url", "prev_cursor", "prev_page_url",
]  # fmt: skip


def _local(url: str) -> str:
    """An absolute URL of the app as the test client's path and query."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_cursor_pages_are_laravels_cursor_paginator(client: Client, shop: Shop) -> None:
    """cursorPaginate()'s keys in order, 15 per page; following next_page_url ends the scroll."""
    ids = _seventeen(shop)
    first = client.get("/api/v1/customers/cursor")
    assert first.status == 200
    page = first.body
    assert list(page) == CURSOR_KEYS
    assert page["path"].endswith("/api/v1/customers/cursor")
    assert page["per_page"] == 15
    assert page["next_page_url"] == f"{page['path']}?cursor={page['next_cursor']}"
    assert (page["prev_cursor"], page["prev_page_url"]) == (None, None)
    assert [item["id"] for item in page["data"]] == ids[:15]
    assert all(list(item) == CUSTOMER_KEYS for item in page["data"])
    rest = client.get(_local(page["next_page_url"])).body
    assert [item["id"] for item in rest["data"]] == ids[15:]
    assert (rest["next_cursor"], rest["next_page_url"]) == (None, None)


def test_cursor_pages_keep_the_search(client: Client, shop: Shop) -> None:
    """The next URL keeps ``search`` (a cursor belongs to its filter), and works."""
    for n in range(17):
        shop.customer(f"Smith {n:02d}")
    shop.customer("Jones")
    page = client.get("/api/v1/customers/cursor?search=smith").body
    assert "search=smith&cursor=" in page["next_page_url"]
    rest = client.get(_local(page["next_page_url"])).body
    assert [item["name"] for item in rest["data"]] == ["Smith 15", "Smith 16"]


def test_a_foreign_or_edited_cursor_is_422(client: Client, shop: Shop) -> None:
    """A cursor of another search, or an edited one, answers Laravel's 422 on ``cursor``."""
    _seventeen(shop)
    cursor = client.get("/api/v1/customers/cursor").body["next_cursor"]
    for query in (f"search=x&cursor={cursor}", f"cursor={cursor[:-3]}", "cursor=nonsense"):
        answer = client.get(f"/api/v1/customers/cursor?{query}")
        assert answer.status == 422
        assert set(answer.body["errors"]) == {"cursor"}
