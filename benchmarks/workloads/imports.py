"""4. Bulk import: ``customers.import_many`` against ``executemany``, and each fast path
of the import against the slow path it replaces.

Every record carries the same precomputed bcrypt hash (nothing is hashed).
Two imports are timed: :data:`Scale.import_count <benchmarks.scale.Scale>`
customers into an empty table (emptied before each timed run), and a
twentieth of that into a table already holding ``import_count`` customers,
where the duplicate check has real rows to search (the imported rows are
deleted before each timed run; three times as many repeats).

- **Against** ``executemany``: the reference inserts the rows the library
  would write, already in the driver's types, in one transaction: the floor
  for getting them into the table.
- **Into the big table** (given one: the search workload's, a million customers at full
  scale, ten million at ``xl``): :data:`INTO_BIG` customers, library against
  ``executemany`` only (its fast-path references would scan the big table per chunk),
  first on the table as Laravel made it, then after ``create_performance_indexes``
  (SQLite's partial index of the legacy rows; on PostgreSQL the ``lower(email)`` index and,
  where ``pg_trgm`` is installed, the trigram indexes, which every insert maintains too),
  both judged against :data:`TARGET`: the duplicate check must not grow with the table.
- **Each fast path** (:data:`FAST_PATHS`) is timed against the same import with
  that one path swapped for its reference, every other path left fast; the
  ratio reference / fast is judged against :data:`FAST_PATH_TARGET`: a fast path
  that does not reach it is not worth its code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from benchmarks.data import import_records
from benchmarks.databases import NOW, Database, sqlite_time
from benchmarks.results import Result, Results
from benchmarks.scale import Scale
from benchmarks.timing import fastest
from customer_core import rules
from customer_core.adapters.sqlalchemy import _fast
from customer_core.adapters.sqlalchemy._fast import bulk_insert
from customer_core.services import _importer

__all__ = ["FAST_PATHS", "run"]

TARGET = 1.5
#: Customers imported into the big table (the issue's "5 000 into 1 000 000").
INTO_BIG = 5000
FAST_PATH_TARGET = 1.3
COLUMNS = (
    "name, email, password, phone, avatar, is_blocked, lifetime_value, total_orders,"
    " last_order_at, created_at, updated_at"
)


def _never(*_: object) -> None:
    """A fast path that settles nothing: the caller takes its general path."""
    return


#: Each fast path: the backends it runs on, and how to swap in its reference (module,
#: attribute, replacement). The bulk insert's parts are also timed one by one, each
#: against the bulk insert without that part.
FAST_PATHS: dict[str, tuple[tuple[str, ...], list[tuple[object, str, object]]]] = {
    "e-mail rule: rules.plain_email / email_validator": (
        ("sqlite", "postgres"),
        [(rules, "plain_email", _never), (rules, "_plain_emails_check", lambda: _never)],
    ),
    "record checks: _importer._by_columns / _record per record": (
        ("sqlite", "postgres"),
        [(_importer, "_by_columns", _never)],
    ),
    "record checks part: rules.COLUMN_CHECKS / the rule per value": (
        ("sqlite",),
        [(rules, "COLUMN_CHECKS", {})],
    ),
    "bulk insert: _fast.insert_columns / insert() of dicts": (
        ("sqlite", "postgres"),
        [(_fast, "insert_columns", _fast.reference_insert)],
    ),
    "bulk insert part: multi-row VALUES / executemany": (
        ("sqlite",),
        [(bulk_insert, "MIN_ROWS_PER_STATEMENT", 2**62)],
    ),
    "bulk insert part: JSON rows / executemany": (
        ("postgres",),
        [(bulk_insert, "_JSON_TYPES", {})],
    ),
    "duplicate check: _fast.existing_emails / folded IN": (
        ("sqlite", "postgres"),
        [(_fast, "existing_emails", _fast.reference_existing_emails)],
    ),
}


@contextmanager
def _reference(swaps: list[tuple[object, str, object]]) -> Iterator[None]:
    """The library with these attributes swapped for their references, restored after."""
    with ExitStack() as stack:
        for owner, name, replacement in swaps:
            original = getattr(owner, name)
            setattr(owner, name, replacement)
            stack.callback(setattr, owner, name, original)
        yield


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


def _count(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.exec_driver_sql("select count(*) from customers").scalar_one())


def _delete_above(database: Database, last_id: int) -> Callable[[], None]:
    """Reset the table to its first ``last_id`` customers (none: an empty table)."""

    def reset() -> None:
        with database.engine.begin() as connection:
            if last_id == 0 and database.is_postgres:
                connection.exec_driver_sql("truncate customers restart identity cascade")
            else:
                connection.exec_driver_sql(f"delete from customers where id > {last_id}")

    return reset


def _contenders(
    database: Database, records: list[dict[str, object]]
) -> dict[str, Callable[[], object]]:
    """The library, the library with each fast path swapped for its reference, executemany."""
    customers = database.core.customers

    def with_reference(swaps: list[tuple[object, str, object]]) -> Callable[[], object]:
        def action() -> object:
            with _reference(swaps):
                return customers.import_many(records)

        return action

    rows = _rows(database, records)
    contenders: dict[str, Callable[[], object]] = {
        "library": lambda: customers.import_many(records),
        "executemany": lambda: _executemany(database, rows),
    }
    for label, (backends, swaps) in FAST_PATHS.items():
        if database.backend in backends:
            contenders[label] = with_reference(swaps)
    return contenders


def _measure(
    database: Database,
    records: list[dict[str, object]],
    repeats: int,
    *,
    fast_paths: bool = True,
) -> dict[str, float]:
    """The fastest time of each contender (without ``fast_paths``: the library and
    executemany only); every run must store every record."""
    before = database.customers
    reset = _delete_above(database, before)
    contenders = _contenders(database, records)
    if not fast_paths:
        contenders = {name: contenders[name] for name in ("library", "executemany")}
    best = fastest(contenders, repeats, between=reset)
    if _count(database) != before + len(records):
        raise AssertionError("the import did not write every record")
    reset()
    return best


def _report(
    results: Results,
    backend: str,
    where: str,
    n: int,
    best: dict[str, float],
    scale: Scale,
    *,
    judge_executemany: bool,
) -> None:
    ratio = best["library"] / best["executemany"]
    results.add(
        Result(
            "import",
            backend,
            f"import_many / executemany{where}",
            ratio,
            "x",
            target=f"≤ {TARGET}×" if judge_executemany else "",
            passed=(ratio <= TARGET if scale.judge else None) if judge_executemany else None,
            note=f"{n:,} customers: library {best['library']:.3f} s,"
            f" executemany {best['executemany']:.3f} s",
        )
    )
    for label in FAST_PATHS:
        if label not in best:
            continue
        gain = best[label] / best["library"]
        results.add(
            Result(
                "import",
                backend,
                f"{label}{where}",
                gain,
                "x",
                target=f"≥ {FAST_PATH_TARGET}×",
                passed=gain >= FAST_PATH_TARGET if scale.judge else None,
                note=f"{n:,} customers: fast {best['library']:.3f} s,"
                f" reference {best[label]:.3f} s",
            )
        )


def _index_names(database: Database) -> set[str]:
    from sqlalchemy import inspect

    return {str(index["name"]) for index in inspect(database.engine).get_indexes("customers")}


def _into_big(big: Database, scale: Scale, results: Results) -> None:
    """:data:`INTO_BIG` customers into ``big``, as it is and with the opt-in indexes (which
    are dropped again after, so the search workload finds the table as it was)."""
    from customer_core.adapters.sqlalchemy import create_performance_indexes

    n = min(INTO_BIG, scale.import_count)
    more = import_records(n, offset=big.customers)
    before = _index_names(big)
    for label in ("as Laravel made it", "performance indexes"):
        if label == "performance indexes":
            create_performance_indexes(big.engine)
            big.maintain()
        best = _measure(big, more, scale.repeats * 3, fast_paths=False)
        where = f", into {big.customers:,} customers, {label}"
        _report(results, big.backend, where, n, best, scale, judge_executemany=True)
    made = sorted(_index_names(big) - before)
    with big.engine.begin() as connection:
        for name in made:
            connection.exec_driver_sql(f"drop index {name}")
    big.maintain()


def run(
    database: Database,
    populated: Database | None,
    scale: Scale,
    results: Results,
    big: Database | None = None,
) -> None:
    """Every contender into an empty table and (given ``populated``) into a populated one;
    the library and executemany into ``big``, given one."""
    records = import_records(scale.import_count)
    best = _measure(database, records, scale.repeats)
    _report(results, database.backend, "", len(records), best, scale, judge_executemany=True)
    if populated is not None:
        n = max(1, scale.import_count // 20)
        more = import_records(n, offset=populated.customers)
        # A short import: more repeats to find an undisturbed one.
        best = _measure(populated, more, scale.repeats * 3)
        where = f", into {populated.customers:,} customers"
        _report(results, populated.backend, where, n, best, scale, judge_executemany=False)
    if big is not None:
        _into_big(big, scale, results)
