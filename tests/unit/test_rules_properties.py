"""Property tests of the input rules through every service call.

Every input field of every call gets hostile strings (unicode, control
characters, NUL, lone surrogates, very long strings, SQL and LIKE
metacharacters, quotes). Each call must either store a valid value or raise a
ValidationError naming that field, never another exception, and a failed call
must change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_core import (
    Argon2Hasher,
    BcryptHasher,
    CustomerCore,
    InvalidCredentials,
    ValidationError,
)
from customer_core.passwords import PasswordHasher
from customer_core.testing import FrozenClock, Harness
from customer_core.testing import strategies as cst
from customer_core.testing.contract._support import ADDRESS, PASSWORD, snapshot

settings.register_profile(
    "customer_core_rules",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RULES = settings.get_profile("customer_core_rules")

CHEAP_ARGON2 = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)

TEXT_FIELDS = ("full_name", "address_line1", "city", "state", "zip_code")


def fresh(hasher: PasswordHasher = CHEAP_ARGON2, region: str | None = None) -> Harness:
    """An in-memory harness holding one customer, ``base@example.com``."""
    clock = FrozenClock()
    core = CustomerCore.in_memory(clock=clock, password_hasher=hasher, default_region=region)
    core.customers.register(name="Base", email="base@example.com", password=PASSWORD)
    clock.advance(60)
    return Harness(core=core, orders=core.orders, clock=clock)


def base_id(harness: Harness) -> int:
    found = harness.core.customers.find_by_email("base@example.com")
    assert found is not None
    return found.id


def stored_or_rejected(harness: Harness, field: str, call: Callable[[], Any]) -> Any:
    """Return ``call``'s result, or None after checking it failed on ``field`` changing nothing."""
    before = snapshot(harness)
    result, error = attempt(call)
    if error is None:
        return result
    assert field in error.errors, error.errors
    assert isinstance(error.errors[field], str)
    assert snapshot(harness) == before
    return None


def attempt(call: Callable[[], Any]) -> tuple[Any, ValidationError | None]:
    """The call's result and no error, or no result and its ValidationError."""
    try:
        return call(), None
    except ValidationError as error:
        return None, error


def assert_trimmed_text(stored: str | None, value: str, maximum: int = 255) -> None:
    """A stored text is the input trimmed, non-empty and within bounds."""
    assert stored is not None
    assert stored == value.strip()
    assert 1 <= len(stored) <= maximum


def assert_email(stored: str, value: str) -> None:
    assert stored == stored.lower()
    assert stored.lower() == stored.strip()
    assert "@" in stored
    assert len(stored) <= 255
    assert value.strip().lower().split("@")[0] == stored.split("@")[0]


def assert_phone(stored: str | None) -> None:
    assert stored is not None
    assert stored.startswith("+")
    assert stored[1:].isdigit()
    assert phonenumbers.is_possible_number(phonenumbers.parse(stored, None))


def assert_avatar(stored: str | None, value: str) -> None:
    assert stored is not None
    assert stored == value.strip()
    assert stored.lower().startswith(("http://", "https://"))
    assert len(stored) <= 255


# -- customers ---------------------------------------------------------------

REGISTER_FIELDS = ("name", "email", "password", "phone", "avatar")


@RULES
@given(field=st.sampled_from(REGISTER_FIELDS), value=cst.hostile_text())
def test_register_stores_valid_values_or_names_the_field(field: str, value: str) -> None:
    """``register`` with one hostile field stores a valid value or fails on that field only."""
    harness = fresh()
    fields: dict[str, Any] = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
    fields[field] = value
    made = stored_or_rejected(harness, field, lambda: harness.core.customers.register(**fields))
    if made is None:
        return
    assert harness.core.customers.get(made.id) == made
    if field == "name":
        assert_trimmed_text(made.name, value)
    elif field == "email":
        assert_email(made.email, value)
    elif field == "phone":
        if value.strip():
            assert_phone(made.phone)
        else:
            assert made.phone is None
    elif field == "avatar":
        if value.strip():
            assert_avatar(made.avatar, value)
        else:
            assert made.avatar is None
    else:
        assert 8 <= len(value) <= 1024
        assert harness.core.customers.authenticate("ada@example.com", value).id == made.id


