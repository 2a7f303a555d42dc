"""SQLite's text search folds case exactly like ``str.lower``, as the in-memory core does.

On SQLite the adapter compares the plain column with ``LIKE`` (which folds
ASCII case itself) and calls the Python ``cc_lower`` only for rows that are
not pure ASCII (``dialects.matches_text``). These properties check that the
shortcut never changes a result: random names and e-mails full of characters
whose case mapping is special (Turkish İ and ı, Kelvin sign, ß and ẞ, final
and non-final sigma, titlecase digraphs, combining accents, ligatures), needles
cut from them in random case, with and without ``PRAGMA case_sensitive_like``,
and legacy rows the library never validated (mixed-case e-mails, NUL and
control characters).

PostgreSQL and MariaDB are not run here: their ``lower()`` maps ``İ`` to ``i``
(Python: ``i̇``) and every ``Σ`` to ``σ`` (Python: ``ς`` at the end of a word),
and MariaDB's also misses hundreds of newer case pairs (``ẞ``, ``Ⱥ``, ...).
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_core import CustomerCore
from customer_core.adapters.sqlalchemy import engine_from_url
from customer_core.errors import CustomerCoreError, ValidationError
from customer_core.rules import Invalid
from customer_core.rules import email as valid_email
from customer_core.testing import FrozenClock, strategies
from customer_core.testing.sql import HostTables

pytestmark = [pytest.mark.sql, pytest.mark.sqlite]

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

#: Characters whose case mapping is not one-to-one or not ASCII-only: Turkish dotted
#: and dotless i, Kelvin, Angstrom and Ohm signs, sharp s (both cases), long s, Greek
#: sigma (final and not), titlecase digraphs, a ligature, composed and decomposed
#: accents, iota subscript; with the ASCII letters.
CASE_TRAPS = (
    "İıIiKk\u212a\u212bÅåßẞSsſΣσςΟοΔδǄǅǆﬃÉée\u0301ÄäΩω\u2126ᾼᾳ\u0345ȺⱥẞΑα" + string.ascii_letters
)
LIKE_AND_SPACE = "%_\\' "
DOMAINS = ("example.com", "bücher.de", "ΣΑΣ.gr", "İstanbul.tr")
TRAP_NEEDLES = (
    *("k", "K", "\u212a", "i", "I", "İ", "i\u0307", "ı", "\u0307", "ß", "ẞ", "ss", "SS"),
    *("s", "ſ", "σ", "ς", "Σ", "é", "É", "e\u0301", "\u0301", "å", "ω", "ǆ", "ﬃ", "ffi"),
)
#: An imported customer's password hash (import_many never hashes).
PASSWORD_HASH = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"


def _is_email(text: str) -> bool:
    try:
        valid_email(text)
    except Invalid:
        return False
    return True


def people() -> st.SearchStrategy[list[tuple[str, str]]]:
    """1-8 (name, e-mail) pairs full of case traps; the e-mails are distinct."""
    trap_name = st.text(alphabet=CASE_TRAPS + LIKE_AND_SPACE, min_size=1, max_size=12).filter(
        str.strip
    )
    letters = "".join(c for c in CASE_TRAPS if unicodedata.category(c).startswith("L"))
    trap_email = st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.text(alphabet=letters, min_size=1, max_size=8),
        st.sampled_from(DOMAINS),
    ).filter(_is_email)
    person = st.tuples(trap_name | strategies.names(), trap_email | strategies.emails())
    # The position makes every e-mail unique, however case folding merges them.
    return st.lists(person, min_size=1, max_size=8).map(
        lambda drawn: [
            (name, email.replace("@", f"{index}@", 1)) for index, (name, email) in enumerate(drawn)
        ]
    )


def recased(text: str) -> st.SearchStrategy[str]:
    """``text`` with each character kept, upper-cased, lower-cased or case-swapped."""
    same: Callable[[str], str] = str
    changes = st.sampled_from([same, str.upper, str.lower, str.swapcase])
    return st.lists(changes, min_size=len(text), max_size=len(text)).map(
        lambda chosen: "".join(change(c) for change, c in zip(chosen, text, strict=True))
    )


def needles(values: list[str]) -> st.SearchStrategy[str]:
    """Substrings of ``values`` in random case, trap characters, LIKE metacharacters."""
    substring = st.sampled_from(values).flatmap(
        lambda value: st.tuples(st.integers(0, len(value)), st.integers(1, 6)).flatmap(
            lambda span: recased(value[span[0] : span[0] + span[1]])
        )
    )
    return (
        substring
        | st.sampled_from(TRAP_NEEDLES)
        | st.text(alphabet=CASE_TRAPS + LIKE_AND_SPACE, min_size=1, max_size=3)
    )


@contextmanager
def sqlite_core(*, case_sensitive_like: bool = False) -> Iterator[tuple[CustomerCore, sa.Engine]]:
    """A core on a new in-memory SQLite database with the host's orders table."""
    engine = engine_from_url("sqlite://")
    try:
        host = HostTables.define()
        host.create(engine)
        core = CustomerCore.from_engine(engine, orders=host.orders_spec, clock=FrozenClock())
        core.create_schema()
        if case_sensitive_like:
            # One shared connection (StaticPool): the pragma holds for every statement.
            with engine.connect() as connection:
                connection.exec_driver_sql("pragma case_sensitive_like = 1")
                assert connection.exec_driver_sql("select 'A' like 'a'").scalar_one() == 0
        yield core, engine
    finally:
        engine.dispose()


