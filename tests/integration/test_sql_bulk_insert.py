"""The SQL bulk insert behind ``import_many`` stores what a one-row insert stores.

``add_many`` converts values column by column (a column of one object once),
sends plain SQL with tuples and, on SQLite, puts many rows in one ``VALUES``
list. Whatever the path, the stored rows must be those SQLAlchemy's typed
insert would store: same values, and on SQLite the same storage classes. The
PostgreSQL duplicate check sends its e-mails as one JSON text; odd e-mails
must come back as they went.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from customer_core import CustomerCore, DuplicateEmail
from customer_core.adapters.sqlalchemy import _dialects as dialects
from customer_core.adapters.sqlalchemy import _fast, engine_from_url
from customer_core.adapters.sqlalchemy._fast import bulk_insert
from customer_core.ports import NewCustomer
from customer_core.testing import FrozenClock

HASH = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
CREATED = datetime(2021, 7, 4, 9, 15, 30, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
COLUMNS = (
    "name",
    "password",
    "phone",
    "avatar",
    "is_blocked",
    "lifetime_value",
    "total_orders",
    "last_order_at",
    "created_at",
    "updated_at",
)


@pytest.fixture
def store(fresh_database_url: str) -> Iterator[tuple[CustomerCore, sa.Engine]]:
    """A core with the library's schema on a fresh database."""
    engine = engine_from_url(fresh_database_url)
    core = CustomerCore.from_engine(engine, clock=FrozenClock(NOW))
    core.create_schema()
    yield core, engine
    engine.dispose()


def _customer(email: str, **fields: Any) -> NewCustomer:
    values: dict[str, Any] = {
        "name": "Same Name",
        "email": email,
        "password_hash": HASH,
        "phone": "+442079460958",
        "avatar": "https://img.example.com/a.png",
        "is_blocked": True,
        "created_at": CREATED,
        "updated_at": NOW,
    }
    values.update(fields)
    return NewCustomer(**values)


def _add(core: CustomerCore, customers: list[NewCustomer]) -> None:
    with core.storage.transaction() as tx:
        tx.imports.add_many(customers)


def _rows(engine: sa.Engine, backend: str) -> dict[str, tuple[Any, ...]]:
    """Every stored row but its id, by e-mail; on SQLite with each value's storage class."""
    columns = ", ".join(COLUMNS)
    if backend == "sqlite":
        columns += ", " + ", ".join(f"typeof({name})" for name in COLUMNS)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(f"select email, {columns} from customers")).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_constants_in_the_statement_store_what_parameters_store(
    store: tuple[CustomerCore, sa.Engine], backend: str
) -> None:
    """A column the same in every row (converted once) and the same values converted row
    by row, and a row of the typed one-row insert: the same stored values."""
    core, engine = store
    # Every column but the e-mail is one object in all three rows: constants.
    _add(core, [_customer(f"same{n}@example.com") for n in range(3)])
    # The same values, but each column varies (other objects, a different second row).
    _add(
        core,
        [
            _customer(
                "vary0@example.com",
                name="Same Name ",
                phone="+44207946095" + "8",
                created_at=CREATED + timedelta(0),
            ),
            _customer(
                "vary1@example.com",
                name="Other",
                phone=None,
                avatar=None,
                is_blocked=False,
                created_at=NOW,
                updated_at=CREATED,
            ),
        ],
    )
    # A one-row insert through SQLAlchemy's typed insert (register), made to match.
    made = core.customers.register(
        name="Same Name", email="typed@example.com", password="p" * 12, phone="+442079460958"
    )
    core.customers.update(made.id, avatar="https://img.example.com/a.png")
    core.customers.block(made.id)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "update customers set password = :hash, created_at = (select created_at"
                " from customers where email = 'same0@example.com') where email = :email"
            ),
            {"hash": HASH, "email": "typed@example.com"},
        )
    rows = _rows(engine, backend)
    constant = rows["same0@example.com"]
    assert rows["same1@example.com"] == rows["same2@example.com"] == constant
    assert rows["typed@example.com"] == constant
    name_index = COLUMNS.index("name")
    assert rows["vary0@example.com"][:name_index] == constant[:name_index]
    assert rows["vary0@example.com"][name_index + 1 :] == constant[name_index + 1 :]
    assert rows["vary0@example.com"][name_index] == "Same Name "
    found = core.customers.find_by_email("vary1@example.com")
    assert found is not None
    assert (found.phone, found.avatar, found.is_blocked) == (None, None, False)
    assert (found.created_at, found.updated_at) == (NOW, CREATED)


