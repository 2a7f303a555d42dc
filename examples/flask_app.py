"""The Laravel module's V1 customer API, served by Flask on customer_core.

The same routes as ``fastapi_app.py``, with the same JSON and the same doors:

- ``GET  /api/v1/customers?search=&page=`` — ``paginate()`` JSON, each customer with
  ``orders_count`` and never a password;
- ``GET  /api/v1/customers/cursor?search=&cursor=`` — ``cursorPaginate()`` JSON over
  ``core.customers.scroll`` (keyset pages; forwards only, so ``prev_cursor`` is null);
- ``POST /api/v1/customers/<id>/block`` — ``{"message": "Customer blocked"}``;
- ``POST /api/v1/order-events`` — an order event dict from the host's order code.

The customer routes want ``Authorization: Bearer <admin token>`` (:func:`admin_only`);
the order-event endpoint wants ``X-Signature: sha256=<hex>`` of the raw body
(:func:`signed_only`). Authorization is the host's job: a host puts its own decorator
(Flask-Login's ``login_required``, a role check) where these are. The admin routes
change customers through ``core.acting_as(admin_id)`` (:func:`admin_core`): the
timeline attributes a block to the admin user the token belongs to.

``create_app(core, admin_token=..., event_secret=...)`` is the application factory;
nothing connects at import time::

    CUSTOMER_CORE_ADMIN_TOKEN=... CUSTOMER_CORE_EVENT_SECRET=... \\
    flask --app 'flask_app:app_from_env()' run
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import host_auth
from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from customer_core import CustomerCore, CustomerNotFound, NotFound, ValidationError
from customer_core.event_handler import OrderEventHandler
from customer_core.laravel import (
    laravel_cursor_paginator,
    laravel_customer,
    laravel_paginator,
    laravel_validation_errors,
)

# Query parameter names of the HTTP API for the library's argument names.
PARAMETERS = {"text": "search", "after": "cursor"}
#: Laravel's default page size (``$perPage = 15`` on the model).
PER_PAGE = 15
_REFUSED = {401: "Unauthenticated.", 403: "This action is unauthorized."}  # Laravel's

P = ParamSpec("P")
R = TypeVar("R")

api = Blueprint("customers", __name__, url_prefix="/api/v1")


def create_app(
    core: CustomerCore,
    *,
    admin_token: str,
    event_secret: str,
    admin_id: int = host_auth.DEFAULT_ADMIN_ID,
) -> Flask:
    """The API on ``core``; ``admin_token`` opens customer routes, ``event_secret`` signs events.

    Both are secrets of at least 16 characters (``ValueError`` otherwise). ``admin_id``
    is the host user the admin token belongs to: the timeline attributes the admin
    routes' changes to it.
    """
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep Laravel's key order
    app.extensions["customer_core"] = core
    # Not in app.config: Flask's debug pages and config dumps show the config.
    app.extensions["secrets"] = {
        "admin_token": host_auth.checked_secret(admin_token, "admin_token"),
        "event_secret": host_auth.checked_secret(event_secret, "event_secret"),
    }
    app.extensions["admin_id"] = host_auth.checked_user_id(admin_id, "admin_id")
    app.register_blueprint(api)
    app.register_error_handler(ValidationError, _unprocessable)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(401, _refused)
    app.register_error_handler(403, _refused)
    return app


def app_from_env() -> Flask:
    """The API on ``$CUSTOMER_CORE_DATABASE_URL``, secrets from the environment."""
    from customer_core.adapters.sqlalchemy import OrdersTable

    admin_token = host_auth.secret_from_env(host_auth.ADMIN_TOKEN_VARIABLE)
    event_secret = host_auth.secret_from_env(host_auth.EVENT_SECRET_VARIABLE)
    url = os.environ.get("CUSTOMER_CORE_DATABASE_URL", "sqlite:///shop.db")
    core = CustomerCore.from_url(url, orders=OrdersTable("orders"))
    return create_app(
        core,
        admin_token=admin_token,
        event_secret=event_secret,
        admin_id=host_auth.admin_id_from_env(),
    )


def core() -> CustomerCore:
    """The current app's core."""
    found: CustomerCore = current_app.extensions["customer_core"]
    return found


def admin_core() -> CustomerCore:
    """The current app's core acting as the admin (inside an :func:`admin_only` view):
    its changes carry the admin's id in the timeline."""
    return core().acting_as(current_app.extensions["admin_id"])


def admin_only(view: Callable[P, R]) -> Callable[P, R]:
    """The host's authorization stands here: this example wants the admin bearer token."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        token = current_app.extensions["secrets"]["admin_token"]
        refusal = host_auth.bearer_refusal(request.headers.get("Authorization"), token)
        if refusal is not None:
            abort(refusal)
        return view(*args, **kwargs)

    return guarded


def signed_only(view: Callable[P, R]) -> Callable[P, R]:
    """Only requests whose ``X-Signature`` matches the raw body (the host's order code)."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        secret = current_app.extensions["secrets"]["event_secret"]
        header = request.headers.get(host_auth.SIGNATURE_HEADER)
        refusal = host_auth.signature_refusal(header, request.get_data(), secret)
        if refusal is not None:
            abort(refusal)
        return view(*args, **kwargs)

    return guarded


@api.get("/customers")
@admin_only
def index() -> Response:
    """Laravel: ``Customer::withCount('orders')->when($search, ...)->paginate()``."""
    listed = core().customers.search(
        request.args.get("search"), page=_page_number(request.args.get("page"))
    )
    # Plain paginate() builds its URLs from the path and ``page`` alone: it does NOT keep
    # ``search`` (that takes ->withQueryString()), so "next" drops the filter. Faithful
    # to the spec; pass ``query={"search": ...}`` to keep it.
    return jsonify(laravel_paginator(listed, path=url_for(".index", _external=True)))


@api.get("/customers/cursor")
@admin_only
def cursor_index() -> Response:
    """Laravel: ``Customer::withCount('orders')->when($search, ...)->cursorPaginate()``."""
    search = request.args.get("search")
    listed = core().customers.scroll(search, after=request.args.get("cursor"), limit=PER_PAGE)
    # A cursor belongs to its filter (another one is a 422), so unlike plain
    # paginate() the next URL keeps ``search``, as ->withQueryString() would.
    return jsonify(
        laravel_cursor_paginator(
            listed,
            path=url_for(".cursor_index", _external=True),
            per_page=PER_PAGE,
            query={} if search is None else {"search": search},
        )
    )


@api.post("/customers/<customer_id>/block")
@admin_only
def block(customer_id: str) -> Response:
    """Block a customer (idempotent), attributed to the admin in the timeline."""
    admin_core().customers.block(_customer_id(customer_id))
    return jsonify(message="Customer blocked")


@api.post("/order-events")
@signed_only
def order_event() -> tuple[Response, int]:
    """Handle an order event the host posts *after* its order transaction commits."""
    event = request.get_json(silent=True)
    if not isinstance(event, dict):
        raise ValidationError.single("event", "must be a JSON object")
    customer = OrderEventHandler(core())(event)
    found = None if customer is None else laravel_customer(customer)
    return jsonify(message="Event handled", customer=found), 202


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


def _refused(error: HTTPException) -> tuple[Response, int, dict[str, str]]:
    """A 401 or 403 with Laravel's body; a 401 names the scheme it wants."""
    status = error.code or 403
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return jsonify(message=_REFUSED[status]), status, headers
