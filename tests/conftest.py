"""Test-session set-up: SQL fixtures when SQLAlchemy is installed, the core alone otherwise.

``nox -s tests-core`` runs the suite without SQLAlchemy to prove the in-memory
core stands alone; there the SQL fixtures are not loaded and the modules that
need SQLAlchemy are not collected (their tests carry the ``sql`` mark anyway).
"""

from __future__ import annotations

import importlib.util

HAVE_SQLALCHEMY = importlib.util.find_spec("sqlalchemy") is not None

if HAVE_SQLALCHEMY:
    # pytest finds fixtures by name in a conftest, so each one is imported by name.
    from sql_fixtures import (  # noqa: F401
        backend,
        database_url,
        fresh_database_url,
        mariadb_server,
        mariadb_url,
        postgres_pair,
        postgres_server,
        postgres_url,
        sql_engine,
        sqlite_url,
    )
else:
    collect_ignore_glob = [
        "contract/test_sql*.py",
        "contract/test_aio.py",
        "unit/test_bulk_types.py",
        "integration/*",
        "cli/test_databases.py",
        "cli/test_postgres.py",
        "cli/test_recalculate.py",
        "benchmarks/*",
        "examples/*",
    ]