@pytest.mark.parametrize(
    ("per_statement", "minimum"),
    [(7, 1), (1, 500), (10_000, 500)],
    ids=["7-rows-a-statement", "executemany", "one-statement"],
)
@pytest.mark.parametrize(
    "backend", [pytest.param("sqlite", marks=[pytest.mark.sqlite, pytest.mark.sql])], indirect=True
)
def test_sqlite_multi_row_statements_store_every_row_in_order(
    store: tuple[CustomerCore, sa.Engine],
    monkeypatch: pytest.MonkeyPatch,
    per_statement: int,
    minimum: int,
) -> None:
    """However the rows are split into statements, all are stored, ids in the records' order."""
    core, engine = store
    monkeypatch.setattr(bulk_insert, "_sqlite_rows_per_statement", lambda *_: per_statement)
    monkeypatch.setattr(bulk_insert, "MIN_ROWS_PER_STATEMENT", minimum)
    customers = [
        _customer(f"n{n}@example.com", name=f"N{n}", is_blocked=n % 3 == 0) for n in range(50)
    ]
    _add(core, customers)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("select name, email, is_blocked from customers order by id")
        ).all()
    assert [tuple(row) for row in stored] == [
        (c.name, c.email, int(c.is_blocked)) for c in customers
    ]


@pytest.mark.parametrize(
    "backend", [pytest.param("sqlite", marks=[pytest.mark.sqlite, pytest.mark.sql])], indirect=True
)
def test_sqlite_binds_a_constant_column_once_a_statement(
    store: tuple[CustomerCore, sa.Engine],
) -> None:
    """A column the same in every row is bound once a statement, not once a row; every
    row is stored, in order, with it."""
    core, engine = store
    sent: list[tuple[str, int]] = []

    def record(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        sent.append((statement, len(parameters)))

    sa.event.listen(engine, "before_cursor_execute", record)
    customers = [_customer(f"k{n}@example.com", name=f"K{n}") for n in range(600)]
    _add(core, customers)
    inserts = [count for statement, count in sent if statement.startswith("INSERT INTO customers")]
    # The name and the e-mail vary; the other nine of the eleven columns are constants.
    assert inserts == [9 + 2 * 600]
    rows = _rows(engine, "sqlite")
    assert len({rows[c.email][1:] for c in customers}) == 1
    with engine.connect() as connection:
        names = connection.execute(sa.text("select name from customers order by id")).scalars()
        assert list(names) == [c.name for c in customers]


@pytest.mark.parametrize(
    "backend", [pytest.param("sqlite", marks=[pytest.mark.sqlite, pytest.mark.sql])], indirect=True
)
def test_sqlite_variable_limit_is_read_from_the_connection(
    store: tuple[CustomerCore, sa.Engine],
) -> None:
    """The rows a statement carries follow the connection's variable limit."""
    _, engine = store
    with engine.connect() as connection:
        driver: Any = connection.connection.driver_connection
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        assert bulk_insert._sqlite_rows_per_statement(connection, 5) == limit // 5


ODD_NAMES = (
    'O\'Brien "Bob" \\ back',
    "Zoë Ünïcode",
    "😀 emoji",
    "tab\tand\u2028separator",
    "{json: [1, 2]}, % and _",
    "x" * 255,
)
ODD_TIMES = (
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 0, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
)
#: MySQL's ``timestamp`` holds 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC.
MYSQL_TIMES = (
    datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 0, 1, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 7, tzinfo=UTC),
)


