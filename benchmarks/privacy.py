"""``anonymize_many`` throughput: customers anonymized per second, set-based.

    PYTHONPATH=src python -m benchmarks.privacy sqlite [N]
    PYTHONPATH=src python -m benchmarks.privacy postgres [N]   # a throwaway server
    PYTHONPATH=src python -m benchmarks.privacy postgres [N] --indexes

``--indexes`` first creates indexes on ``addresses.customer_id`` and
``customer_notes.customer_id``, which Laravel's migration creates on MySQL only
(there InnoDB indexes every foreign key).

N customers (default 100 000) are imported, each with one address, one note and
its ``imported`` event (addresses and notes inserted set-based, outside the
timing); then ``core.privacy.anonymize_many(None, batch_size=B)`` runs once per
batch size on a fresh copy of the data and prints customers/s. The statements
per batch are constant (counted in tests/integration/test_sql_privacy.py, not
here).
"""

from __future__ import annotations

import atexit
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from customer_core import Argon2Hasher, CustomerCore

HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
HASH = "$2y$04$mgApMypM3qyyQMjMLA9mD.0/A43ysUUOQM.TfbCnfg.gt7UEv1pk."
BATCH_SIZES = (1000, 5000)


def database(backend: str, name: str) -> str:
    """A SQLAlchemy URL of an empty database."""
    if backend == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp()) / f'{name}.db'}"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from servers import start_postgres

    server = start_postgres()
    atexit.register(server.stop)
    url: str = server.create_database(name)
    return url


def populate(core: CustomerCore[Any], engine: sa.Engine, count: int) -> None:
    """``count`` customers with an address, a note and an ``imported`` event each."""
    for start in range(0, count, 10_000):
        records = [
            {
                "name": f"Customer {i}",
                "email": f"c{i}@example.com",
                "password_hash": HASH,
                "phone": "+14155550123",
            }
            for i in range(start, min(count, start + 10_000))
        ]
        core.customers.import_many(records, batch_size=1000)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "insert into addresses (customer_id, type, is_default, full_name, phone,"
            " address_line1, city, state, zip_code, country)"
            " select id, 'shipping', true, name, '+14155550123', '1 Road', 'London',"
            " 'London', 'SW1', 'GB' from customers"
        )
        connection.exec_driver_sql(
            "insert into customer_notes (customer_id, user_id, note)"
            " select id, 1, 'Prefers e-mail' from customers"
        )


CHILD_INDEXES = (
    "create index addresses_customer_id_index on addresses (customer_id)",
    "create index customer_notes_customer_id_index on customer_notes (customer_id)",
)


def run(backend: str, count: int, *, indexes: bool = False) -> None:
    """Print customers/s of ``anonymize_many`` for each batch size."""
    for size in BATCH_SIZES:
        url = database(backend, f"privacy{size}")
        core = CustomerCore.from_url(url, password_hasher=HASHER, users_table=None)
        core.create_schema()
        engine: sa.Engine = core.storage.engine  # type: ignore[attr-defined]
        populate(core, engine, count)
        if indexes:
            with engine.begin() as connection:
                for statement in CHILD_INDEXES:
                    connection.exec_driver_sql(statement)
        start = time.perf_counter()
        done = core.privacy.anonymize_many(None, batch_size=size)
        seconds = time.perf_counter() - start
        assert done == count, (done, count)
        print(
            f"privacy/{backend}{'+indexes' if indexes else ''}:"
            f" anonymize_many of {count} (batch {size}):"
            f" {seconds:.2f} s, {count / seconds:,.0f} customers/s"
        )
        engine.dispose()


def main(argv: list[str]) -> None:
    """``BACKEND [N] [--indexes]``."""
    indexes = "--indexes" in argv
    argv = [a for a in argv if a != "--indexes"]
    backend = argv[0] if argv else "sqlite"
    count = int(argv[1]) if len(argv) > 1 else 100_000
    run(backend, count, indexes=indexes)


if __name__ == "__main__":
    main(sys.argv[1:])