def hits(core: CustomerCore, text: str) -> tuple[object, ...]:
    """A search's total and e-mails in order (ids may differ between cores), or its error."""
    try:
        page = core.customers.search(text, per_page=100)
    except CustomerCoreError as error:
        return ("error", type(error).__name__, getattr(error, "errors", None))
    return ("ok", page.total, [item.customer.email for item in page.items])


def by_definition(rows: list[tuple[str, str]], text: str) -> list[int]:
    """Positions of the rows whose lower-cased name or e-mail contains ``text.lower()``."""
    needle = text.strip().lower()
    return [
        index
        for index, (name, email) in enumerate(rows)
        if needle in name.lower() or needle in email.lower()
    ]


@SETTINGS
@given(people=people(), case_sensitive_like=st.booleans(), data=st.data())
def test_sqlite_search_agrees_with_the_in_memory_core(
    people: list[tuple[str, str]], case_sensitive_like: bool, data: st.DataObject
) -> None:
    """Same totals and pages as the in-memory core, which matches ``str.lower`` exactly."""
    records = [{"name": n, "email": e, "password_hash": PASSWORD_HASH} for n, e in people]
    reference = CustomerCore.in_memory(clock=FrozenClock())
    reference.customers.import_many(records)
    stored = [
        (c.customer.name, c.customer.email) for c in reference.customers.search(per_page=100).items
    ]
    values = [value for pair in people + stored for value in pair]
    with sqlite_core(case_sensitive_like=case_sensitive_like) as (core, _):
        core.customers.import_many(records)
        for text in data.draw(st.lists(needles(values), min_size=1, max_size=8), "needles"):
            expected = hits(reference, text)
            if expected[0] == "ok":
                definition = [stored[i][1] for i in by_definition(stored, text)]
                assert expected == ("ok", len(definition), definition), text
            assert hits(core, text) == expected, text


def legacy_text() -> st.SearchStrategy[str]:
    """What another client may have written: any case, NUL and control characters."""
    return st.text(
        alphabet=st.sampled_from(CASE_TRAPS + LIKE_AND_SPACE + "\x00\x01\t@.")
        | st.characters(exclude_categories=["Cs"]),
        max_size=10,
    )


@SETTINGS
@given(rows=st.lists(st.tuples(legacy_text(), legacy_text()), max_size=8), data=st.data())
def test_sqlite_search_of_unvalidated_rows_folds_like_python(
    rows: list[tuple[str, str]], data: st.DataObject
) -> None:
    """Rows the library never validated: the hits are those ``str.lower`` finds.

    SQLite's ``LIKE`` reads a value only up to its first NUL (``cc_lower``'s
    result too, so the plain folded comparison always did): the expected hits
    look at that part only. The library refuses NUL on every write.
    """
    # Unique e-mails, as the table requires.
    rows = [(name, f"{email}#{index}") for index, (name, email) in enumerate(rows)]
    with sqlite_core() as (core, engine):
        with engine.begin() as connection:
            for name, email in rows:
                connection.exec_driver_sql(
                    "insert into customers (name, email, password) values (?, ?, 'x')",
                    (name, email),
                )
        visible = [(name.split("\x00")[0], email.split("\x00")[0]) for name, email in rows]
        values = [value for pair in rows for value in pair if value]
        drawn = needles(values) if values else st.sampled_from(TRAP_NEEDLES)
        for text in data.draw(st.lists(drawn, min_size=1, max_size=8), "needles"):
            try:
                page = core.customers.search(text, per_page=100)
            except ValidationError:
                assert any(unicodedata.category(c) == "Cc" for c in text), text
                continue
            assert [item.customer.id - 1 for item in page.items] == by_definition(visible, text)
            assert page.total == len(page.items)
