"""The JSON shapes of the Laravel module this library descends from.

A host replacing the Laravel V1 API keeps its clients working by answering
with these: :func:`laravel_customer` is a customer model as Eloquent
serializes it (password hidden, dates as ``2026-01-01T12:00:00.000000Z``,
``decimal:2`` as a string) and :func:`laravel_paginator` is
``LengthAwarePaginator::toArray()`` with its keys in Laravel's order and its
``links`` window (``UrlWindow``, three pages on each side);
:func:`laravel_cursor_paginator` is ``cursorPaginate()``'s JSON
(``CursorPaginator::toArray()``) for a page of ``core.customers.scroll``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import attrs

from customer_core.clock import as_utc
from customer_core.errors import ValidationError
from customer_core.model import CursorPage, Customer, ListedCustomer, Page

__all__ = [
    "laravel_cursor_paginator",
    "laravel_customer",
    "laravel_paginator",
    "laravel_validation_errors",
]

T = TypeVar("T")

ON_EACH_SIDE = 3
PREVIOUS = "&laquo; Previous"
NEXT = "Next &raquo;"


def _carbon(moment: datetime | None) -> str | None:
    """A datetime as Carbon's ``toJSON()`` writes it."""
    if moment is None:
        return None
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: object) -> object:
    """A field's value as Eloquent writes it: dates by Carbon, ``decimal:2`` as a string."""
    if isinstance(value, datetime):
        return _carbon(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def laravel_customer(item: Customer | ListedCustomer) -> dict[str, Any]:
    """A customer as the Laravel model serializes it; a listed one gains ``orders_count``.

    Every field of :class:`Customer`, in the model's order (a new field appears by itself).
    """
    customer = item.customer if isinstance(item, ListedCustomer) else item
    data: dict[str, Any] = {
        field.name: _json(getattr(customer, field.name)) for field in attrs.fields(Customer)
    }
    if isinstance(item, ListedCustomer):
        data["orders_count"] = item.orders_count
    return data


def laravel_paginator(
    page: Page[T],
    *,
    path: str,
    item: Callable[[T], Any] | None = None,
    query: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``paginate()``'s JSON for ``page``, with URLs built on ``path``.

    ``item`` turns each item into JSON (customers and listed customers by
    default, as :func:`laravel_customer`); ``query`` holds extra query
    parameters kept in every URL (Laravel's ``withQueryString()``). A page
    without a count (``search(total=None)``) gets ``simplePaginate()``'s JSON
    instead: no ``total``, ``last_page`` or ``links``, a next URL while
    ``has_more``.
    """
    to_json = item if item is not None else laravel_customer
    current, last = page.page, page.last_page

    def url(number: int) -> str:
        return f"{path}?{urlencode({**(query or {}), 'page': number})}"

    first_item = (current - 1) * page.per_page + 1 if page.items else None
    if page.total is None:
        return {
            "current_page": current,
            "data": [to_json(entry) for entry in page.items],  # type: ignore[arg-type]
            "first_page_url": url(1),
            "from": first_item,
            "next_page_url": url(current + 1) if page.has_more else None,
            "path": path,
            "per_page": page.per_page,
            "prev_page_url": url(current - 1) if current > 1 else None,
            "to": None if first_item is None else first_item + len(page.items) - 1,
        }
    return {
        "current_page": current,
        "data": [to_json(entry) for entry in page.items],  # type: ignore[arg-type]
        "first_page_url": url(1),
        "from": first_item,
        "last_page": last,
        "last_page_url": url(last),
        "links": _links(current, last, url),
        "next_page_url": url(current + 1) if current < last else None,
        "path": path,
        "per_page": page.per_page,
        "prev_page_url": url(current - 1) if current > 1 else None,
        "to": None if first_item is None else first_item + len(page.items) - 1,
        "total": page.total,
    }


def laravel_cursor_paginator(
    page: CursorPage[T],
    *,
    path: str,
    per_page: int,
    item: Callable[[T], Any] | None = None,
    query: Mapping[str, str] | None = None,
    cursor_name: str = "cursor",
) -> dict[str, Any]:
    """``cursorPaginate()``'s JSON for ``page`` (Laravel 9+ keys, in Laravel's order).

    ``next_cursor`` is the scroll's own opaque cursor (``page.next``), and
    ``next_page_url`` is ``path`` with it as the ``cursor`` query parameter (after
    ``query``'s, as ``withQueryString()`` keeps them; RFC 3986 encoding, as
    Laravel's ``Arr::query``). The library scrolls forwards only, so
    ``prev_cursor`` and ``prev_page_url`` are always null: a client goes back by
    keeping the cursors it has used. ``per_page`` is the ``limit`` the page was
    asked with (a last page may hold fewer items).
    """
    to_json = item if item is not None else laravel_customer
    following = page.next
    next_url = None
    if following is not None:
        parameters = {**(query or {}), cursor_name: following}
        joiner = "&" if "?" in path else "?"
        next_url = f"{path}{joiner}{urlencode(parameters, quote_via=quote)}"
    return {
        "data": [to_json(entry) for entry in page.items],  # type: ignore[arg-type]
        "path": path,
        "per_page": per_page,
        "next_cursor": following,
        "next_page_url": next_url,
        "prev_cursor": None,
        "prev_page_url": None,
    }


def _window(current: int, last: int) -> list[list[int] | None]:
    """Laravel's UrlWindow: runs of page numbers, None where it writes ``...``."""
    if last < ON_EACH_SIDE * 2 + 8:
        return [list(range(1, last + 1))]
    window = ON_EACH_SIDE + 4
    start, finish = [1, 2], [last - 1, last]
    if current <= window:
        return [list(range(1, window + ON_EACH_SIDE + 1)), None, finish]
    if current > last - window:
        return [start, None, list(range(last - (window + ON_EACH_SIDE - 1), last + 1))]
    slider = list(range(current - ON_EACH_SIDE, current + ON_EACH_SIDE + 1))
    return [start, None, slider, None, finish]


def _links(current: int, last: int, url: Callable[[int], str]) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = [
        {"url": url(current - 1) if current > 1 else None, "label": PREVIOUS, "active": False}
    ]
    for run in _window(current, last):
        if run is None:
            links.append({"url": None, "label": "...", "active": False})
            continue
        links.extend({"url": url(n), "label": str(n), "active": n == current} for n in run)
    links.append(
        {"url": url(current + 1) if current < last else None, "label": NEXT, "active": False}
    )
    return links


def laravel_validation_errors(
    error: ValidationError, *, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The body of Laravel's 422 answer for ``error``.

    ``{"message": "The page field must be ... (and 1 more error)", "errors":
    {"page": ["The page field must be ..."], ...}}``; ``names`` renames the
    library's fields to the API's (``{"text": "search"}``).

    >>> error = ValidationError({"text": "must be a string"})
    >>> body = laravel_validation_errors(error, names={"text": "search"})
    >>> body["message"]
    'The search field must be a string.'
    >>> body["errors"]
    {'search': ['The search field must be a string.']}
    """
    renamed = names or {}
    errors = {
        renamed.get(field, field): [f"The {renamed.get(field, field)} field {message}."]
        for field, message in error.errors.items()
    }
    message = next(iter(errors.values()))[0] if errors else "The given data was invalid."
    if len(errors) > 1:
        more = len(errors) - 1
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return {"message": message, "errors": errors}
