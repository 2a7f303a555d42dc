"""The web examples' doors: admin routes want the admin token, order events a signature.

For each framework, on SQLite and PostgreSQL, and for each protected route family: 401
without a credential, 403 with a wrong one, 2xx with the right one; a refused request
changes nothing and never echoes a secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest
from web_client import (
    ADMIN,
    ADMIN_TOKEN,
    EVENT_SECRET,
    FRAMEWORKS,
    Answer,
    Client,
    client_for,
    core_for,
)

if TYPE_CHECKING:
    from example_shop import Shop

pytestmark = [
    pytest.mark.sql,
    pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient."),
]

NO_CREDENTIAL: list[Mapping[str, str]] = [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer    "},
    {"Authorization": f"Basic {ADMIN_TOKEN}"},
    {"Authorization": ADMIN_TOKEN},
]
WRONG_CREDENTIAL: list[Mapping[str, str]] = [
    {"Authorization": "Bearer not-the-admin-token"},
    {"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}"},
    {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
    {"Authorization": f"Bearer {EVENT_SECRET}"},
]


@pytest.fixture(params=FRAMEWORKS)
def client(request: pytest.FixtureRequest, shop: Shop) -> Client:
    """A test client of one framework's example app, on the shop's core."""
    return client_for(request.param, shop, request.addfinalizer)


def _refused(answer: Answer, status: int) -> None:
    assert answer.status == status
    message = "Unauthenticated." if status == 401 else "This action is unauthorized."
    assert answer.body == {"message": message}
    assert ADMIN_TOKEN not in json.dumps(answer.body)
    assert EVENT_SECRET not in json.dumps(answer.body)


def _admin_routes(shop: Shop) -> list[tuple[str, str, int]]:
    grace = shop.customer("Grace Hopper")
    return [("GET", "/api/v1/customers", 200), ("POST", f"/api/v1/customers/{grace}/block", 200)]


def test_admin_routes_without_a_credential_are_401(client: Client, shop: Shop) -> None:
    """No bearer token (or another scheme): 401 naming Bearer, and nobody is blocked."""
    for method, url, _ in _admin_routes(shop):
        for headers in NO_CREDENTIAL:
            answer = client.send(method, url, None, headers)
            _refused(answer, 401)
            assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert not any(c.customer.is_blocked for c in shop.core.customers.search(None).items)


def test_admin_routes_with_a_wrong_token_are_403(client: Client, shop: Shop) -> None:
    """A bearer token that is not the admin's (a prefix, a longer one, the event secret): 403."""
    for method, url, _ in _admin_routes(shop):
        for headers in WRONG_CREDENTIAL:
            _refused(client.send(method, url, None, headers), 403)
    assert not any(c.customer.is_blocked for c in shop.core.customers.search(None).items)


def test_admin_routes_with_the_token_answer(client: Client, shop: Shop) -> None:
    """The admin token opens every admin route; the scheme's case does not matter."""
    for method, url, status in _admin_routes(shop):
        assert client.send(method, url, None, ADMIN).status == status
    lower = {"Authorization": f"bearer {ADMIN_TOKEN}"}
    assert client.send("GET", "/api/v1/customers", None, lower).status == 200
    assert all(c.customer.is_blocked for c in shop.core.customers.search(None).items)


def _event(shop: Shop) -> tuple[int, bytes]:
    """A delivered order the host committed, and its event's raw JSON body."""
    ada = shop.customer("Ada Lovelace")
    order = shop.order(ada, "32.50", "delivered")
    event = {"type": "OrderPlaced", "customer_id": ada, "order_id": order}
    return ada, json.dumps(event).encode()


def _ltv(shop: Shop, customer_id: int) -> str:
    return str(shop.core.customers.get(customer_id).lifetime_value)


def test_order_events_without_a_signature_are_401(client: Client, shop: Shop) -> None:
    """No ``X-Signature`` (the admin token is not one either): 401, the LTV unchanged."""
    ada, body = _event(shop)
    for headers in [{}, {"X-Signature": ""}, ADMIN]:
        _refused(client.send("POST", "/api/v1/order-events", body, headers), 401)
    assert _ltv(shop, ada) == "0.00"


def test_order_events_with_a_wrong_signature_are_403(client: Client, shop: Shop) -> None:
    """Another secret, another body, another format, a bare hex: 403, the LTV unchanged."""
    from host_auth import signature

    ada, body = _event(shop)
    good = signature(body, EVENT_SECRET)
    for header in [
        signature(body, "another-secret-of-the-same-length"),
        signature(body + b" ", EVENT_SECRET),  # signed, then tampered with
        good.removeprefix("sha256="),
        "sha1=" + good.removeprefix("sha256="),
        good[:-1],
        good.upper(),
    ]:
        _refused(client.send("POST", "/api/v1/order-events", body, {"X-Signature": header}), 403)
    assert _ltv(shop, ada) == "0.00"


