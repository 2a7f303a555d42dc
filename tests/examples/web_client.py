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


def client_for(framework: str, shop: Shop) -> Client:
    """``framework``'s example app on the shop's core, behind its own test client."""
    pytest.importorskip(framework)
    secrets = {"admin_token": ADMIN_TOKEN, "event_secret": EVENT_SECRET}
    if framework == "fastapi":
        pytest.importorskip("httpx")
        from fastapi.testclient import TestClient
        from fastapi_app import create_app

        fastapi_client = TestClient(create_app(shop.core, **secrets))

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
