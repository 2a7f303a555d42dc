"""The Laravel module's V1 customer API, served by FastAPI on customer_core.

Routes (the spec's ``CustomerController``):

- ``GET  /api/v1/customers?search=&page=`` — ``paginate()`` JSON, each customer with
  ``orders_count`` and never a password;
- ``GET  /api/v1/customers/cursor?search=&cursor=`` — ``cursorPaginate()`` JSON over
  ``core.customers.scroll`` (keyset pages; forwards only, so ``prev_cursor`` is null);
- ``POST /api/v1/customers/{id}/block`` — ``{"message": "Customer blocked"}``;
- ``POST /api/v1/order-events`` — an order event dict (``event_to_dict``) from the
  host's order code, handled by ``await core.handle(...)``.

The customer routes are admin routes (``Authorization: Bearer <admin token>``); the
order-event endpoint takes only events signed by the host (``X-Signature: sha256=<hex>``
of the raw body). Both checks are in ``host_auth.py``; authorization is the host's job,
and a host puts its own dependency where :func:`require_admin` is. The admin routes
change customers through ``core.acting_as(admin_id)`` (:func:`admin_core`): the
timeline attributes a block to the admin user the token belongs to.

The app is asyncio from end to end: ``async def`` endpoints await an
:class:`~customer_core.aio.AsyncCustomerCore` (no worker thread per request; password
hashing runs in the core's own bounded pool). The core is made in the app's lifespan,
by the factory :func:`create_app` is given, and closed on shutdown; nothing connects at
import time. Run it with an async driver's URL::

    CUSTOMER_CORE_DATABASE_URL=sqlite+aiosqlite:///shop.db \\
    CUSTOMER_CORE_ADMIN_TOKEN=... CUSTOMER_CORE_EVENT_SECRET=... \\
    uvicorn --factory fastapi_app:app_from_env

(``examples/flask_app.py`` is the same API on the sync ``CustomerCore``.)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import host_auth
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from customer_core import CustomerNotFound, NotFound, ValidationError
from customer_core.aio import AsyncCustomerCore
from customer_core.event_handler import as_event
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


#: Makes the app's core when the app starts (in its lifespan, on the server's event loop).
CoreFactory = Callable[[], AsyncCustomerCore[Any]]


def create_app(
    open_core: CoreFactory,
    *,
    admin_token: str,
    event_secret: str,
    admin_id: int = host_auth.DEFAULT_ADMIN_ID,
) -> FastAPI:
    """The API on the core ``open_core()`` makes at start-up and that is closed on shutdown.

    ``admin_token`` opens customer routes, ``event_secret`` signs events: both are
    secrets of at least 16 characters (``ValueError`` at once otherwise).
    ``admin_id`` is the host user the admin token belongs to: the timeline
    attributes the admin routes' changes to it.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Made on the server's loop (its connections belong there); aclose() on shutdown
        # returns the pool's connections and stops the hashing threads.
        async with open_core() as core:
            app.state.core = core
            yield

    app = FastAPI(title="customer_core example: Laravel V1 customer API", lifespan=lifespan)
    app.state.admin_token = host_auth.checked_secret(admin_token, "admin_token")
    app.state.event_secret = host_auth.checked_secret(event_secret, "event_secret")
    app.state.admin_id = host_auth.checked_user_id(admin_id, "admin_id")
    app.add_exception_handler(ValidationError, _unprocessable)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(HTTPException, _refused)
    app.include_router(router)
    app.include_router(events)
    return app


def app_from_env() -> FastAPI:
    """The API on ``$CUSTOMER_CORE_DATABASE_URL`` (for ``uvicorn --factory``)."""
    from customer_core.adapters.sqlalchemy import OrdersTable

    admin_token = host_auth.secret_from_env(host_auth.ADMIN_TOKEN_VARIABLE)
    event_secret = host_auth.secret_from_env(host_auth.EVENT_SECRET_VARIABLE)
    url = os.environ.get("CUSTOMER_CORE_DATABASE_URL", "sqlite+aiosqlite:///shop.db")
    return create_app(
        lambda: AsyncCustomerCore.from_url(url, orders=OrdersTable("orders")),
        admin_token=admin_token,
        event_secret=event_secret,
        admin_id=host_auth.admin_id_from_env(),
    )


def get_core(request: Request) -> AsyncCustomerCore[Any]:
    """The app's core, as a dependency (tests may override it)."""
    core: AsyncCustomerCore[Any] = request.app.state.core
    return core


