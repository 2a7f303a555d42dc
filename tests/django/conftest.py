"""Django for the tests of customer_core.contrib.django: SQLite, and PostgreSQL on the
server the suite starts (``tests/servers.py``).

Every test gets emptied tables; the host's user ``1`` (an admin) stays.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import pytest

if importlib.util.find_spec("django") is None:
    collect_ignore_glob = ["test_*.py"]
else:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_settings")
    import django

    django.setup()

from servers import Server  # noqa: E402

AUTHOR_ID = 1
UNKNOWN_AUTHOR_ID = 424_242
TABLES = ("customer_notes", "addresses", "customers", "orders")


def migrate(alias: str) -> None:
    """The library's migration and the host's tables, then the admin user ``1``."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", database=alias, run_syncdb=True, verbosity=0)
    users = get_user_model()._default_manager.db_manager(alias)
    if not users.filter(pk=AUTHOR_ID).exists():
        users.create_superuser(pk=AUTHOR_ID, username="admin", email="a@h.test", password="pw")


@pytest.fixture(scope="session")
def django_sqlite() -> str:
    """The SQLite database of the settings, migrated."""
    migrate("default")
    return "default"


@pytest.fixture(scope="session")
def django_postgres(postgres_server: Server) -> Iterator[str]:
    """A fresh database on the session's PostgreSQL server as the alias ``postgres``."""
    import sqlalchemy as sa
    from django.conf import settings
    from django.db import connections

    url = sa.make_url(postgres_server.create_database("dj"))
    entry = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.database,
        "USER": url.username or "",
        "PASSWORD": url.password or "",
        "HOST": url.query.get("host", url.host or ""),
        "PORT": str(url.port or ""),
        # The library's lock waits, as the SQLAlchemy adapter's lock_timeout.
        "OPTIONS": {"options": "-c lock_timeout=10000"},
    }
    settings.DATABASES["postgres"] = entry
    configured = connections.configure_settings({"default": {}, "postgres": entry})
    connections.settings["postgres"] = configured["postgres"]
    migrate("postgres")
    yield "postgres"
    connections["postgres"].close()


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("sqlite", marks=[pytest.mark.sqlite], id="sqlite"),
        pytest.param("postgres", marks=[pytest.mark.postgres], id="postgres"),
    ],
)
def django_alias(request: pytest.FixtureRequest) -> str:
    """A migrated Django database: SQLite, then PostgreSQL."""
    alias: str = request.getfixturevalue(f"django_{request.param}")
    return alias


def empty_tables(alias: str) -> None:
    """Delete every row the previous test left, children first."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"delete from {table}")
