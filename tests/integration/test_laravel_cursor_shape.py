"""``laravel_cursor_paginator`` against real Laravel's ``CursorPaginator`` (issue 14, item 1).

Debian's ``php-laravel-framework`` (8.83) runs ``laravel_cursor.php``: its
``CursorPaginator::toArray()`` keys and the URL it builds for a cursor string. 8.83
predates the ``next_cursor``/``prev_cursor`` keys (Laravel 9 added them, between
``per_page`` and ``next_page_url`` and before ``prev_page_url``, as the issue lists
them): the test checks that 8.83's keys come in the same order within ours. Without
PHP these tests skip, or fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from customer_core import CursorPage, CustomerCore, ListedCustomer
from customer_core.laravel import laravel_cursor_paginator

SCRIPT = Path(__file__).with_name("laravel_cursor.php")
LARAVEL_AUTOLOAD = Path("/usr/share/php/Illuminate/autoload.php")
PATH = "http://shop.test/api/v1/customers/cursor"
#: cursorPaginate()'s JSON keys since Laravel 9, in its order.
KEYS = [
    "data",
    "path",
    "per_page",
    "next_cursor",
    "next_page_url",
    "prev_cursor",
    "prev_page_url",
]


@pytest.fixture(scope="module")
def php() -> str:
    """The PHP binary, when Laravel is installed; skip (fail under CI=true) otherwise."""
    binary = shutil.which("php")
    if binary is None or not LARAVEL_AUTOLOAD.exists():
        reason = "PHP and Debian's php-laravel-framework are not installed (./dev setup)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    return binary


def laravel(php: str, per_page: int, rows: int, cursor: str, query: dict[str, str]) -> Any:
    """Laravel's toArray() for ``rows`` fetched rows, and its URL for ``cursor``."""
    done = subprocess.run(
        [php, str(SCRIPT), PATH, str(per_page), str(rows), cursor, json.dumps(query or {})],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def scrolled(count: int, limit: int, after: str | None = None) -> CursorPage[ListedCustomer]:
    core = CustomerCore.in_memory()
    hashed = core.password_hasher.hash("not used by the test")
    core.customers.import_many(
        {"name": f"C {n}", "email": f"c{n}@example.com", "password_hash": hashed}
        for n in range(count)
    )
    return core.customers.scroll(limit=limit, after=after)


def test_keys_are_laravels_in_order(php: str) -> None:
    """Our keys are Laravel 9+'s; Laravel 8.83's own keys come in the same order within them."""
    body = laravel_cursor_paginator(scrolled(3, 2), path=PATH, per_page=2)
    assert list(body) == KEYS
    theirs = list(laravel(php, 2, 3, "x", {})["array"])
    assert theirs == [key for key in KEYS if key in theirs]


@pytest.mark.parametrize("query", [{}, {"search": "a b&c=%"}])
def test_next_page_url_is_built_as_laravel_builds_it(php: str, query: dict[str, str]) -> None:
    """The next URL is Laravel's ``url($cursor)`` for our cursor: extra query first, RFC 3986."""
    page = scrolled(3, 2)
    assert page.next is not None
    body = laravel_cursor_paginator(page, path=PATH, per_page=2, query=query)
    assert body["next_page_url"] == laravel(php, 2, 3, page.next, query)["url"]
    assert body["next_cursor"] == page.next


def test_last_page_has_no_next_and_no_previous(php: str) -> None:
    """A page without more rows has null next cursor and URL, as Laravel's; prev is always null."""
    body = laravel_cursor_paginator(scrolled(2, 2), path=PATH, per_page=2)
    theirs = laravel(php, 2, 2, "x", {})["array"]
    assert body["next_page_url"] is theirs["next_page_url"] is None
    assert (body["next_cursor"], body["prev_cursor"], body["prev_page_url"]) == (None, None, None)
    assert body["per_page"] == theirs["per_page"] == 2
    assert [item["id"] for item in body["data"]] == [1, 2]