@RULES
@given(field=st.sampled_from(("name", "phone", "avatar")), value=cst.hostile_text())
def test_update_stores_valid_values_or_names_the_field(field: str, value: str) -> None:
    """``update`` with one hostile field stores a valid value or fails on that field only."""
    harness = fresh()
    cid = base_id(harness)
    updated = stored_or_rejected(
        harness, field, lambda: harness.core.customers.update(cid, **{field: value})
    )
    if updated is None:
        return
    assert harness.core.customers.get(cid) == updated
    if field == "name":
        assert_trimmed_text(updated.name, value)
    elif field == "phone" and value.strip():
        assert_phone(updated.phone)
    elif field == "avatar" and value.strip():
        assert_avatar(updated.avatar, value)


@RULES
@given(value=cst.hostile_text())
def test_change_email_stores_a_valid_email_or_names_it(value: str) -> None:
    """``change_email`` with a hostile value stores a valid e-mail or fails on ``email``."""
    harness = fresh()
    cid = base_id(harness)
    changed = stored_or_rejected(
        harness, "email", lambda: harness.core.customers.change_email(cid, value)
    )
    if changed is not None:
        assert_email(changed.email, value)
        assert harness.core.customers.find_by_email(changed.email) == changed


@RULES
@given(value=cst.hostile_text())
def test_change_password_accepts_or_names_the_password(value: str) -> None:
    """``change_password`` with a hostile value either lets it log in or fails on ``password``."""
    harness = fresh()
    cid = base_id(harness)
    before = snapshot(harness)
    _, error = attempt(lambda: harness.core.customers.change_password(cid, value))
    if error is not None:
        assert "password" in error.errors
        assert snapshot(harness) == before
        assert harness.core.customers.authenticate("base@example.com", PASSWORD).id == cid
        return
    assert 8 <= len(value) <= 1024
    assert harness.core.customers.authenticate("base@example.com", value).id == cid


@RULES
@given(value=cst.hostile_text())
def test_bcrypt_hasher_takes_any_acceptable_password(value: str) -> None:
    """With bcrypt a hostile password registers and logs in, or fails on ``password``."""
    harness = fresh(hasher=BcryptHasher(rounds=4))
    made = stored_or_rejected(
        harness,
        "password",
        lambda: harness.core.customers.register(name="B", email="b@example.com", password=value),
    )
    if made is not None:
        assert harness.core.customers.authenticate("b@example.com", value).id == made.id


@RULES
@given(email=cst.hostile_text(), password=cst.hostile_text())
def test_authenticate_never_raises_anything_but_invalid_credentials(
    email: str, password: str
) -> None:
    """``authenticate`` with hostile credentials raises InvalidCredentials and changes nothing."""
    harness = fresh()
    before = snapshot(harness)
    with pytest.raises(InvalidCredentials):
        harness.core.customers.authenticate(email, password)
    assert snapshot(harness) == before


@RULES
@given(value=cst.hostile_text())
def test_find_by_email_returns_none_for_hostile_text(value: str) -> None:
    """``find_by_email`` of a hostile string finds nobody or its exact match, raising nothing."""
    harness = fresh()
    found, error = attempt(lambda: harness.core.customers.find_by_email(value))
    if error is not None:
        assert "email" in error.errors
        return
    assert found is None or found.email == value.strip().lower()


