"""get_core signs scroll cursors with a key derived from Django's SECRET_KEY."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_support import empty_tables

from customer_core import Argon2Hasher
from customer_core.contrib.django import get_core
from customer_core.errors import ValidationError

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def alias(django_alias: str) -> str:
    empty_tables(django_alias)
    return django_alias


def test_every_core_of_the_site_reads_the_cursors_of_another(alias: str) -> None:
    """Two get_core() calls (two requests, two processes) share the SECRET_KEY's key; a
    site with another SECRET_KEY, or an explicit cursor_secret, signs differently."""
    core = get_core(using=alias, password_hasher=CHEAP_HASHER)
    for n in range(3):
        core.customers.register(name=f"C {n}", email=f"c{n}@x.io", password="pw-123456")
    cursor = core.customers.scroll(limit=2).next
    again = get_core(using=alias, password_hasher=CHEAP_HASHER)
    assert len(again.customers.scroll(limit=2, after=cursor).items) == 1
    with override_settings(SECRET_KEY="another site's key"):
        other = get_core(using=alias, password_hasher=CHEAP_HASHER)
    explicit = get_core(using=alias, password_hasher=CHEAP_HASHER, cursor_secret="host secret")
    for refusing in (other, explicit):
        with pytest.raises(ValidationError) as raised:
            refusing.customers.scroll(limit=2, after=cursor)
        assert set(raised.value.errors) == {"after"}
