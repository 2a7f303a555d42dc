"""Every MySQL-family path of the SQL adapter, with both URL spellings of one MariaDB server.

``mysql+pymysql://`` gives the dialect name ``mysql`` whatever the server,
``mariadb+pymysql://`` gives ``mariadb``; a branch that tests ``dialect.name ==
"mysql"`` misses the second (the bulk insert then sent one INSERT a row). Each
path is run through two engines on the same server, one per spelling: the
connection setup (UTC session time zone), the schema's MySQL types, the
text-size guard, the exact e-mail comparison, the duplicate check that relies
on the collation, and the bulk insert's single multi-row INSERT.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from customer_core import CustomerCore, DuplicateEmail, ValidationError
from customer_core.adapters.sqlalchemy import engine_from_url
from customer_core.adapters.sqlalchemy._dialects import is_mysql
from customer_core.testing import FrozenClock
from customer_core.testing.sql import HostTables

pytestmark = [pytest.mark.mariadb, pytest.mark.sql]

HASH = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
#: Both URL spellings of a MySQL-family server, and the dialect name each gives.
SPELLINGS = {"mysql+pymysql": "mysql", "mariadb+pymysql": "mariadb"}


@pytest.fixture(params=sorted(SPELLINGS))
def spelling(request: pytest.FixtureRequest) -> str:
    """One URL spelling (the driver name of the URL)."""
    return str(request.param)


@pytest.fixture
def shop(mariadb_server: object, spelling: str) -> Iterator[tuple[CustomerCore, sa.Engine]]:
    """A core on a fresh database of the suite's MariaDB, reached through ``spelling``."""
    url = make_url(mariadb_server.create_database("family")).set(drivername=spelling)  # type: ignore[attr-defined]
    engine = engine_from_url(url.render_as_string(hide_password=False))
    HostTables.define().create(engine, user_ids=[1])
    core = CustomerCore.from_engine(engine, clock=FrozenClock(NOW))
    core.create_schema()
    yield core, engine
    engine.dispose()


def _record(n: int) -> dict[str, object]:
    return {"name": f"N{n}", "email": f"n{n}@example.com", "password_hash": HASH}


def test_the_spelling_names_the_dialect_and_both_are_mysql(
    shop: tuple[CustomerCore, sa.Engine], spelling: str
) -> None:
    """The two engines really differ in dialect name; the helper takes both."""
    _, engine = shop
    assert engine.dialect.name == SPELLINGS[spelling]
    assert is_mysql(engine.dialect)


def test_connections_run_in_utc(shop: tuple[CustomerCore, sa.Engine]) -> None:
    """The engine's connection setup sets the session time zone MySQL ``timestamp`` needs."""
    _, engine = shop
    with engine.connect() as connection:
        assert connection.exec_driver_sql("select @@session.time_zone").scalar_one() == "+00:00"


def test_the_schema_has_the_mysql_types(shop: tuple[CustomerCore, sa.Engine]) -> None:
    """Laravel's MySQL types: unsigned bigint keys, ``timestamp``, ``mediumtext``, an enum."""
    _, engine = shop
    query = sa.text(
        "select column_type from information_schema.columns"
        " where table_schema = database() and table_name = :table and column_name = :column"
    )
    expected = {
        ("customers", "id"): "bigint unsigned",
        ("customers", "created_at"): "timestamp",
        ("customer_notes", "note"): "mediumtext",
        ("addresses", "type"): "enum('shipping','billing')",
    }
    with engine.connect() as connection:
        found = {
            (table, column): connection.execute(
                query, {"table": table, "column": column}
            ).scalar_one()
            for table, column in expected
        }
    # MariaDB spells a display width that some versions leave out: bigint(20) unsigned.
    found = {key: re.sub(r"\(\d+\)", "", spelled) for key, spelled in found.items()}
    assert found == expected


def test_a_note_is_limited_in_bytes_of_mediumtext(shop: tuple[CustomerCore, sa.Engine]) -> None:
    """80 000 bytes fit a ``mediumtext``: the guard measures against that type, not ``text``."""
    core, _ = shop
    assert core.customers.import_many([_record(1)]) == 1
    text = "😀" * 20_000
    note = core.notes.add(1, author_id=1, text=text)
    assert [stored.text for stored in core.notes.list(1)] == [text]
    assert note.text == text


def test_look_ups_and_the_duplicate_check_ignore_case(
    shop: tuple[CustomerCore, sa.Engine],
) -> None:
    """A legacy mixed-case row is found by its lower-case e-mail and blocks its import."""
    core, engine = shop
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into customers (name, email, password, is_blocked, lifetime_value,"
                " total_orders) values ('Legacy', 'Ada@Example.COM', :hash, 0, 0, 0)"
            ),
            {"hash": HASH},
        )
    found = core.customers.find_by_email("ada@example.com")
    assert found is not None
    assert found.name == "Legacy"
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many([_record(1), {**_record(2), "email": "ada@example.com"}])
    assert caught.value.errors == {"1.email": "is already taken"}


@pytest.mark.parametrize(
    ("stored", "variant"),
    [("josé@example.com", "jose@example.com"), ("straße@example.com", "strasse@example.com")],
)
def test_the_look_ups_agree_with_the_unique_index(
    shop: tuple[CustomerCore, sa.Engine], stored: str, variant: str
) -> None:
    """The unique index (``utf8mb4_unicode_ci``) calls accent and ß/ss variants one
    address: so do the look-up, the registration's probe and the import's probe."""
    core, _ = shop
    owner = core.customers.register(name="J", email=stored, password="pw pw pw pw")
    found = core.customers.find_by_email(variant)
    assert found is not None
    assert found.id == owner.id
    with pytest.raises(DuplicateEmail):
        core.customers.register(name="K", email=variant, password="pw pw pw pw")
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many([_record(1), {**_record(2), "email": variant}])
    assert caught.value.errors == {"1.email": "is already taken"}
    assert core.customers.search().total == 1


def test_the_bulk_insert_sends_one_multi_row_insert(shop: tuple[CustomerCore, sa.Engine]) -> None:
    """PyMySQL folds an executemany into one INSERT only when the VALUES group is
    placeholders alone; the server counts one INSERT for 300 rows."""
    core, engine = shop

    def inserts() -> int:
        with engine.connect() as connection:
            row = connection.exec_driver_sql("show global status like 'Com_insert'").one()
            return int(row[1])

    before = inserts()
    assert core.customers.import_many([_record(n) for n in range(300)]) == 300
    assert inserts() - before == 1
    assert core.customers.search().total == 300
