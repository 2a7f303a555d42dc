"""Cheap checks first: oversized input is refused before it is read, ids of any size are named.

Work is counted, never timed: a string subclass counts how often a rule looks
at its characters, and a stand-in for :mod:`unicodedata` counts the
per-character look-ups.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from customer_core import (
    AddressType,
    Argon2Hasher,
    CustomerCore,
    NotFound,
    ValidationError,
    rules,
)
from customer_core.events import OrderPlaced

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
TEN_MB = 10 * 1024 * 1024


class CountingStr(str):
    """A str that counts every time its characters are iterated or searched."""

    reads = 0

    def __iter__(self) -> Iterator[str]:
        type(self).reads += 1
        return super().__iter__()

    def __contains__(self, item: object) -> bool:
        type(self).reads += 1
        return super().__contains__(item)  # type: ignore[operator]


class CountingUnicodedata:
    """:mod:`unicodedata` with ``category`` calls counted (the rules' per-character loop)."""

    def __init__(self) -> None:
        self.calls = 0

    def category(self, char: str) -> str:
        self.calls += 1
        return unicodedata.category(char)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> CountingUnicodedata:
    counting = CountingUnicodedata()
    monkeypatch.setattr(rules, "unicodedata", counting)
    return counting


@pytest.fixture
def core() -> CustomerCore:
    return CustomerCore.in_memory(password_hasher=CHEAP)


def test_a_10_mb_password_is_refused_without_reading_it(lookups: CountingUnicodedata) -> None:
    """The password rule checks the length before any character (NUL, surrogates)."""
    CountingStr.reads = 0
    huge = CountingStr("\x00" + "x" * TEN_MB)
    with pytest.raises(rules.Invalid, match="at most 1024"):
        rules.password(huge)
    assert CountingStr.reads == 0
    assert lookups.calls == 0


def test_registering_with_a_10_mb_password_hashes_nothing(core: CustomerCore) -> None:
    """register refuses the password by length, naming it, before any hash is made."""
    with pytest.raises(ValidationError) as caught:
        core.customers.register(name="Ada", email="ada@example.com", password="é" * TEN_MB)
    assert caught.value.errors == {"password": "must be at most 1024 characters"}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (rules.name, "at most 255"),
        (rules.email, "at most 255"),
        (rules.optional_text, "at most 255"),
        (rules.avatar, "at most 255"),
        (rules.note_text, "at most 65535"),
        (rules.phone, "not a phone number"),
        (rules.country, "alpha-2"),
    ],
    ids=["name", "email", "optional_text", "avatar", "note", "phone", "country"],
)
def test_oversized_text_with_control_characters_is_refused_unscanned(
    lookups: CountingUnicodedata, rule: Callable[[object], Any], message: str
) -> None:
    """A 10 MB text full of control characters costs a strip and a len, not a Python loop."""
    huge = "\x01" * TEN_MB + "a"
    with pytest.raises(rules.Invalid) as caught:
        rule(huge)
    assert message in str(caught.value)
    assert lookups.calls == 0


def test_text_within_bounds_is_still_scanned(lookups: CountingUnicodedata) -> None:
    """The scan still runs where it must: a control character in a short name is refused."""
    with pytest.raises(rules.Invalid, match="control characters"):
        rules.name("Ada\x01")
    assert lookups.calls > 0


# -- ids of any size and type --------------------------------------------------------

HOSTILE_IDS = [10**5000, -(10**5000), 2**63, -1, 0, True, False, 1.0, 1.5, "1", "١", None, b"1"]


def _id_calls(core: CustomerCore) -> dict[str, Callable[[object], object]]:
    """Every public call that takes an id, with valid other arguments."""
    customers, addresses, notes = core.customers, core.addresses, core.notes
    return {
        "customers.get": customers.get,
        "customers.update": lambda i: customers.update(i, name="Ada"),  # type: ignore[arg-type]
        "customers.change_email": lambda i: customers.change_email(i, "a@example.com"),  # type: ignore[arg-type]
        "customers.change_password": lambda i: customers.change_password(i, "long enough"),  # type: ignore[arg-type]
        "customers.block": customers.block,
        "customers.unblock": customers.unblock,
        "customers.delete": customers.delete,
        "addresses.get": addresses.get,
        "addresses.default": lambda i: addresses.default(i, AddressType.SHIPPING),  # type: ignore[arg-type]
        "addresses.set_default": addresses.set_default,
        "addresses.update": lambda i: addresses.update(i, city="Paris"),  # type: ignore[arg-type]
        "addresses.remove": addresses.remove,
        "notes.add": lambda i: notes.add(i, author_id=1, text="hello"),  # type: ignore[arg-type]
        "notes.list": notes.list,
        "notes.edit": lambda i: notes.edit(i, "hello"),  # type: ignore[arg-type]
        "notes.remove": notes.remove,
        "ltv.recalculate": core.ltv.recalculate,
        "core.handle": lambda i: core.handle(OrderPlaced(customer_id=i, order_id=1)),  # type: ignore[arg-type]
    }


@pytest.mark.parametrize("value", HOSTILE_IDS, ids=lambda value: type(value).__name__)
def test_every_id_of_any_size_is_validation_error_or_not_found(
    core: CustomerCore, value: object
) -> None:
    """No bare ValueError (``repr(10**5000)`` raises one): a named field or NotFound, printable."""
    for name, call in _id_calls(core).items():
        outcome = _outcome(call, value)
        assert outcome is None or 0 < len(outcome) < 200, (name, outcome)
        assert outcome is not None or name == "core.handle", f"{name} raised nothing"


def _outcome(call: Callable[[object], object], value: object) -> str | None:
    """The text of the ValidationError or NotFound ``call(value)`` raised; None if none."""
    try:
        call(value)
    except ValidationError as error:
        return str(error) if error.errors else ""
    except NotFound as error:
        return str(error) if "not found" in str(error) else ""
    return None
