"""Accent-insensitive search folds exactly like the in-memory core, on every SQL backend.

The in-memory core applies :func:`customer_core._accents.fold_accents` in
Python; SQLite, PostgreSQL and MariaDB apply the same map in SQL (a registered
function, ``translate``/``replace``, ``REGEXP_REPLACE``), SQLite and MariaDB
behind an ASCII shortcut. These properties draw names and e-mails from every
character of the map in both cases, combining marks, LIKE metacharacters and
letters the map leaves alone, and needles cut from them in random case, and
require the same totals and pages as the in-memory core, which itself must
agree with the rule's definition.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_core import CustomerCore
from customer_core._accents import ACCENT_FOLDS, COMBINING_MARKS, fold_accents
from customer_core.adapters.sqlalchemy import create_performance_indexes, engine_from_url
from customer_core.errors import CustomerCoreError
from customer_core.rules import Invalid
from customer_core.rules import email as valid_email
from customer_core.testing import FrozenClock
from servers import Server  # type: ignore[import-not-found]

pytestmark = [pytest.mark.sql]

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)

#: Every folded letter (both cases), some combining marks, ASCII, and letters with no
#: case and no fold (Greek and Cyrillic lower case, a middle dot): every database's
#: lower() agrees with Python's on these.
FOLDED = "".join(ACCENT_FOLDS.values())
ALPHABET = FOLDED + COMBINING_MARKS[:8] + string.ascii_letters + "0123ωσяж·"
LIKE_AND_SPACE = "%_\\' -"
#: An imported customer's password hash (import_many never hashes).
PASSWORD_HASH = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"


def _is_email(text: str) -> bool:
    try:
        valid_email(text)
    except Invalid:
        return False
    return True


def people() -> st.SearchStrategy[list[tuple[str, str]]]:
    """1-8 (name, e-mail) pairs of folded letters; the e-mails are distinct."""
    # Pure-ASCII names too: the ASCII shortcut of SQLite and MariaDB answers those alone.
    name = st.text(alphabet=ALPHABET + LIKE_AND_SPACE, min_size=1, max_size=12).filter(
        str.strip
    ) | st.text(alphabet=string.ascii_letters + LIKE_AND_SPACE, min_size=1, max_size=12).filter(
        str.strip
    )
    letters = FOLDED + string.ascii_lowercase
    email = st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.text(alphabet=letters, min_size=1, max_size=8),
        st.sampled_from(("example.com", "bücher.de", "łódź.pl")),
    ).filter(_is_email)
    # The position keeps the e-mails distinct however a database's collation folds them.
    return st.lists(st.tuples(name, email), min_size=1, max_size=8).map(
        lambda drawn: [(n, e.replace("@", f"{index}@", 1)) for index, (n, e) in enumerate(drawn)]
    )


def recased(text: str) -> st.SearchStrategy[str]:
    """``text`` with each character kept, upper-cased, lower-cased or case-swapped."""
    same: Callable[[str], str] = str
    changes = st.sampled_from([same, str.upper, str.lower, str.swapcase])
    return st.lists(changes, min_size=len(text), max_size=len(text)).map(
        lambda chosen: "".join(change(c) for change, c in zip(chosen, text, strict=True))
    )


def needles(values: list[str]) -> st.SearchStrategy[str]:
    """Substrings of ``values`` in random case, their folded forms, random folded letters."""
    substring = st.sampled_from(values).flatmap(
        lambda value: st.tuples(st.integers(0, len(value)), st.integers(1, 6)).flatmap(
            lambda span: recased(value[span[0] : span[0] + span[1]])
        )
    )
    return (
        substring
        | substring.map(fold_accents)
        | st.text(alphabet=ALPHABET + LIKE_AND_SPACE, min_size=1, max_size=3)
    )


def hits(core: CustomerCore, text: str) -> tuple[object, ...]:
    """A search's total and e-mails in order (ids may differ between cores), or its error."""
    try:
        page = core.customers.search(text, per_page=100, ignore_accents=True)
    except CustomerCoreError as error:
        return ("error", type(error).__name__, getattr(error, "errors", None))
    return ("ok", page.total, [item.customer.email for item in page.items])


def by_definition(rows: list[tuple[str, str]], text: str) -> list[str]:
    """The e-mails of the rows whose folded name or e-mail contains the folded text."""
    needle = fold_accents(text.strip())
    return [
        email
        for name, email in rows
        if needle in fold_accents(name) or needle in fold_accents(email)
    ]


def reference(records: list[dict[str, str]]) -> tuple[CustomerCore, list[tuple[str, str]]]:
    """The in-memory core holding ``records``, and the (name, e-mail) pairs it stored, by id."""
    core = CustomerCore.in_memory(clock=FrozenClock())
    core.customers.import_many(records)
    stored = [
        (c.customer.name, c.customer.email) for c in core.customers.search(per_page=100).items
    ]
    return core, stored


