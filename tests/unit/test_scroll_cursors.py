"""Scroll cursors and pages without a count: the pure parts, on the in-memory core."""

from __future__ import annotations

import pytest

from customer_core import Argon2Hasher, CursorPage, CustomerCore, Page, ValidationError

CHEAP = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


def _core(**options: object) -> CustomerCore[object]:
    core = CustomerCore.in_memory(password_hasher=CHEAP, **options)  # type: ignore[arg-type]
    hashed = CHEAP.hash("not used by the test")
    core.customers.import_many(
        {"name": f"C {n}", "email": f"c{n}@x.io", "password_hash": hashed} for n in range(5)
    )
    return core


def test_a_cursor_works_on_another_core_with_the_same_secret() -> None:
    """Two processes (two cores) with the same cursor_secret accept each other's cursors."""
    cursor = _core(cursor_secret="s3cret").customers.scroll(limit=2).next
    page = _core(cursor_secret=b"s3cret").customers.scroll(limit=2, after=cursor)
    assert [item.customer.id for item in page.items] == [3, 4]


def test_the_default_key_is_no_public_constant() -> None:
    """Without cursor_secret an in-memory core signs with a random key of its own: another
    core (or anyone reading the library's source) cannot make or read its cursors."""
    core = _core()
    cursor = core.customers.scroll(limit=2).next
    assert len(core.customers.scroll(limit=2, after=cursor).items) == 2
    with pytest.raises(ValidationError) as raised:
        _core().customers.scroll(limit=2, after=cursor)
    assert set(raised.value.errors) == {"after"}


def _url_key(url: str, **options: object) -> bytes:
    core = CustomerCore.from_url(url, **options)  # type: ignore[arg-type]
    key: bytes = core.customers._context.cursor_key
    return key


@pytest.mark.sql
def test_a_database_url_gives_one_key_to_every_process_and_never_uses_its_password() -> None:
    """from_url derives the default key from the URL without its password: the same for every
    core on that database whatever the password (a cursor's tag must not let its holder test
    password guesses offline), another for another database or a cursor_secret."""
    url = "postgresql+psycopg://shop:pw-1@db.internal/shop"
    assert _url_key(url) == _url_key(url)
    assert _url_key(url) == _url_key(url.replace("pw-1", "pw-2"))
    assert _url_key(url) == _url_key(url.replace(":pw-1", ""))
    in_query = "postgresql+psycopg://shop@db.internal/shop?password="
    assert _url_key(in_query + "pw-1") == _url_key(in_query + "pw-2")
    assert _url_key(url) != _url_key(url.replace("/shop", "/other"))
    assert _url_key(url) != _url_key(url, cursor_secret="host secret")
    assert _url_key("sqlite:///a.db") == _url_key("sqlite:///a.db")


@pytest.mark.parametrize(("made", "read"), [("one", "two"), (None, "two"), ("one", None)])
def test_a_cursor_of_another_secret_is_refused(made: str | None, read: str | None) -> None:
    """A cursor signed with another key is a ValidationError on ``after``."""
    cursor = _core(cursor_secret=made).customers.scroll(limit=2).next
    with pytest.raises(ValidationError) as raised:
        _core(cursor_secret=read).customers.scroll(limit=2, after=cursor)
    assert set(raised.value.errors) == {"after"}


@pytest.mark.parametrize("bad", ["", b"", 7, ["secret"]])
def test_bad_cursor_secret(bad: object) -> None:
    """An empty or non-text secret is a ValidationError naming ``cursor_secret``."""
    with pytest.raises(ValidationError) as raised:
        CustomerCore.in_memory(cursor_secret=bad)  # type: ignore[arg-type]
    assert set(raised.value.errors) == {"cursor_secret"}


def test_views_of_the_core_keep_the_secret() -> None:
    """acting_as and on_primary sign and read cursors with the core's secret."""
    core = _core(cursor_secret="s3cret")
    cursor = core.acting_as(7).customers.scroll(limit=2).next
    assert len(core.on_primary().customers.scroll(limit=2, after=cursor).items) == 2


def test_the_secret_appears_in_no_cursor() -> None:
    """The cursor holds a tag made with the key, never the key or the secret."""
    cursor = _core(cursor_secret="s3cret-value").customers.scroll(limit=2).next
    assert cursor is not None
    assert "s3cret" not in cursor


def test_last_page_without_a_count_is_a_lower_bound() -> None:
    """total None: the next page while has_more, this page when it has items, else 1."""
    assert Page(items=[1], total=None, page=3, per_page=1, has_more=True).last_page == 4
    assert Page(items=[1], total=None, page=3, per_page=1, has_more=False).last_page == 3
    assert Page(items=[], total=None, page=3, per_page=1, has_more=False).last_page == 1
    assert Page(items=[1], total=3, page=2, per_page=1).has_more is True
    assert Page(items=[1], total=3, page=3, per_page=1).has_more is False


def test_cursor_page_has_more_follows_next() -> None:
    """CursorPage.has_more is whether ``next`` is set."""
    assert CursorPage(items=[], next=None).has_more is False
    assert CursorPage(items=[1], next="x.y").has_more is True
