"""Time ``import_many`` of the code on ``PYTHONPATH``: N customers into an empty SQLite file,
then 5 000 more into it. Run it against two source trees to compare releases::

    PYTHONPATH=/path/to/0.1/src python benchmarks/import_versus.py 100000
    PYTHONPATH=src python benchmarks/import_versus.py 100000

Prints the two times in seconds. It uses only the public API both releases share.
"""

from __future__ import annotations

import sys
import tempfile
import time

from customer_core import CustomerCore

# A well-formed bcrypt hash (cost 4): the import stores it, never computes it.
HASH = "$2y$04$mgApMypM3qyyQMjMLA9mD.0/A43ysUUOQM.TfbCnfg.gt7UEv1pk."


def records(count: int, start: int = 0) -> list[dict[str, object]]:
    """Plain records, as a migration script builds them."""
    return [
        {"name": f"Customer {i}", "email": f"c{i}@example.com", "password_hash": HASH}
        for i in range(start, start + count)
    ]


def main(count: int) -> None:
    """Print the seconds of the import into the empty table and of the 5 000 after it."""
    folder = tempfile.mkdtemp()
    core = CustomerCore.from_url(f"sqlite:///{folder}/versus.db")
    core.create_schema()
    first, more = records(count), records(5000, count)
    start = time.perf_counter()
    core.customers.import_many(first)
    empty = time.perf_counter() - start
    start = time.perf_counter()
    core.customers.import_many(more)
    print(f"{empty:.3f} {time.perf_counter() - start:.4f}")


if __name__ == "__main__":
    main(int(sys.argv[1]))
