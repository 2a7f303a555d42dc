"""The fields a segment can test, their kinds, and the rule that checks a value for each.

One table (:data:`FIELDS`) decides which operators a field takes and how a value
given to it is normalised, for the builder (``C.<field>``) and the parser alike,
so ``parse(str(s)) == s`` holds by construction.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal, InvalidOperation

from customer_core import rules
from customer_core.errors import ValidationError
from customer_core.model import CENT

__all__ = [
    "FIELDS",
    "MAX_DAYS",
    "Kind",
    "Value",
    "checked_days",
    "checked_value",
    "refuse",
]

#: A value a condition compares with, once normalised.
Value = int | Decimal | str | datetime

#: The longest ``within``/``older_than`` span: about 270 years, so a cut-off stays after year 1.
MAX_DAYS = 100_000
#: ``decimal(15, 2)``: the largest amount a lifetime value can hold.
MAX_MONEY = Decimal("9999999999999.99")
MAX_INT = 2**63 - 1
#: The range of each integer field's column: ``id`` is a BIGINT, ``total_orders`` Laravel's
#: ``integer`` (32 bits). A value beyond it would make PostgreSQL fail the whole query
#: ("integer out of range") instead of matching nobody, so it is refused when built.
INT_RANGES: dict[str, tuple[int, int]] = {
    "id": (-MAX_INT, MAX_INT),
    "total_orders": (-(2**31), 2**31 - 1),
}


class Kind(enum.Enum):
    """What a field holds, which decides its operators."""

    INT = "an integer"
    MONEY = "an amount"
    TEXT = "a text"
    COUNTRY = "a country code"
    TIME = "a date and time"
    FLAG = "a condition by itself"


FIELDS: dict[str, Kind] = {
    "id": Kind.INT,
    "name": Kind.TEXT,
    "email": Kind.TEXT,
    "email_domain": Kind.TEXT,
    "lifetime_value": Kind.MONEY,
    "total_orders": Kind.INT,
    "last_order_at": Kind.TIME,
    "created_at": Kind.TIME,
    "is_blocked": Kind.FLAG,
    "is_repeat": Kind.FLAG,
    "country": Kind.COUNTRY,
}

#: Which operators each kind accepts (``is_null`` on a country: no address at all).
OPERATORS: dict[Kind, frozenset[str]] = {
    Kind.INT: frozenset({"==", "!=", "<", "<=", ">", ">=", "between", "in"}),
    Kind.MONEY: frozenset({"==", "!=", "<", "<=", ">", ">=", "between", "in"}),
    Kind.TIME: frozenset(
        {"==", "!=", "<", "<=", ">", ">=", "between", "in", "is null", "within", "older_than"}
    ),
    Kind.TEXT: frozenset({"==", "!=", "in", "contains"}),
    Kind.COUNTRY: frozenset({"==", "!=", "in", "is null"}),
    Kind.FLAG: frozenset(),
}


def refuse(message: str) -> ValidationError:
    """The error of a bad segment: always under the key ``"segment"``."""
    return ValidationError.single("segment", message)


def kind_of(field: str, operator: str) -> Kind:
    """The field's kind, after checking it exists and takes ``operator``."""
    kind = FIELDS.get(field)
    if kind is None:
        raise refuse(f"unknown field {field!r}")
    if operator not in OPERATORS[kind]:
        raise refuse(f"{field} ({kind.value}) does not take {operator!r}")
    return kind


def checked_value(field: str, value: object) -> Value:
    """``value`` normalised for ``field``: the one place a value's type is checked."""
    kind = FIELDS[field]
    try:
        if kind is Kind.INT:
            return _int(value, *INT_RANGES[field])
        if kind is Kind.MONEY:
            return _money(value)
        if kind is Kind.TIME:
            return rules.timestamp(value)
        if kind is Kind.COUNTRY:
            return rules.country(value)
        # TEXT: compared case-insensitively, like search text, so kept lower-cased.
        return rules.required_text(value).lower()
    except rules.Invalid as error:
        raise refuse(f"{field}: {error}") from None


def checked_days(field: str, days: object) -> int:
    """A ``within``/``older_than`` span in whole days, 0 to :data:`MAX_DAYS`."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
        raise refuse(f"{field}: days must be a whole number from 0 to {MAX_DAYS}")
    return days


def _int(value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise rules.Invalid("must be an integer")
    if not low <= value <= high:
        raise rules.Invalid(f"must be from {low} to {high} (the column's range)")
    return value


def _money(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise rules.Invalid("must be a number")
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not amount.is_finite() or abs(amount) > MAX_MONEY:
            raise rules.Invalid(f"must be a finite amount up to {MAX_MONEY}")
        exact = amount.quantize(CENT)
    except InvalidOperation:
        raise rules.Invalid("must be a finite amount") from None
    if exact != amount:
        raise rules.Invalid("must have at most 2 decimal places")
    return exact
