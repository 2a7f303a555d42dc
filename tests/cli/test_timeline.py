"""`customer-core timeline` prints a customer's timeline; `outbox --print` drains the outbox."""

from __future__ import annotations

import json

import pytest
from cli_support import Run, Shop

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]


def test_timeline_prints_newest_first(run: Run, shop: Shop) -> None:
    """Every change of the customer, newest first, with who made it; JSON lines with --json."""
    (customer_id,) = shop.customers(1)
    core = shop.core()
    core.acting_as(9).customers.block(customer_id)
    core.customers.update(customer_id, name="Renamed")
    result = run("timeline", shop.url, str(customer_id))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert [line.split()[1] for line in lines] == ["profile_updated", "blocked", "imported"]
    assert "by 9" in lines[1]
    assert '{"fields": ["name"]}' in lines[0]
    assert "page 1 of 1 (3 events)" in result.err
    as_json = run("timeline", "--json", shop.url, str(customer_id))
    events = [json.loads(line) for line in as_json.out.splitlines()]
    assert [e["type"] for e in events] == ["profile_updated", "blocked", "imported"]
    assert events[1]["actor_id"] == 9


def test_timeline_of_unknown_customer_fails_cleanly(run: Run, shop: Shop) -> None:
    """An unknown customer is one message, no traceback."""
    result = run("timeline", shop.url, "4242")
    assert result.code != 0
    assert "Traceback" not in result.err
    assert "4242" in result.err


def test_outbox_print_publishes_each_event_once(run: Run, shop: Shop) -> None:
    """``outbox --print`` prints every unpublished event as a JSON line and acknowledges it."""
    shop.customers(250)
    first = run("outbox", shop.url, "--print", "--batch-size", "100")
    assert first.code == 0, first.err
    events = [json.loads(line) for line in first.out.splitlines()]
    assert [e["type"] for e in events] == ["imported"] * 250
    assert [e["id"] for e in events] == sorted({e["id"] for e in events})
    assert "published 250 events" in first.err
    again = run("outbox", shop.url, "--print")
    assert (again.code, again.out) == (0, "")


def test_outbox_needs_a_destination(run: Run, shop: Shop) -> None:
    """Without --publish-to or --print the command is a usage error."""
    assert run("outbox", shop.url).code == 2
