"""Event ids are read as they are, never coerced; the country list is ISO 3166-1's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pycountry
import pytest

from customer_core import CustomerCore, ValidationError, rules
from customer_core._countries import ALPHA_2
from customer_core.event_handler import OrderEventHandler
from customer_core.events import OrderPlaced, OrderStatusChanged
from customer_core.serialization import event_from_dict, event_to_dict

NOT_IDS: list[Any] = [
    True,
    False,
    1.0,
    1.7,
    "١",  # ARABIC-INDIC DIGIT ONE: int() reads it as 1
    "¹",
    " 1",
    "1 ",
    "+1",
    "-1",
    "1_000",
    "",
    "9" * 21,
    "9" * 5000,  # int() of it raises ValueError
    None,
    [1],
    {"id": 1},
]


@pytest.mark.parametrize("value", NOT_IDS, ids=lambda value: f"{type(value).__name__}")
@pytest.mark.parametrize("field", ["customer_id", "order_id"])
def test_event_ids_that_are_not_plainly_integers_are_named(field: str, value: Any) -> None:
    """``true``, ``1.7`` and ``"١"`` are no longer customer 1: a ValidationError names the field."""
    data = {"type": "OrderPlaced", "customer_id": 1, "order_id": 2, field: value}
    with pytest.raises(ValidationError) as caught:
        event_from_dict(data)
    assert field in caught.value.errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), ("7", 7), ("18446744073709551615", 2**64 - 1), (-3, -3), (10**30, 10**30)],
)
def test_integers_and_strings_of_ascii_digits_are_ids(value: Any, expected: int) -> None:
    """An int, or a string of ASCII digits (as some producers write big integers), is read."""
    event = event_from_dict({"type": "OrderPlaced", "customer_id": value, "order_id": value})
    assert event == OrderPlaced(customer_id=expected, order_id=expected)


def test_unknown_keys_are_ignored() -> None:
    """A producer may send more than the event has; the extra keys are dropped."""
    data = {**event_to_dict(OrderPlaced(customer_id=1, order_id=2)), "tenant": "acme", "v": 2}
    assert event_from_dict(data) == OrderPlaced(customer_id=1, order_id=2)


def test_a_boolean_customer_id_recalculates_nobody() -> None:
    """Through the handler, ``customer_id: true`` is refused instead of recalculating customer 1."""
    core = CustomerCore.in_memory()
    ada = core.customers.register(name="Ada", email="ada@example.com", password="long enough")
    core.orders.record(order_id=1, customer_id=ada.id, total_amount="5", status="delivered")
    handler = OrderEventHandler(core)
    with pytest.raises(ValidationError):
        handler({"type": "OrderPlaced", "customer_id": True, "order_id": 1})
    assert core.customers.get(ada.id).total_orders == 0


def test_country_list_is_pycountrys() -> None:
    """The written-out ISO 3166-1 alpha-2 list equals pycountry's (a test-only dependency)."""
    assert {country.alpha_2 for country in pycountry.countries} == ALPHA_2


@pytest.mark.parametrize("code", ["fr", " DE ", "us", "XK", "UK", "EU", "ZZ", "F", "FRA"])
def test_country_rule_answers_as_pycountry_did(code: str) -> None:
    """The country rule accepts exactly the codes pycountry knows, as before."""
    known = pycountry.countries.get(alpha_2=code.strip().upper()) is not None
    if known and len(code.strip()) == 2:
        assert rules.country(code) == code.strip().upper()
    else:
        with pytest.raises(rules.Invalid, match="ISO 3166-1 alpha-2"):
            rules.country(code)


# -- type, amount and status ----------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [10**5000, 1, None, ["OrderPlaced"], b"OrderPlaced", "orderplaced", ""],
    ids=["huge-int", "int", "none", "list", "bytes", "lower-case", "empty"],
)
def test_an_event_type_that_is_not_an_event_name_is_named(kind: Any) -> None:
    """Only a string is looked up: ``str(10**5000)`` raised a bare ValueError before."""
    with pytest.raises(ValidationError) as caught:
        event_from_dict({"type": kind, "customer_id": 1, "order_id": 2})
    assert set(caught.value.errors) == {"type"}


@pytest.mark.parametrize(
    "amount",
    [float("nan"), float("inf"), float("-inf"), "NaN", "sNaN", "-Infinity", "inf", "9" * 65],
    ids=["nan", "inf", "-inf", "NaN", "sNaN", "-Infinity", "inf-str", "65-chars"],
)
def test_a_total_amount_that_is_not_a_finite_short_number_is_named(amount: Any) -> None:
    """NaN, signalling NaN, infinities and 10 MB of digits are not amounts."""
    with pytest.raises(ValidationError) as caught:
        event_from_dict(
            {"type": "OrderPlaced", "customer_id": 1, "order_id": 2, "total_amount": amount}
        )
    assert set(caught.value.errors) == {"total_amount"}


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("10.50", Decimal("10.50")), (3, Decimal(3)), (2.5, Decimal("2.5")), (None, None)],
)
def test_finite_amounts_are_read(amount: Any, expected: Decimal | None) -> None:
    """A decimal string, an int, a float or null is an amount."""
    data = {"type": "OrderPlaced", "customer_id": 1, "order_id": 2, "total_amount": amount}
    assert event_from_dict(data) == OrderPlaced(customer_id=1, order_id=2, total_amount=expected)


@pytest.mark.parametrize("field", ["status", "previous_status"])
@pytest.mark.parametrize(
    "status", [{"x": 1}, 7, ["delivered"], "x" * 256], ids=["dict", "int", "list", "256-chars"]
)
def test_a_status_that_is_not_a_short_string_is_named(field: str, status: Any) -> None:
    """A status is a string of at most 255 characters, never a dict coerced to its str()."""
    data = {"type": "OrderStatusChanged", "customer_id": 1, "order_id": 2, field: status}
    with pytest.raises(ValidationError) as caught:
        event_from_dict(data)
    assert set(caught.value.errors) == {field}


def test_a_status_is_read_and_ignored_where_the_event_has_none() -> None:
    """Status fields are checked on the event that has them; elsewhere they are unknown keys."""
    changed = event_from_dict(
        {"type": "OrderStatusChanged", "customer_id": 1, "order_id": 2, "status": "x" * 255}
    )
    assert changed == OrderStatusChanged(customer_id=1, order_id=2, status="x" * 255)
    placed = event_from_dict({"type": "OrderPlaced", "customer_id": 1, "order_id": 2, "status": 7})
    assert placed == OrderPlaced(customer_id=1, order_id=2)
