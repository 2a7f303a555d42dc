"""Django for the tests of customer_core.contrib.django: SQLite, and PostgreSQL on the
server the suite starts (``tests/servers.py``).

Every test gets emptied tables; the host's user ``1`` (an admin) stays.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from django_minimal import django_installed

if not django_installed():
    collect_ignore_glob = ["test_*.py"]
else:
    ours = "DJANGO_SETTINGS_MODULE" not in os.environ
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_settings")
    import django

    django.setup()
    if ours:
        # Configured now; left in the environment it would reach every subprocess the
        # suite starts (Celery's worker then runs its Django fix-up on these settings).
        del os.environ["DJANGO_SETTINGS_MODULE"]

from django_support import migrate

if TYPE_CHECKING:
    from servers import Server


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
        pytest.param("sqlite", marks=[pytest.mark.sqlite, pytest.mark.sql], id="sqlite"),
        pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.sql], id="postgres"),
    ],
)
def django_alias(request: pytest.FixtureRequest) -> str:
    """A migrated Django database: SQLite, then PostgreSQL."""
    alias: str = request.getfixturevalue(f"django_{request.param}")
    return alias
