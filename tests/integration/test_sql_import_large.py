"""``import_many`` into a populated table: the duplicate check answers the same with and
without the opt-in indexes, on the library's tables and on Laravel-created ones, and on
SQLite ``customers_legacy_email_index`` spares it the scan of the whole table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from laravel_ddl import build_laravel_database

from customer_core import CustomerCore, ValidationError
from customer_core.adapters.sqlalchemy import create_performance_indexes, engine_from_url
from customer_core.adapters.sqlalchemy._fast import email_probe
from customer_core.testing import FrozenClock

HASH = "$2y$04$" + "abcdefghijklmnopqrstue" + "w" * 30 + "u"
#: Stored customers before the import: several of the probe's chunks of 500.
STORED = 1500
#: Legacy rows another writer stored as typed: upper-case ASCII, beyond ASCII in lower and
#: upper case.
LEGACY = ("Ada@Example.COM", "zoë@example.com", "ÉVA@Example.com")
#: SQLite's trap: the Kelvin sign, beyond ASCII, whose lower case (``cc_lower``'s, Python's)
#: is the ASCII ``k``; a database's own ``lower()`` may keep it.
KELVIN = "\u212aate@example.com"
#: Each import record that repeats a stored e-mail in another spelling, by index.
REPEATS = {
    "3": "ADA@example.com",
    "17": "ZOË@EXAMPLE.COM",
    "18": "éva@example.com",
    "41": "OLD7@SHOP.EXAMPLE",
    "49": "old1499@shop.example",
}
SQLITE = [pytest.param("sqlite", marks=[pytest.mark.sqlite, pytest.mark.sql])]


def _records(count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {"name": f"N{n}", "email": f"{prefix}{n}@shop.example", "password_hash": HASH}
        for n in range(count)
    ]


def _store_legacy(engine: sa.Engine, emails: tuple[str, ...]) -> None:
    with engine.begin() as connection:
        for email in emails:
            connection.execute(
                sa.text(
                    "insert into customers (name, email, password, is_blocked, lifetime_value,"
                    " total_orders) values ('Legacy', :email, :hash, :no, 0, 0)"
                ),
                {"email": email, "hash": HASH, "no": False},
            )


def _fill(core: CustomerCore, engine: sa.Engine, legacy: tuple[str, ...] = LEGACY) -> None:
    """``STORED`` customers the library imported, then the legacy rows."""
    assert core.customers.import_many(_records(STORED, "old")) == STORED
    _store_legacy(engine, legacy)


def _refused(core: CustomerCore, repeats: dict[str, str] = REPEATS) -> dict[str, str]:
    """The errors of an import of 50 records, ``repeats`` among them (their index: e-mail)."""
    records = _records(50, "new")
    for index, email in repeats.items():
        records[int(index)]["email"] = email
    before = core.customers.search().total
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many(records, batch_size=10)
    assert core.customers.search().total == before
    return caught.value.errors


def _taken(repeats: dict[str, str]) -> dict[str, str]:
    return {f"{index}.email": "is already taken" for index in repeats}


def _core(engine: sa.Engine) -> CustomerCore:
    core = CustomerCore.from_engine(engine, clock=FrozenClock())
    core.create_schema()
    return core


@pytest.fixture
def library_engine(fresh_database_url: str) -> Iterator[sa.Engine]:
    """The library's own tables on a fresh database."""
    engine = engine_from_url(fresh_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def laravel_engine(fresh_database_url: str, backend: str) -> Iterator[sa.Engine]:
    """Laravel's tables (its DDL, no index of the library's) on a fresh database."""
    engine = engine_from_url(fresh_database_url)
    build_laravel_database(engine, backend)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("tables", ["library", "laravel"])
def test_every_spelling_of_a_stored_email_is_refused_with_and_without_the_indexes(
    request: pytest.FixtureRequest, backend: str, tables: str
) -> None:
    """The same records named, before and after ``create_performance_indexes``."""
    engine: sa.Engine = request.getfixturevalue(f"{tables}_engine")
    core = _core(engine)
    _fill(core, engine)
    expected = _taken(REPEATS)
    assert _refused(core) == expected
    create_performance_indexes(engine)
    assert _refused(core) == expected
    assert core.customers.import_many(_records(20, "fresh"), batch_size=7) == 20


class _Selects:
    """The SELECTs that read the customers table while open."""

    def __init__(self, engine: sa.Engine) -> None:
        self.seen: list[tuple[str, Any]] = []
        self._engine = engine
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(
        self, conn: object, cursor: object, statement: str, parameters: Any, *args: object
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM customers" in statement:
            self.seen.append((statement, parameters))

    def close(self) -> None:
        sa.event.remove(self._engine, "before_cursor_execute", self._record)


def _legacy_read_plan(core: CustomerCore, engine: sa.Engine) -> str:
    """SQLite's plan of the import's read of the legacy rows (Kelvin's record refused too)."""
    repeats = {**REPEATS, "30": "kate@example.com"}
    selects = _Selects(engine)
    try:
        assert _refused(core, repeats) == _taken(repeats)
    finally:
        selects.close()
    [(legacy, parameters), *_] = [seen for seen in selects.seen if "lower(" in seen[0]]
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {legacy}", parameters).all()
    return " ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("backend", SQLITE, indirect=True)
@pytest.mark.parametrize("tables", ["library", "laravel"])
def test_sqlite_reads_only_the_legacy_rows_through_the_opt_in_index(
    request: pytest.FixtureRequest, backend: str, tables: str
) -> None:
    """Without the index the legacy read scans the table; with it, SQLite reads the partial
    index (its condition must stay the read's, spelled alike) and still finds every row."""
    engine: sa.Engine = request.getfixturevalue(f"{tables}_engine")
    core = _core(engine)
    _fill(core, engine, (*LEGACY, KELVIN))
    assert "customers_legacy_email_index" not in _legacy_read_plan(core, engine)
    assert create_performance_indexes(engine)
    names = {index["name"] for index in sa.inspect(engine).get_indexes("customers")}
    assert "customers_legacy_email_index" in names
    plan = _legacy_read_plan(core, engine)
    assert "USING COVERING INDEX customers_legacy_email_index" in plan, plan
    with engine.connect() as connection:
        listed = connection.exec_driver_sql(
            "select email from customers indexed by customers_legacy_email_index"
            " where email != lower(email) or length(CAST(email AS BLOB)) != length(email)"
        )
        assert sorted(listed.scalars()) == sorted((*LEGACY, KELVIN))


def _legacy_reads(engine: sa.Engine, core: CustomerCore) -> tuple[dict[str, str], int]:
    """The errors of an import of 50 records in windows of 20, and its reads of legacy rows."""
    selects = _Selects(engine)
    try:
        records = _records(50, "new")
        for index, email in REPEATS.items():
            records[int(index)]["email"] = email
        with pytest.raises(ValidationError) as caught:
            core.customers.import_many(records, batch_size=2)
    finally:
        selects.close()
    return caught.value.errors, sum("lower(" in statement for statement, _ in selects.seen)


def test_the_legacy_rows_are_read_once_per_import(
    library_engine: sa.Engine, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three windows, one read of the legacy rows (none on MariaDB, whose collation makes
    the unique index find every spelling); with more legacy rows than are held, one read a
    window, the same records named."""
    core = _core(library_engine)
    _fill(core, library_engine)
    errors, reads = _legacy_reads(library_engine, core)
    assert errors == _taken(REPEATS)
    assert reads == (0 if backend == "mariadb" else 1)
    monkeypatch.setattr(email_probe, "HELD_LEGACY_ROWS", 1)
    errors, reads = _legacy_reads(library_engine, core)
    assert errors == _taken(REPEATS)
    # The first read stops past the limit; then every window of the three reads again.
    assert reads == (0 if backend == "mariadb" else 4)


POSTGRES = [pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.sql])]


@pytest.mark.parametrize("backend", POSTGRES, indirect=True)
def test_postgres_plans_the_import_for_its_own_values(
    library_engine: sa.Engine, backend: str
) -> None:
    """The import's transaction plans each statement for its values (no generic plan made
    from statistics of the table before the import); the setting ends with it."""
    core = _core(library_engine)
    seen: list[str] = []

    def show(_conn: object, cursor: Any, statement: str, *_: object) -> None:
        if statement.startswith(("INSERT INTO customers", "SELECT customers.email")):
            seen.append(cursor.connection.execute("show plan_cache_mode").fetchone()[0])

    sa.event.listen(library_engine, "after_cursor_execute", show)
    try:
        assert core.customers.import_many(_records(30, "new"), batch_size=10) == 30
    finally:
        sa.event.remove(library_engine, "after_cursor_execute", show)
    assert seen, "no statement of the import was seen"
    assert set(seen) == {"force_custom_plan"}
    with library_engine.connect() as connection:
        assert connection.exec_driver_sql("show plan_cache_mode").scalar_one() == "auto"