def _odd_customers(prefix: str, times: tuple[datetime, ...]) -> list[NewCustomer]:
    """Values that are hard to spell in SQL or JSON, and the edges of the time range."""
    return [
        _customer(
            f"{prefix}{n}@example.com",
            name=name,
            phone=None if n % 2 else f"+4420794609{n:02d}",
            avatar=None if n % 3 else f"https://img.example.com/{n}.png",
            is_blocked=n % 2 == 0,
            created_at=times[n % len(times)],
            updated_at=times[(n + 1) % len(times)],
        )
        for n, name in enumerate(ODD_NAMES)
    ]


#: How to turn each bulk path off: the JSON insert (PostgreSQL), then plain SQL; or the
#: whole fast insert, for its reference (SQLAlchemy's typed insert of dictionaries).
PATHS: dict[str, list[tuple[object, str, object]]] = {
    "default": [],
    "executemany": [(bulk_insert, "_JSON_TYPES", {})],
    "sqlalchemy": [(bulk_insert, "_JSON_TYPES", {}), (dialects, "_PLACEHOLDERS", {})],
    "reference": [(_fast, "insert_columns", _fast.reference_insert)],
}


@pytest.mark.parametrize("path", ["executemany", "sqlalchemy", "reference"])
def test_every_insert_path_stores_the_same_rows(
    store: tuple[CustomerCore, sa.Engine],
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    """The default path (JSON on PostgreSQL, multi-row VALUES on SQLite), the driver's
    executemany, SQLAlchemy's untyped insert and the reference (SQLAlchemy's typed
    insert) store the same rows, odd values included."""
    core, engine = store
    times = MYSQL_TIMES if backend == "mariadb" else ODD_TIMES
    _add(core, _odd_customers("default", times))
    with monkeypatch.context() as patch:
        for module, name, value in PATHS[path]:
            patch.setattr(module, name, value)
        _add(core, _odd_customers("other", times))
    rows = _rows(engine, backend)
    for n in range(len(ODD_NAMES)):
        assert rows[f"other{n}@example.com"] == rows[f"default{n}@example.com"]
    found = core.customers.find_by_email("default3@example.com")
    assert found is not None
    assert (found.name, found.created_at) == (ODD_NAMES[3], times[3])


def test_a_repeated_email_in_a_bulk_insert_is_a_duplicate(
    store: tuple[CustomerCore, sa.Engine],
) -> None:
    """The unique index still guards the bulk insert: DuplicateEmail, nothing stored."""
    core, _ = store
    with pytest.raises(DuplicateEmail):
        _add(core, [_customer("twice@example.com"), _customer("twice@example.com")])
    assert core.customers.search().total == 0


ODD_EMAILS = (
    "o'brien@example.com",
    'quote"d@example.com',
    "back\\slash@example.com",
    "per%cent_under@example.com",
    "zoë@example.com",
    "😀@example.com",
    "{brace},comma@example.com",
    "null@example.com",
)


def test_existing_emails_finds_odd_spellings(
    store: tuple[CustomerCore, sa.Engine], backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quotes, backslashes, LIKE and JSON metacharacters and non-ASCII go and come back
    intact; the reference (the folded ``IN`` look-up) finds the same."""
    core, engine = store
    with engine.begin() as connection:
        for email in ODD_EMAILS[::2]:
            connection.execute(
                sa.text(
                    "insert into customers (name, email, password, is_blocked, lifetime_value,"
                    " total_orders) values ('Odd', :email, :hash, :no, 0, 0)"
                ),
                {"email": email, "hash": HASH, "no": False},
            )
    wanted = [*ODD_EMAILS, "absent@example.com"]
    with core.storage.transaction() as tx:
        found = tx.imports.existing_emails(wanted)
    assert found == set(ODD_EMAILS[::2])
    monkeypatch.setattr(_fast, "existing_emails", _fast.reference_existing_emails)
    with core.storage.transaction() as tx:
        assert tx.imports.existing_emails(wanted) == found