def check_agreement(core: CustomerCore, people: list[tuple[str, str]], data: st.DataObject) -> None:
    """Import ``people`` into ``core`` and the in-memory oracle; every needle hits the same."""
    records = [{"name": n, "email": e, "password_hash": PASSWORD_HASH} for n, e in people]
    oracle, stored = reference(records)
    core.customers.import_many(records)
    values = [value for pair in people + stored for value in pair]
    for text in data.draw(st.lists(needles(values), min_size=1, max_size=8), "needles"):
        expected = hits(oracle, text)
        if expected[0] == "ok":
            definition = by_definition(stored, text)
            assert expected == ("ok", len(definition), definition), text
        assert hits(core, text) == expected, text


@pytest.fixture
def sql_core(fresh_database_url: str) -> Iterator[tuple[CustomerCore, sa.Engine]]:
    """A core on a new database of the backend (no orders table)."""
    engine = engine_from_url(fresh_database_url)
    core = CustomerCore.from_engine(engine, clock=FrozenClock())
    core.create_schema()
    yield core, engine
    engine.dispose()


def emptied(engine: sa.Engine) -> None:
    """Delete what the previous example imported."""
    with engine.begin() as connection:
        for table in ("customer_events", "customers"):
            connection.execute(sa.text(f"delete from {table}"))


@SETTINGS
@given(people=people(), data=st.data())
def test_accent_search_agrees_with_the_in_memory_core(
    sql_core: tuple[CustomerCore, sa.Engine], people: list[tuple[str, str]], data: st.DataObject
) -> None:
    """Same totals and pages as the in-memory core, on SQLite, PostgreSQL and MariaDB."""
    core, engine = sql_core
    emptied(engine)
    check_agreement(core, people, data)


@contextmanager
def sqlite_case_sensitive_like() -> Iterator[CustomerCore]:
    """A core on an in-memory SQLite database under ``PRAGMA case_sensitive_like``."""
    engine = engine_from_url("sqlite://")
    try:
        core = CustomerCore.from_engine(engine, clock=FrozenClock())
        core.create_schema()
        # One shared connection (StaticPool): the pragma holds for every statement.
        with engine.connect() as connection:
            connection.exec_driver_sql("pragma case_sensitive_like = 1")
        yield core
    finally:
        engine.dispose()


@pytest.mark.sqlite
@SETTINGS
@given(people=people(), data=st.data())
def test_sqlite_ascii_shortcut_holds_under_case_sensitive_like(
    people: list[tuple[str, str]], data: st.DataObject
) -> None:
    """The shortcut for ASCII rows relies on LIKE folding ASCII case; the pragma turns it off."""
    with sqlite_case_sensitive_like() as core:
        check_agreement(core, people, data)


@pytest.mark.postgres
def test_postgres_serves_accent_search_from_the_trigram_indexes(postgres_server: Server) -> None:
    """After create_performance_indexes, the search's own statement uses the accent indexes.

    The statement is the one the adapter sends (captured, then explained with its
    parameters); sequential scans are priced out so that a tiny table still shows
    whether the planner can match the query's expression to the index's.
    """
    engine = engine_from_url(postgres_server.create_database("accents"))
    try:
        core = CustomerCore.from_engine(engine, clock=FrozenClock())
        core.create_schema()
        core.customers.register(name="José Álvarez", email="jose@example.com", password="x" * 12)
        with engine.begin() as connection:
            connection.exec_driver_sql("create extension if not exists pg_trgm")
        statements = create_performance_indexes(engine)
        assert any("customers_accents_name_trgm_index" in s for s in statements)
        statement, parameters = _sent_by(
            engine, lambda: core.customers.search("alvarez", ignore_accents=True)
        )
        with engine.connect() as connection:
            connection.exec_driver_sql("set enable_seqscan = off")
            explained = connection.exec_driver_sql("explain " + statement, parameters)
            plan = "\n".join(row[0] for row in explained)
    finally:
        engine.dispose()
    assert "customers_accents_name_trgm_index" in plan
    assert "customers_accents_email_trgm_index" in plan


def _sent_by(engine: sa.Engine, action: Callable[[], object]) -> tuple[str, Any]:
    """The last statement (with its parameters) that ``action`` sent through ``engine``."""
    sent: list[tuple[str, Any]] = []

    def capture(
        _conn: object, _cursor: object, statement: str, parameters: Any, *_: object
    ) -> None:
        sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    return sent[-1]


def test_every_character_of_the_map_folds_as_in_python(sql_engine: sa.Engine) -> None:
    """Each character of the table (both cases), each combining mark, and the ASCII around
    them: the database's fold of ``"Ab<char>Cd"`` is Python's, on every SQL backend."""
    from customer_core.adapters.sqlalchemy._accents import accent_folded

    samples = [f"Ab{char}Cd" for char in FOLDED + COMBINING_MARKS + "ωσяж·"]
    value = sa.bindparam("value", type_=sa.String())
    statement = sa.select(accent_folded(value))
    with sql_engine.connect() as connection:
        folded = {
            text: connection.execute(statement, {"value": text}).scalar_one() for text in samples
        }
    assert {text: got for text, got in folded.items() if got != fold_accents(text)} == {}
