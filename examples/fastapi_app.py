"""The Laravel module's V1 customer API, served by FastAPI on customer_core.

Routes (the spec's ``CustomerController``):

- ``GET  /api/v1/customers?search=&page=`` — ``paginate()`` JSON, each customer with
  ``orders_count`` and never a password;
- ``POST /api/v1/customers/{id}/block`` — ``{"message": "Customer blocked"}``;
- ``POST /api/v1/order-events`` — an order event dict (``event_to_dict``) from the
  host's order code, handled by :class:`~customer_core.events.OrderEventHandler`.

The app gets its :class:`CustomerCore` from :func:`create_app`, so tests and hosts choose
the database; nothing connects at import time. Run it with::

    CUSTOMER_CORE_DATABASE_URL=sqlite:///shop.db uvicorn --factory fastapi_app:app_from_env
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from customer_core import CustomerCore, CustomerNotFound, NotFound, ValidationError
from customer_core.events import OrderEventHandler
from customer_core.serialization import (
    laravel_customer,
    laravel_paginator,
    laravel_validation_errors,
)

# Query parameter names of the HTTP API for the library's argument names.
PARAMETERS = {"text": "search"}


def create_app(core: CustomerCore) -> FastAPI:
    """The API on ``core``."""
    app = FastAPI(title="customer_core example: Laravel V1 customer API")
    app.state.core = core
    app.add_exception_handler(ValidationError, _unprocessable)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(RequestValidationError, _unreadable)
    app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    """The API on ``$CUSTOMER_CORE_DATABASE_URL`` (for ``uvicorn --factory``)."""
    from customer_core.adapters.sqlalchemy import OrdersTable

    url = os.environ.get("CUSTOMER_CORE_DATABASE_URL", "sqlite:///shop.db")
    return create_app(CustomerCore.from_url(url, orders=OrdersTable("orders")))


def get_core(request: Request) -> CustomerCore:
    """The app's core, as a dependency (tests may override it)."""
    core: CustomerCore = request.app.state.core
    return core


Core = Annotated[CustomerCore, Depends(get_core)]


router = APIRouter(prefix="/api/v1")


@router.get("/customers", name="customers.index")
def index(request: Request, core: Core, search: str | None = None, page: str | None = None) -> Any:
    """Laravel: ``Customer::withCount('orders')->when($search, ...)->paginate()``."""
    listed = core.customers.search(search, page=_page_number(page))
    # Plain paginate() builds its URLs from the path and ``page`` alone: it does NOT keep
    # ``search`` (that takes ->withQueryString()), so "next" drops the filter. Faithful
    # to the spec; pass ``query={"search": search}`` to keep it.
    return laravel_paginator(listed, path=str(request.url_for("customers.index")))


@router.post("/customers/{customer_id}/block")
def block(customer_id: str, core: Core) -> dict[str, str]:
    """Block a customer (idempotent)."""
    core.customers.block(_customer_id(customer_id))
    return {"message": "Customer blocked"}


@router.post("/order-events", status_code=202)
def order_event(event: dict[str, Any], core: Core) -> dict[str, Any]:
    """Handle an order event the host posts *after* its order transaction commits."""
    customer = OrderEventHandler(core)(event)
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


def _unreadable(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own request validation (e.g. a body that is not a JSON object), Laravel-shaped."""
    assert isinstance(error, RequestValidationError)
    fields = {str(detail["loc"][-1]): str(detail["msg"]).lower() for detail in error.errors()}
    return _unprocessable(request, ValidationError(fields))
