"""The Laravel module's V1 customer API, served by Flask on customer_core.

The same two routes as ``fastapi_app.py``, with the same JSON:

- ``GET  /api/v1/customers?search=&page=`` — ``paginate()`` JSON, each customer with
  ``orders_count`` and never a password;
- ``POST /api/v1/customers/<id>/block`` — ``{"message": "Customer blocked"}``.

``create_app(core)`` is the application factory; nothing connects at import time::

    flask --app 'flask_app:app_from_env()' run
"""

from __future__ import annotations

import os
import re

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for

from customer_core import CustomerCore, CustomerNotFound, NotFound, ValidationError
from customer_core.serialization import laravel_paginator, laravel_validation_errors

# Query parameter names of the HTTP API for the library's argument names.
PARAMETERS = {"text": "search"}

api = Blueprint("customers", __name__, url_prefix="/api/v1")


def create_app(core: CustomerCore) -> Flask:
    """The API on ``core``."""
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep Laravel's key order
    app.extensions["customer_core"] = core
    app.register_blueprint(api)
    app.register_error_handler(ValidationError, _unprocessable)
    app.register_error_handler(NotFound, _not_found)
    return app


def app_from_env() -> Flask:
    """The API on ``$CUSTOMER_CORE_DATABASE_URL``."""
    from customer_core.adapters.sqlalchemy import OrdersTable

    url = os.environ.get("CUSTOMER_CORE_DATABASE_URL", "sqlite:///shop.db")
    return create_app(CustomerCore.from_url(url, orders=OrdersTable("orders")))


def core() -> CustomerCore:
    """The current app's core."""
    found: CustomerCore = current_app.extensions["customer_core"]
    return found


@api.get("/customers")
def index() -> Response:
    """Laravel: ``Customer::withCount('orders')->when($search, ...)->paginate()``."""
    listed = core().customers.search(
        request.args.get("search"), page=_page_number(request.args.get("page"))
    )
    # Plain paginate() builds its URLs from the path and ``page`` alone: it does NOT keep
    # ``search`` (that takes ->withQueryString()), so "next" drops the filter. Faithful
    # to the spec; pass ``query={"search": ...}`` to keep it.
    return jsonify(laravel_paginator(listed, path=url_for(".index", _external=True)))


@api.post("/customers/<customer_id>/block")
def block(customer_id: str) -> Response:
    """Block a customer (idempotent)."""
    core().customers.block(_customer_id(customer_id))
    return jsonify(message="Customer blocked")


def _page_number(raw: str | None) -> int | str:
    """``page`` as an integer when it is written as one; else as given, for the core to reject.

    Laravel's paginator quietly serves page 1 for ``page=0`` or ``page=abc``; this API
    answers 422 instead, as a FormRequest with ``'page' => 'integer|min:1'`` would.
    """
    if raw is None:
        return 1
    return int(raw) if re.fullmatch(r"-?[0-9]{1,30}", raw) else raw


def _customer_id(raw: str) -> int:
    """A route id; anything that is not a whole number is a customer that does not exist."""
    if not re.fullmatch(r"[0-9]{1,30}", raw):
        raise CustomerNotFound(raw)
    return int(raw)


def _unprocessable(error: ValidationError) -> tuple[Response, int]:
    """Laravel's 422: ``{"message": first error, "errors": {field: [message]}}``."""
    return jsonify(laravel_validation_errors(error, names=PARAMETERS)), 422


def _not_found(error: NotFound) -> tuple[Response, int]:
    """A 404 with the library's message (``customer 42 not found``)."""
    return jsonify(message=str(error)), 404
