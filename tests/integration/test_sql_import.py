"""``import_many``'s duplicate check in SQL: exact look-ups through the unique index, and
legacy mixed-case rows (ASCII or not) still reported as taken, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from customer_core import CustomerCore, ValidationError
from customer_core.adapters.sqlalchemy import create_performance_indexes, engine_from_url
from customer_core.ports import NewCustomer
from customer_core.testing import FrozenClock

HASH = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
#: Three chunks of the adapter's 500 e-mails.
COUNT = 1200


class Statements:
    """The SQL statements an engine runs while open (BEGIN and the like left out)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.seen: list[str] = []
        self._engine = engine
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "SET ")):
            self.seen.append(" ".join(statement.split()))

    def close(self) -> None:
        sa.event.remove(self._engine, "before_cursor_execute", self._record)

    def selects(self) -> list[str]:
        """The SELECTs from the customers table (the duplicate check; the rest inserts)."""
        return [s for s in self.seen if s.upper().startswith("SELECT") and "FROM customers" in s]

    def catalog(self) -> list[str]:
        """The look-ups of PostgreSQL's index catalog."""
        return [s for s in self.seen if "pg_index" in s]


@pytest.fixture
def store(fresh_database_url: str) -> Iterator[tuple[CustomerCore, sa.Engine]]:
    """A core with the library's schema on a fresh database."""
    engine = engine_from_url(fresh_database_url)
    core = CustomerCore.from_engine(engine, clock=FrozenClock())
    core.create_schema()
    yield core, engine
    engine.dispose()


def _legacy(engine: sa.Engine, *emails: str) -> None:
    """Rows another writer (a Laravel app) stored without lower-casing the e-mail."""
    with engine.begin() as connection:
        for email in emails:
            connection.execute(
                sa.text(
                    "insert into customers (name, email, password, is_blocked, lifetime_value,"
                    " total_orders) values ('Legacy', :email, :hash, :no, 0, 0)"
                ),
                {"email": email, "hash": HASH, "no": False},
            )


def _records(count: int, prefix: str = "new", **replace: str) -> list[dict[str, Any]]:
    """``count`` new customers; ``replace`` maps an index (as ``"i<n>"``) to its e-mail."""
    records: list[dict[str, Any]] = [
        {"name": f"N{n}", "email": f"{prefix}{n}@shop.example", "password_hash": HASH}
        for n in range(count)
    ]
    for key, email in replace.items():
        records[int(key.removeprefix("i"))]["email"] = email
    return records


def _errors(core: CustomerCore, records: list[dict[str, Any]]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many(records)
    return caught.value.errors


def test_legacy_mixed_case_rows_are_taken(store: tuple[CustomerCore, sa.Engine]) -> None:
    """Upper-case legacy e-mails, ASCII and not, in any chunk, block the import of their
    lower-case form; a lower-case stored e-mail does too; nothing is written."""
    core, engine = store
    _legacy(engine, "Ada@Example.COM", "Éva@example.com", "zoë@example.com", "ZOË@Other.example")
    core.customers.register(name="Lower", email="lower@example.com", password="p" * 12)
    before = core.customers.search().total
    records = _records(
        COUNT,
        i3="ADA@example.COM",
        i600="ÉVA@example.com",
        i1100="lower@example.com",
        i1199="Zoë@other.EXAMPLE",
    )
    assert _errors(core, records) == {
        "3.email": "is already taken",
        "600.email": "is already taken",
        "1100.email": "is already taken",
        "1199.email": "is already taken",
    }
    assert core.customers.search().total == before


def test_duplicate_check_reads_the_table_once(
    store: tuple[CustomerCore, sa.Engine], backend: str
) -> None:
    """Exact look-ups (``email IN (...)`` per chunk, ``= ANY`` on PostgreSQL) plus one read of
    the rows ``lower()`` may change: no folded column in a look-up (SQLite's ``cc_lower`` is a
    Python call per row)."""
    core, engine = store
    _legacy(engine, "old@example.com")
    counter = Statements(engine)
    try:
        assert core.customers.import_many(_records(COUNT)) == COUNT
    finally:
        counter.close()
    selects = counter.selects()
    assert not any("cc_lower" in s for s in counter.seen), selects
    probes = [s for s in selects if " IN " in s or "ANY" in s]
    # 500 e-mails a statement, or one array parameter on PostgreSQL.
    assert len(probes) == (1 if backend == "postgres" else 3), selects
    assert all("lower(" not in s.lower() for s in probes), probes
    # SQLite reads the highest id before each batch: the batch's imported events take the
    # rows after it (no e-mail look-up).
    last_ids = [s for s in selects if "max(id)" in s]
    assert len(last_ids) == (-(-COUNT // 1000) if backend == "sqlite" else 0), selects
    others = [s for s in selects if s not in probes and s not in last_ids]
    assert len(counter.catalog()) == (backend == "postgres"), counter.seen
    if backend == "mariadb":
        # The case-insensitive collation: the unique index finds every spelling.
        assert others == [], selects
    else:
        [legacy] = others
        assert "!= lower(customers.email)" in legacy, legacy
    assert _errors(core, _records(2, "more", i1="OLD@example.com")) == {
        "1.email": "is already taken"
    }


@pytest.mark.parametrize(
    "backend",
    [pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.sql])],
    indirect=True,
)
def test_postgres_uses_the_lower_email_index_when_there_is_one(
    store: tuple[CustomerCore, sa.Engine],
) -> None:
    """With ``customers_lower_email_index`` the folded look-up is indexed: no table scan."""
    core, engine = store
    create_performance_indexes(engine)
    _legacy(engine, "Ada@Example.COM")
    counter = Statements(engine)
    try:
        errors = _errors(core, _records(COUNT, i700="ada@example.com"))
    finally:
        counter.close()
    assert errors == {"700.email": "is already taken"}
    [probe] = counter.selects()
    assert "lower(customers.email) = ANY" in probe, probe
    assert len(counter.catalog()) == 1, counter.seen


def _raw(engine: sa.Engine, email: str) -> dict[str, Any]:
    columns = "phone, avatar, is_blocked, lifetime_value, total_orders, last_order_at, created_at"
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(f"select {columns}, updated_at from customers where email = :e"), {"e": email}
        ).one()
    return dict(row._mapping)


