"""The import's check by columns (``_importer._by_columns``) agrees with its reference,
``_importer._record`` on each record: the same customers, or None ("ask the reference");
and a whole import gives the same answer, errors included, with it and without it."""

from __future__ import annotations

from collections import UserDict
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_core import CustomerCore, ValidationError, rules
from customer_core.passwords import Argon2Hasher
from customer_core.ports import NewCustomers
from customer_core.services import _importer
from customer_core.testing import FrozenClock, strategies

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
BCRYPT = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
ARGON2 = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk"
CHEAP = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _rules(region: str | None = None) -> _importer.Rules:
    return _importer._rules(NOW, rules.phone_rule(region))


def _garbage() -> st.SearchStrategy[object]:
    return st.one_of(
        strategies.hostile_text(),
        st.sampled_from((None, 1, 0, True, False, b"bytes", 1.5, ["x"], {"a": 1})),
    )


def _mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[object]:
    """Good values three times in four, so that whole windows are often valid."""
    return st.one_of(good, good, good, _garbage())


class _Name(str):
    """A ``str`` subclass: the rules take it; the columns must give what they give."""


FIELD_VALUES: dict[str, st.SearchStrategy[object]] = {
    "name": _mostly(st.one_of(strategies.names(), strategies.names().map(_Name))),
    "email": _mostly(
        st.one_of(strategies.emails(), strategies.emails().map(lambda e: f"  {e.upper()} "))
    ),
    "password_hash": _mostly(st.sampled_from((BCRYPT, ARGON2, "$2y$31$" + BCRYPT[7:]))),
    "phone": st.one_of(st.none(), st.none(), _mostly(strategies.phones_e164()), st.just("  ")),
    "avatar": st.one_of(st.none(), st.none(), _mostly(strategies.avatars())),
    "is_blocked": st.one_of(st.booleans(), _garbage()),
    "created_at": st.one_of(
        st.none(),
        st.datetimes(timezones=st.just(UTC)),
        st.just("2020-01-02T03:04:05"),
        _garbage(),
    ),
}
REQUIRED = set(_importer.REQUIRED)


@st.composite
def records(draw: st.DrawFn) -> object:
    """A record: usually a dict of some fields, sometimes an unknown key or another mapping."""
    record: dict[str, object] = {}
    for field, values in FIELD_VALUES.items():
        if field in REQUIRED or draw(st.booleans()):
            record[field] = draw(values)
    odd = draw(st.sampled_from(("", "", "", "", "", "drop", "extra", "mapping", "list")))
    if odd == "drop":
        del record[draw(st.sampled_from(sorted(REQUIRED)))]
    elif odd == "extra":
        record[draw(st.sampled_from(("password", "id", "Name")))] = "x"
    elif odd == "mapping":
        return UserDict(record)
    elif odd == "list":
        return list(record.items())
    return record


def _reference(window: list[object], rules_: _importer.Rules) -> list[object] | None:
    try:
        return [_importer._record(i, r, rules_, NOW) for i, r in enumerate(window)]
    except ValidationError:
        return None


def _by_columns(window: list[object], rules_: _importer.Rules) -> list[object] | None:
    """The customers the check by columns makes, row by row (its columns read as rows)."""
    columns = _importer._by_columns(window, rules_, NOW)
    return None if columns is None else list(NewCustomers(columns))


@SETTINGS
@given(st.lists(records(), min_size=1, max_size=8), st.sampled_from((None, "GB")))
def test_by_columns_makes_what_the_reference_makes(
    window: list[object], region: str | None
) -> None:
    """Whenever the columns settle a window, the reference makes the same customers of it."""
    rules_ = _rules(region)
    fast = _by_columns(window, rules_)
    if fast is not None:
        assert fast == _reference(window, rules_)


@SETTINGS
@given(
    st.lists(
        st.fixed_dictionaries(
            {"name": strategies.names(), "email": strategies.emails()},
            optional={
                "phone": st.one_of(st.none(), strategies.phones_e164()),
                "avatar": st.one_of(st.none(), strategies.avatars()),
                "is_blocked": st.booleans(),
                "created_at": st.datetimes(timezones=st.just(UTC)),
            },
        ).map(lambda record: {**record, "password_hash": BCRYPT}),
        min_size=1,
        max_size=8,
    )
)
def test_by_columns_settles_plain_valid_windows(window: list[dict[str, object]]) -> None:
    """It is a fast path: well-formed plain records are settled, not sent back."""
    assert _by_columns(list(window), _rules()) == _reference(list(window), _rules())


def _outcome(records: list[object], batch_size: int) -> tuple[object, list[object]]:
    core = CustomerCore.in_memory(clock=FrozenClock(NOW), password_hasher=CHEAP)
    core.customers.import_many(
        [{"name": "Taken", "email": "taken@shop.example", "password_hash": BCRYPT}]
    )
    try:
        answer: object = core.customers.import_many(records, batch_size=batch_size)  # type: ignore[arg-type]
    except ValidationError as error:
        answer = error.errors
    return answer, list(core.customers.search(per_page=100).items)


@SETTINGS
@given(
    st.lists(
        st.one_of(
            records(),
            records(),
            st.builds(
                lambda n: {"name": "R", "email": f"r{n}@shop.example", "password_hash": BCRYPT},
                st.integers(0, 5),
            ),
            st.just({"name": "T", "email": "TAKEN@shop.example", "password_hash": BCRYPT}),
        ),
        max_size=30,
    ),
    st.integers(1, 4),
)
def test_an_import_answers_the_same_without_the_columns(
    records: list[object], batch_size: int
) -> None:
    """Stored customers, count or errors (repeats and taken e-mails included): the same
    with the check by columns and with the reference alone, windows of a few records."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_importer, "PROBE_WINDOW", 3)
        fast = _outcome(records, batch_size)
        patch.setattr(_importer, "_by_columns", lambda *_: None)
        assert _outcome(records, batch_size) == fast
