"""4. Bulk import: ``customers.import_many`` against the driver's ``executemany`` of the same rows.

Every record carries the same precomputed bcrypt hash (nothing is hashed).
The reference inserts the rows the library would write, already in the
driver's types, in one transaction: the floor for getting them into the table.
The customers table is emptied before each timed run. A second, smaller
import goes into the large database (a million customers at full scale), where
the library's duplicate check has real rows to search (no verdict: there is
no target for it).
"""

from __future__ import annotations

from typing import Any

from benchmarks.data import import_records
from benchmarks.databases import NOW, Database, sqlite_time
from benchmarks.results import Result, Results
from benchmarks.scale import Scale
from benchmarks.timing import fastest

__all__ = ["run"]

TARGET = 1.5
COLUMNS = (
    "name, email, password, phone, avatar, is_blocked, lifetime_value, total_orders,"
    " last_order_at, created_at, updated_at"
)


def _rows(database: Database, records: list[dict[str, object]]) -> list[tuple[object, ...]]:
    sqlite = database.backend == "sqlite"

    def moment(value: Any) -> object:
        return sqlite_time(value) if sqlite else value.replace(tzinfo=None)

    rows: list[tuple[object, ...]] = []
    for r in records:
        blocked = int(bool(r["is_blocked"])) if sqlite else bool(r["is_blocked"])
        amount = "0.00" if sqlite else 0
        created, updated = moment(r["created_at"]), moment(NOW)
        row = (r["name"], r["email"], r["password_hash"], None, None, blocked, amount, 0)
        rows.append((*row, None, created, updated))
    return rows


def _executemany(database: Database, rows: list[tuple[object, ...]]) -> None:
    marks = ", ".join(["?" if database.backend == "sqlite" else "%s"] * 11)
    statement = f"insert into customers ({COLUMNS}) values ({marks})"
    raw = database.engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        if database.backend == "sqlite":
            connection.execute("begin")
            connection.executemany(statement, rows)
            connection.execute("commit")
        else:
            with connection.cursor() as cursor:
                cursor.executemany(statement, rows)
            connection.commit()
    finally:
        raw.close()


def _empty(database: Database) -> None:
    with database.engine.begin() as connection:
        if database.is_postgres:
            connection.exec_driver_sql("truncate customers restart identity cascade")
        else:
            connection.exec_driver_sql("delete from customers")


def _populated(big: Database, scale: Scale, results: Results) -> None:
    """A smaller import into the large table: the duplicate check then reads real rows."""
    n = max(1, scale.import_count // 20)
    records = import_records(n, offset=big.customers)
    rows = _rows(big, records)

    def drop_imported() -> None:
        with big.engine.begin() as connection:
            connection.exec_driver_sql(f"delete from customers where id > {big.customers}")

    best = fastest(
        {
            "library": lambda: big.core.customers.import_many(records),
            "executemany": lambda: _executemany(big, rows),
        },
        1,
        between=drop_imported,
    )
    drop_imported()
    results.add(
        Result(
            "import",
            big.backend,
            f"import_many / executemany, into {big.customers:,} customers",
            best["library"] / best["executemany"],
            "x",
            note=f"{n:,} customers: library {best['library']:.2f} s,"
            f" executemany {best['executemany']:.3f} s",
        )
    )


def run(database: Database, big: Database | None, scale: Scale, results: Results) -> None:
    """Time both ways into an empty table, and (given ``big``) into a populated one."""
    records = import_records(scale.import_count)
    rows = _rows(database, records)
    core = database.core

    def count() -> int:
        with database.engine.connect() as connection:
            return int(connection.exec_driver_sql("select count(*) from customers").scalar_one())

    best = fastest(
        {
            "library": lambda: core.customers.import_many(records),
            "executemany": lambda: _executemany(database, rows),
        },
        scale.repeats,
        between=lambda: _empty(database),
    )
    if count() != len(records):
        raise AssertionError("the import did not write every record")
    ratio = best["library"] / best["executemany"]
    n = len(records)
    results.add(
        Result(
            "import",
            database.backend,
            "import_many / executemany",
            ratio,
            "x",
            target=f"≤ {TARGET}×",
            passed=ratio <= TARGET if scale.judge else None,
            note=f"{n:,} customers: library {best['library']:.2f} s,"
            f" executemany {best['executemany']:.2f} s",
        )
    )
    if big is not None:
        _populated(big, scale, results)