Core = Annotated[AsyncCustomerCore[Any], Depends(get_core)]


def require_admin(request: Request) -> int:
    """The host's authorization stands here: this example wants the admin bearer token.

    Returns the id of the admin user the token belongs to.
    """
    refusal = host_auth.bearer_refusal(
        request.headers.get("Authorization"), request.app.state.admin_token
    )
    if refusal is not None:
        raise HTTPException(refusal, _REFUSED[refusal], headers={"WWW-Authenticate": "Bearer"})
    admin_id: int = request.app.state.admin_id
    return admin_id


def admin_core(
    core: Core, admin_id: Annotated[int, Depends(require_admin)]
) -> AsyncCustomerCore[Any]:
    """The app's core acting as the admin: its changes carry the admin's id in the timeline."""
    return core.acting_as(admin_id)


AdminCore = Annotated[AsyncCustomerCore[Any], Depends(admin_core)]


async def signed_event(request: Request) -> dict[str, Any]:
    """The posted event, once its signature matches the raw body (checked before parsing)."""
    body = await request.body()
    header = request.headers.get(host_auth.SIGNATURE_HEADER)
    refusal = host_auth.signature_refusal(header, body, request.app.state.event_secret)
    if refusal is not None:
        raise HTTPException(refusal, _REFUSED[refusal])
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        raise ValidationError.single("event", "must be a JSON object")
    return event


SignedEvent = Annotated[dict[str, Any], Depends(signed_event)]
_REFUSED = {401: "Unauthenticated.", 403: "This action is unauthorized."}  # Laravel's

# Every customer route is an admin route: it lists e-mails and phones or changes a customer.
router = APIRouter(prefix="/api/v1/customers", dependencies=[Depends(require_admin)])
# Only the host's order code may post events: they move lifetime values.
events = APIRouter(prefix="/api/v1")


@router.get("", name="customers.index")
async def index(
    request: Request, core: Core, search: str | None = None, page: str | None = None
) -> Any:
    """Laravel: ``Customer::withCount('orders')->when($search, ...)->paginate()``."""
    listed = await core.customers.search(search, page=_page_number(page))
    # Plain paginate() builds its URLs from the path and ``page`` alone: it does NOT keep
    # ``search`` (that takes ->withQueryString()), so "next" drops the filter. Faithful
    # to the spec; pass ``query={"search": search}`` to keep it.
    return laravel_paginator(listed, path=str(request.url_for("customers.index")))


@router.get("/cursor", name="customers.cursor")
async def cursor_index(
    request: Request, core: Core, search: str | None = None, cursor: str | None = None
) -> Any:
    """Laravel: ``Customer::withCount('orders')->when($search, ...)->cursorPaginate()``."""
    listed = await core.customers.scroll(search, after=cursor, limit=PER_PAGE)
    # A cursor belongs to its filter (another one is a 422), so unlike plain
    # paginate() the next URL keeps ``search``, as ->withQueryString() would.
    return laravel_cursor_paginator(
        listed,
        path=str(request.url_for("customers.cursor")),
        per_page=PER_PAGE,
        query={} if search is None else {"search": search},
    )


@router.post("/{customer_id}/block")
async def block(customer_id: str, core: AdminCore) -> dict[str, str]:
    """Block a customer (idempotent), attributed to the admin in the timeline."""
    await core.customers.block(_customer_id(customer_id))
    return {"message": "Customer blocked"}


@events.post("/order-events", status_code=202)
async def order_event(event: SignedEvent, core: Core) -> dict[str, Any]:
    """Handle an order event the host posts *after* its order transaction commits."""
    customer = await core.handle(as_event(event))
    return {
        "message": "Event handled",
        "customer": None if customer is None else laravel_customer(customer),
    }


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


def _unprocessable(_request: Request, error: Exception) -> JSONResponse:
    """Laravel's 422: ``{"message": first error, "errors": {field: [message]}}``."""
    assert isinstance(error, ValidationError)
    return JSONResponse(laravel_validation_errors(error, names=PARAMETERS), status_code=422)


def _not_found(_request: Request, error: Exception) -> JSONResponse:
    """A 404 with the library's message (``customer 42 not found``)."""
    return JSONResponse({"message": str(error)}, status_code=404)


def _refused(_request: Request, error: Exception) -> JSONResponse:
    """A 401 or 403 with Laravel's body, ``{"message": ...}``, and the exception's headers."""
    assert isinstance(error, HTTPException)
    return JSONResponse({"message": error.detail}, error.status_code, headers=error.headers)
