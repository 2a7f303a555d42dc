"""What the Django tests share: the host's admin user, migrating, emptying the tables."""

from __future__ import annotations

AUTHOR_ID = 1
UNKNOWN_AUTHOR_ID = 424_242
TABLES = (
    "customer_notes",
    "addresses",
    "customers",
    "orders",
    "customer_events",
    "customer_password_reset_tokens",
)


def migrate(alias: str) -> None:
    """The library's migration and the host's tables, then the admin user ``1``."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", database=alias, run_syncdb=True, verbosity=0)
    users = get_user_model()._default_manager.db_manager(alias)
    if not users.filter(pk=AUTHOR_ID).exists():
        users.create_superuser(pk=AUTHOR_ID, username="admin", email="a@h.test", password="pw")


def empty_tables(alias: str) -> None:
    """Delete every row the previous test left, children first."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"delete from {table}")