@RULES
@given(value=cst.hostile_text())
def test_search_text_is_literal_or_named(value: str) -> None:
    """``search`` with hostile text lists exactly the literal matches, or fails on ``text``."""
    harness = fresh()
    harness.core.customers.register(
        name="100% a_b\\c 'q'", email="odd@example.com", password=PASSWORD
    )
    page, error = attempt(lambda: harness.core.customers.search(value, per_page=100))
    if error is not None:
        assert "text" in error.errors
        return
    needle = value.strip().lower()
    everyone = harness.core.customers.search(per_page=100).items
    expected = [
        item.customer.id
        for item in everyone
        if needle in item.customer.name.lower() or needle in item.customer.email
    ]
    assert [item.customer.id for item in page.items] == expected


IMPORT_FIELDS = ("name", "email", "password_hash", "phone", "avatar", "created_at", "is_blocked")


@RULES
@given(field=st.sampled_from(IMPORT_FIELDS), value=cst.hostile_text())
def test_import_stores_valid_values_or_names_index_and_field(field: str, value: str) -> None:
    """``import_many`` with one hostile field imports a valid value or fails on ``"1.<field>"``."""
    harness = fresh()
    hashed = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
    records: list[dict[str, Any]] = [
        {"name": f"N{n}", "email": f"n{n}@example.com", "password_hash": hashed} for n in range(2)
    ]
    records[1][field] = value
    count = stored_or_rejected(
        harness, f"1.{field}", lambda: harness.core.customers.import_many(records)
    )
    if count is None:
        return
    assert count == 2
    assert harness.core.customers.search().total == 3


# -- addresses ----------------------------------------------------------------

ADDRESS_FIELDS = ("type", *TEXT_FIELDS, "phone", "address_line2", "country")


@RULES
@given(field=st.sampled_from(ADDRESS_FIELDS), value=cst.hostile_text())
def test_address_add_stores_valid_values_or_names_the_field(field: str, value: str) -> None:
    """``addresses.add`` with one hostile field stores a valid value or fails on that field only."""
    harness = fresh()
    cid = base_id(harness)
    fields = {**ADDRESS, field: value}
    added = stored_or_rejected(harness, field, lambda: harness.core.addresses.add(cid, **fields))
    if added is None:
        return
    assert harness.core.addresses.get(added.id) == added
    _check_address_field(added, field, value)


@RULES
@given(field=st.sampled_from(ADDRESS_FIELDS[1:]), value=cst.hostile_text())
def test_address_update_stores_valid_values_or_names_the_field(field: str, value: str) -> None:
    """``addresses.update`` with a hostile field stores a valid value or fails on that field."""
    harness = fresh()
    added = harness.core.addresses.add(base_id(harness), **ADDRESS)
    updated = stored_or_rejected(
        harness, field, lambda: harness.core.addresses.update(added.id, **{field: value})
    )
    if updated is None:
        return
    assert harness.core.addresses.get(added.id) == updated
    _check_address_field(updated, field, value)


def _check_address_field(address: Any, field: str, value: str) -> None:
    stored = getattr(address, field)
    if field in TEXT_FIELDS:
        assert_trimmed_text(stored, value)
    elif field == "address_line2":
        assert stored is None if not value.strip() else stored == value.strip()
    elif field == "phone":
        assert_phone(stored)
    elif field == "country":
        assert stored == value.strip().upper()
        assert len(stored) == 2
    else:
        assert stored.value == value


# -- notes --------------------------------------------------------------------


@RULES
@given(value=cst.hostile_text())
def test_note_add_stores_trimmed_text_or_names_it(value: str) -> None:
    """``notes.add`` with hostile text stores it trimmed (1-65 535 chars) or fails on ``text``."""
    harness = fresh()
    cid = base_id(harness)
    note = stored_or_rejected(
        harness, "text", lambda: harness.core.notes.add(cid, author_id=1, text=value)
    )
    if note is not None:
        assert_trimmed_text(note.text, value, maximum=65_535)
        assert harness.core.notes.list(cid) == [note]


