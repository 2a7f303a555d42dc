"""The admin for customers, through Django's test client: search, filters, the actions."""

from __future__ import annotations

import pytest
from django.test import Client
from django_support import AUTHOR_ID, empty_tables

from customer_core import Argon2Hasher
from customer_core.contrib.django import get_core

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
pytestmark = [pytest.mark.sqlite, pytest.mark.sql]
URL = "/admin/customer_core/customer/"


@pytest.fixture
def client(django_sqlite: str) -> Client:
    empty_tables(django_sqlite)
    client = Client()
    assert client.login(username="admin", password="pw")
    return client


def register(name: str, email: str) -> int:
    core = get_core(password_hasher=CHEAP_HASHER)
    return core.customers.register(name=name, email=email, password="pw-123456").id


def test_search_is_the_library_search(client: Client) -> None:
    """Literal, case-insensitive, name or e-mail; ``%`` is no wildcard; non-ASCII folds."""
    register("Ada Lovelace", "ada@example.com")
    register("Ünal 100%", "unal@example.com")
    register("Grace", "grace@example.com")
    assert b"Ada Lovelace" in client.get(URL, {"q": "LOVE"}).content
    page = client.get(URL, {"q": "ünal"}).content.decode()
    assert "Ünal" in page
    assert "Grace" not in page
    page = client.get(URL, {"q": "0%"}).content.decode()
    assert "Ünal" in page
    assert "Ada" not in page


def test_block_action_goes_through_the_service_and_the_filter_shows_it(client: Client) -> None:
    ada = register("Ada", "ada@example.com")
    register("Grace", "grace@example.com")
    response = client.post(URL, {"action": "block", "_selected_action": [str(ada)]}, follow=True)
    assert b"1 customer(s) blocked." in response.content
    assert get_core().customers.get(ada).is_blocked
    page = client.get(URL, {"blocked": "yes"}).content.decode()
    assert "ada@example.com" in page
    assert "grace@example.com" not in page
    client.post(URL, {"action": "unblock", "_selected_action": [str(ada)]})
    assert not get_core().customers.get(ada).is_blocked


def test_actions_are_attributed_to_the_staff_user(client: Client) -> None:
    """Block and unblock act as the signed-in admin (user 1): the timeline names it."""
    ada = register("Ada", "ada@example.com")
    client.post(URL, {"action": "block", "_selected_action": [str(ada)]})
    client.post(URL, {"action": "unblock", "_selected_action": [str(ada)]})
    events = get_core().timeline.list(ada).items
    assert [(str(e.type), e.actor_id) for e in events] == [
        ("unblocked", AUTHOR_ID),
        ("blocked", AUTHOR_ID),
        ("registered", None),
    ]


@pytest.mark.parametrize("action", ["block", "unblock"])
def test_staff_who_may_only_view_cannot_block_or_unblock(django_sqlite: str, action: str) -> None:
    """The actions need the change permission: a view-only staff user is refused them."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    empty_tables(django_sqlite)
    users = get_user_model().objects
    users.filter(username="viewer").delete()
    viewer = users.create_user(username="viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    ada = register("Ada", "ada@example.com")
    if action == "unblock":
        get_core().customers.block(ada)
    client = Client()
    assert client.login(username="viewer", password="pw")
    assert client.get(URL).status_code == 200
    client.post(URL, {"action": action, "_selected_action": [str(ada)]}, follow=True)
    assert get_core().customers.get(ada).is_blocked is (action == "unblock")


def test_change_page_shows_ltv_read_only_and_the_inlines(client: Client) -> None:
    ada = register("Ada", "ada@example.com")
    get_core().addresses.add(
        ada,
        type="shipping",
        full_name="Ada L",
        phone="+44 20 7946 0000",
        address_line1="1 St James's Square",
        city="London",
        state="London",
        zip_code="SW1Y 4JU",
        country="GB",
    )
    get_core().notes.add(ada, author_id=1, text="Prefers e-mail")
    page = client.get(f"{URL}{ada}/change/").content.decode()
    assert "London" in page
    assert "Prefers e-mail" in page
    assert 'name="lifetime_value"' not in page  # read-only: no input
    assert "address_added by the customer or the system" in page  # the timeline
    assert "note_added by the customer or the system" in page
    assert "3 event(s) in all" in page