def test_order_events_with_the_signature_are_handled(client: Client, shop: Shop) -> None:
    """The body signed with the shared secret is handled: 202 and the LTV moves."""
    from host_auth import signature

    ada, body = _event(shop)
    headers = {"X-Signature": signature(body, EVENT_SECRET), "Content-Type": "application/json"}
    answer = client.send("POST", "/api/v1/order-events", body, headers)
    assert answer.status == 202
    assert answer.body["customer"]["lifetime_value"] == "32.50"
    assert _ltv(shop, ada) == "32.50"


def test_a_signed_body_that_is_not_json_is_422(client: Client, shop: Shop) -> None:
    """Signed garbage is the host's bug: a 422 naming the event, not a 500."""
    from host_auth import signature

    for body in [b"", b"{", b"\xff\xfe", b"[1, 2]", b"null"]:
        headers = {"X-Signature": signature(body, EVENT_SECRET)}
        answer = client.send("POST", "/api/v1/order-events", body, headers)
        assert answer.status == 422
        assert list(answer.body["errors"]) == ["event"]


@pytest.mark.sqlite
@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("secret", ["", "short", "x" * 15])
def test_apps_refuse_to_start_without_secrets(shop: Shop, framework: str, secret: str) -> None:
    """A missing or guessable secret stops the app at start-up instead of leaving a door open."""
    pytest.importorskip(framework)
    if framework == "fastapi":
        from fastapi_app import create_app
    else:
        from flask_app import create_app  # type: ignore[assignment]
    core = core_for(framework, shop)
    with pytest.raises(ValueError, match="admin_token must be set") as raised:
        create_app(core, admin_token=secret, event_secret=EVENT_SECRET)
    assert secret not in str(raised.value) or not secret
    with pytest.raises(ValueError, match="event_secret must be set"):
        create_app(core, admin_token=ADMIN_TOKEN, event_secret=secret)


@pytest.mark.sqlite
@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("variable", ["CUSTOMER_CORE_ADMIN_TOKEN", "CUSTOMER_CORE_EVENT_SECRET"])
def test_apps_from_the_environment_need_both_secrets(
    shop: Shop, framework: str, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``app_from_env`` without one of its secrets fails, naming the variable to set."""
    pytest.importorskip(framework)
    monkeypatch.setenv("CUSTOMER_CORE_DATABASE_URL", shop.url)
    monkeypatch.setenv("CUSTOMER_CORE_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("CUSTOMER_CORE_EVENT_SECRET", EVENT_SECRET)
    monkeypatch.delenv(variable)
    if framework == "fastapi":
        from fastapi_app import app_from_env
    else:
        from flask_app import app_from_env  # type: ignore[assignment]
    with pytest.raises(ValueError, match=f"{variable} must be set"):
        app_from_env()


@pytest.mark.sqlite
@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("admin_id", [0, -1, "7", True, None])
def test_apps_refuse_an_admin_id_that_is_no_user_id(
    shop: Shop, framework: str, admin_id: Any
) -> None:
    """The admin user the token belongs to is a positive integer, checked at start-up."""
    pytest.importorskip(framework)
    if framework == "fastapi":
        from fastapi_app import create_app
    else:
        from flask_app import create_app  # type: ignore[assignment]
    with pytest.raises(ValueError, match="admin_id must be a positive integer"):
        create_app(
            core_for(framework, shop),
            admin_token=ADMIN_TOKEN,
            event_secret=EVENT_SECRET,
            admin_id=admin_id,
        )


@pytest.mark.sqlite
@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("raw", ["abc", "0", "-3", "１"])
def test_apps_from_the_environment_refuse_a_bad_admin_id(
    shop: Shop, framework: str, raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``$CUSTOMER_CORE_ADMIN_ID`` that is not a user id stops the app, naming the variable."""
    pytest.importorskip(framework)
    monkeypatch.setenv("CUSTOMER_CORE_DATABASE_URL", shop.url)
    monkeypatch.setenv("CUSTOMER_CORE_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("CUSTOMER_CORE_EVENT_SECRET", EVENT_SECRET)
    monkeypatch.setenv("CUSTOMER_CORE_ADMIN_ID", raw)
    if framework == "fastapi":
        from fastapi_app import app_from_env
    else:
        from flask_app import app_from_env  # type: ignore[assignment]
    with pytest.raises(ValueError, match="CUSTOMER_CORE_ADMIN_ID must be a positive integer"):
        app_from_env()