@RULES
@given(value=cst.hostile_text())
def test_note_edit_stores_trimmed_text_or_names_it(value: str) -> None:
    """``notes.edit`` with hostile text stores it trimmed, or fails on ``text`` keeping the old."""
    harness = fresh()
    cid = base_id(harness)
    note = harness.core.notes.add(cid, author_id=1, text="original")
    edited = stored_or_rejected(harness, "text", lambda: harness.core.notes.edit(note.id, value))
    if edited is not None:
        assert_trimmed_text(edited.text, value, maximum=65_535)


@RULES
@given(value=st.one_of(st.integers(), st.text(max_size=5), st.none(), st.floats()))
def test_author_id_is_an_integer_or_named(value: Any) -> None:
    """``notes.add`` with an odd author id stores a positive integer or fails on ``author_id``."""
    harness = fresh()
    cid = base_id(harness)
    note = stored_or_rejected(
        harness, "author_id", lambda: harness.core.notes.add(cid, author_id=value, text="x")
    )
    if note is not None:
        assert isinstance(note.author_id, int)
        assert note.author_id == value
        assert note.author_id >= 1


# -- valid inputs and phone regions ------------------------------------------


@RULES
@given(
    name=cst.names(),
    email=cst.emails(),
    password=cst.passwords(),
    phone=cst.phones(),
    avatar=cst.avatars(),
)
def test_valid_strategies_register(
    name: str, email: str, password: str, phone: str, avatar: str
) -> None:
    """Values from the public valid strategies always register and authenticate."""
    harness = fresh()
    made = harness.core.customers.register(
        name=name, email=email, password=password, phone=phone, avatar=avatar
    )
    assert made.email == email.lower()
    assert made.name == name
    assert_phone(made.phone)
    assert harness.core.customers.authenticate(email, password).id == made.id


@RULES
@given(fields=cst.address_fields(), text=cst.note_texts())
def test_valid_address_and_note_strategies_are_accepted(fields: dict[str, Any], text: str) -> None:
    """Values from the address and note strategies are stored as given (country upper-cased)."""
    harness = fresh()
    cid = base_id(harness)
    added = harness.core.addresses.add(cid, **fields)
    assert added.country == fields["country"].upper()
    assert added.city == fields["city"]
    assert harness.core.notes.add(cid, author_id=1, text=text).text == text


@RULES
@given(number=cst.phones_national("GB"))
def test_national_number_with_default_region_is_stored_as_e164(number: str) -> None:
    """With default_region GB a national number is stored as the matching +44 E.164 number."""
    harness = fresh(region="GB")
    made = harness.core.customers.register(
        name="A", email="a@example.com", password=PASSWORD, phone=number
    )
    expected = phonenumbers.format_number(
        phonenumbers.parse(number, "GB"), phonenumbers.PhoneNumberFormat.E164
    )
    assert made.phone == expected
    assert expected.startswith("+44")


def test_national_number_example() -> None:
    """``020 7946 0958`` with default_region GB is stored as ``+442079460958``."""
    harness = fresh(region="GB")
    made = harness.core.customers.register(
        name="A", email="a@example.com", password=PASSWORD, phone="020 7946 0958"
    )
    assert made.phone == "+442079460958"


def test_national_number_without_default_region_is_rejected() -> None:
    """Without a default region a national number is a ValidationError on ``phone``."""
    harness = fresh(region=None)
    with pytest.raises(ValidationError) as caught:
        harness.core.customers.register(
            name="A", email="a@example.com", password=PASSWORD, phone="020 7946 0958"
        )
    assert "phone" in caught.value.errors


@RULES
@given(number=cst.phones_e164())
def test_e164_numbers_are_stored_unchanged(number: str) -> None:
    """A valid E.164 number is stored exactly as given, with or without a default region."""
    harness = fresh(region="GB")
    made = harness.core.customers.register(
        name="A", email="a@example.com", password=PASSWORD, phone=number
    )
    assert made.phone == number
