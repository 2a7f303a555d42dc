"""JSON-safe dicts for public types and events, and back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_core import (
    Address,
    AddressType,
    Customer,
    ListedCustomer,
    Note,
    Page,
    ValidationError,
)
from customer_core.events import OrderCancelled, OrderPlaced, OrderStatusChanged
from customer_core.serialization import event_from_dict, event_to_dict, from_dict, to_dict

MOMENT = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)


def sample_customer(**changes: object) -> Customer:
    fields: dict[str, object] = {
        "id": 7,
        "name": "Ada",
        "email": "ada@example.com",
        "phone": "+442079460958",
        "avatar": None,
        "is_blocked": False,
        "lifetime_value": Decimal("1234.50"),
        "total_orders": 3,
        "last_order_at": MOMENT,
        "created_at": MOMENT,
        "updated_at": MOMENT,
    }
    fields.update(changes)
    return Customer(**fields)  # type: ignore[arg-type]


def test_customer_round_trips_through_json() -> None:
    """A customer survives to_dict -> json -> from_dict unchanged; money is a string."""
    customer = sample_customer()
    data = json.loads(json.dumps(to_dict(customer)))
    assert data["lifetime_value"] == "1234.50"
    assert data["last_order_at"] == "2026-05-06T07:08:09+00:00"
    assert data["is_repeat"] is True
    assert from_dict(Customer, data) == customer


def test_address_and_note_round_trip() -> None:
    """Addresses (with their type enum) and notes round-trip."""
    address = Address(
        id=1, customer_id=7, type=AddressType.BILLING, is_default=True, full_name="Ada",
        phone="+442079460958", address_line1="1 St", address_line2=None, city="London",
        state="LDN", zip_code="N1", country="GB", created_at=MOMENT, updated_at=MOMENT,
    )  # fmt: skip
    note = Note(id=2, customer_id=7, author_id=1, text="hi", created_at=MOMENT, updated_at=None)
    assert to_dict(address)["type"] == "billing"
    assert from_dict(Address, json.loads(json.dumps(to_dict(address)))) == address
    assert from_dict(Note, to_dict(note)) == note


def test_pages_carry_last_page() -> None:
    """A page's derived last_page is written out for readers."""
    page = Page(items=[ListedCustomer(sample_customer(), 4)], total=31, page=1, per_page=15)
    data = to_dict(page)
    assert data["last_page"] == 3
    assert data["items"][0]["orders_count"] == 4


def test_pages_without_a_count_carry_has_more() -> None:
    """A page of ``search(total=None)`` writes total None, has_more and its known last page."""
    page = Page(
        items=[ListedCustomer(sample_customer(), 4)], total=None, page=2, per_page=1, has_more=True
    )
    data = to_dict(page)
    assert (data["total"], data["has_more"], data["last_page"]) == (None, True, 3)


def test_times_are_written_in_utc() -> None:
    """A datetime in another zone is written as the same instant in UTC."""
    paris = MOMENT.astimezone(timezone(timedelta(hours=2)))
    assert to_dict(sample_customer(created_at=paris))["created_at"] == "2026-05-06T07:08:09+00:00"


@given(
    event=st.one_of(
        st.builds(
            OrderPlaced,
            customer_id=st.integers(1, 2**63 - 1),
            order_id=st.integers(1, 2**63 - 1),
            total_amount=st.none() | st.decimals(places=2, allow_nan=False, allow_infinity=False),
            occurred_at=st.none() | st.datetimes(timezones=st.just(UTC)),
        ),
        st.builds(OrderCancelled, customer_id=st.integers(1), order_id=st.integers(1)),
        st.builds(
            OrderStatusChanged,
            customer_id=st.integers(1),
            order_id=st.integers(1),
            status=st.none() | st.text(max_size=20),
            previous_status=st.none() | st.text(max_size=20),
        ),
    )
)
def test_events_round_trip_through_json(
    event: OrderPlaced | OrderCancelled | OrderStatusChanged,
) -> None:
    """Every event survives event_to_dict -> json -> event_from_dict."""
    assert event_from_dict(json.loads(json.dumps(event_to_dict(event)))) == event


def test_unknown_event_types_are_a_validation_error() -> None:
    """A dict of no known event names the type field."""
    with pytest.raises(ValidationError) as caught:
        event_from_dict({"type": "OrderExploded", "customer_id": 1, "order_id": 1})
    assert "type" in caught.value.errors


def test_unreadable_event_fields_are_a_validation_error() -> None:
    """A dict missing an event's required field is refused with a ValidationError."""
    with pytest.raises(ValidationError):
        event_from_dict({"type": "OrderPlaced", "order_id": 1})