def test_imported_rows_are_stored_as_register_stores_them(
    store: tuple[CustomerCore, sa.Engine],
) -> None:
    """The bulk insert's own conversion writes what SQLAlchemy's column types write for one row."""
    core, engine = store
    made = core.customers.register(
        name="One", email="one@example.com", password="p" * 12, phone="+442079460958"
    )
    core.customers.block(made.id)
    core.customers.update(made.id, avatar="https://img.example/a.png")
    stamp = "2024-02-29T23:59:58+01:00"
    records = [
        {
            "name": "Two",
            "email": f"two{n}@example.com",
            "password_hash": HASH,
            "phone": "+442079460958",
            "avatar": "https://img.example/a.png",
            "is_blocked": True,
            "created_at": stamp,
        }
        for n in range(3)
    ]
    assert core.customers.import_many(records) == 3
    one, two = _raw(engine, "one@example.com"), _raw(engine, "two2@example.com")
    assert two["created_at"] != one["created_at"]
    with engine.begin() as connection:
        connection.execute(
            sa.text("update customers set created_at = :c where email = 'one@example.com'"),
            {"c": two["created_at"]},
        )
    assert _raw(engine, "one@example.com") == two
    imported = core.customers.find_by_email("two0@example.com")
    assert imported is not None
    assert imported.created_at.isoformat() == "2024-02-29T22:59:58+00:00"
    assert imported.is_blocked is True
    assert imported.lifetime_value == 0


def test_bulk_insert_checks_column_lengths(store: tuple[CustomerCore, sa.Engine]) -> None:
    """Values longer than a column reach no database: the first such row is named."""
    core, _ = store
    now = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        NewCustomer(
            name=name,
            email=f"n{n}@example.com",
            password_hash=HASH,
            phone=None,
            avatar=None,
            is_blocked=False,
            created_at=now,
            updated_at=now,
        )
        for n, name in enumerate(["fine", "x" * 256, "y" * 300])
    ]
    with pytest.raises(ValidationError) as caught, core.storage.transaction() as tx:
        tx.imports.add_many(rows)
    assert caught.value.errors == {"1.name": "must be at most 255 characters"}
    assert core.customers.search().total == 0


def test_the_stream_is_inserted_as_it_is_read(store: tuple[CustomerCore, sa.Engine]) -> None:
    """A generator's records reach the database window by window, before the stream ends (so
    no list of every record is held), and one bad last record still rolls all of them back."""
    core, engine = store
    counter = Statements(engine)
    inserted_before_end: list[int] = []

    def records() -> Iterator[dict[str, Any]]:
        yield from _records(44)
        inserted_before_end.append(sum(s.upper().startswith("INSERT") for s in counter.seen))
        yield {"name": "Bad", "email": "broken", "password_hash": HASH}

    try:
        with pytest.raises(ValidationError) as caught:
            core.customers.import_many(records(), batch_size=2)
    finally:
        counter.close()
    assert set(caught.value.errors) == {"44.email"}
    # Windows of 20 records (ten batches of 2): two were inserted when the bad one came.
    [inserted] = inserted_before_end
    assert inserted >= 2, counter.seen
    assert core.customers.search().total == 0
