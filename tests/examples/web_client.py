"""One client shape over FastAPI's and Flask's own test clients, with the examples' credentials.

Imported only by the web example tests (it needs the frameworks, imported lazily).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import pytest

if TYPE_CHECKING:
    from example_shop import Shop

ADMIN_TOKEN = "admin-token-for-the-example-tests"
EVENT_SECRET = "event-secret-for-the-example-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
#: The host user the admin token belongs to (the apps attribute admin changes to it).
ADMIN_ID = 7
FRAMEWORKS = ["fastapi", "flask"]

#: ``send(method, url, body, headers)``: the raw request, as a host or an attacker sends it.
Send = Callable[[str, str, bytes | None, Mapping[str, str]], "Answer"]


@attrs.frozen
class Answer:
    """A response as it came over the wire: status, the JSON body in the order sent, headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Client:
    """A framework's test client: raw requests, and the calls a legitimate caller makes."""

    framework: str
    send: Send

    def get(self, url: str) -> Answer:
        """GET as the admin."""
        return self.send("GET", url, None, ADMIN)

    def post(self, url: str, body: Any = None) -> Answer:
        """POST JSON as the admin."""
        raw = None if body is None else json.dumps(body).encode()
        return self.send("POST", url, raw, {**ADMIN, "Content-Type": "application/json"})

    def post_event(self, event: Any, *, secret: str = EVENT_SECRET) -> Answer:
        """POST an order event as the host's order code does: signed with the shared secret."""
        from host_auth import signature

        raw = json.dumps(event).encode()
        headers = {"X-Signature": signature(raw, secret), "Content-Type": "application/json"}
        return self.send("POST", "/api/v1/order-events", raw, headers)


#: The async driver the asyncio (FastAPI) example reaches each shop's database through.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """The shop's database URL with its async driver (aiosqlite, asyncpg)."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    driver = ASYNC_DRIVERS[parsed.get_backend_name()]
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def core_for(framework: str, shop: Shop) -> Any:
    """What ``create_app`` takes: the shop's core (Flask), a factory of an asyncio core on
    the shop's database (FastAPI; the app makes it in its lifespan)."""
    if framework != "fastapi":
        return shop.core
    from example_shop import FAST_HASHER

    from customer_core.aio import AsyncCustomerCore

    url = async_url(shop.url)
    return lambda: AsyncCustomerCore.from_url(
        url, orders=shop.host.orders_spec, password_hasher=FAST_HASHER
    )


def client_for(
    framework: str, shop: Shop, finalizer: Callable[[Callable[[], object]], object]
) -> Client:
    """``framework``'s example app on the shop's database, behind its own test client.

    The FastAPI client is entered (the app's lifespan makes its core) and ``finalizer``
    is given its exit (the core is closed on shutdown).
    """
    pytest.importorskip(framework)
    secrets: dict[str, Any] = {
        "admin_token": ADMIN_TOKEN,
        "event_secret": EVENT_SECRET,
        "admin_id": ADMIN_ID,
    }
    if framework == "fastapi":
        pytest.importorskip("httpx")
        pytest.importorskip("greenlet")
        from fastapi.testclient import TestClient
        from fastapi_app import create_app

        fastapi_client = TestClient(create_app(core_for(framework, shop), **secrets))
        fastapi_client.__enter__()
        finalizer(lambda: fastapi_client.__exit__(None, None, None))

        def send_fastapi(
            method: str, url: str, body: bytes | None, headers: Mapping[str, str]
        ) -> Answer:
            response = fastapi_client.request(method, url, content=body, headers=dict(headers))
            return Answer(response.status_code, json.loads(response.text), response.headers)

        return Client(framework, send_fastapi)
    from flask_app import create_app as create_flask_app

    flask_client = create_flask_app(shop.core, **secrets).test_client()

    def send_flask(method: str, url: str, body: bytes | None, headers: Mapping[str, str]) -> Answer:
        response = flask_client.open(url, method=method, data=body, headers=dict(headers))
        return Answer(
            response.status_code, json.loads(response.get_data(as_text=True)), response.headers
        )

    return Client(framework, send_flask)
