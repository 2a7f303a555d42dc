"""Create ``customer_events`` and the reset tokens' table where missing (the timeline,
the outbox and password reset; the SQLAlchemy adapter's tables, shared with it).

Like the first migration: unmanaged models in Django's state, a database step
that creates only the tables the database lacks, and a reverse that drops nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import migrations, models

from customer_core.contrib.django._ddl import LIFECYCLE_TABLES, RESET_TABLE, create_missing_tables
from customer_core.contrib.django._fields import EventData

__all__ = ["Migration"]


def _create(apps: Any, schema_editor: Any) -> None:
    create_missing_tables(schema_editor.connection, LIFECYCLE_TABLES)


class Migration(migrations.Migration):
    """The timeline/outbox and reset-token tables where missing; their models in the state."""

    dependencies: ClassVar[list[tuple[str, str]]] = [("customer_core", "0001_initial")]

    operations: ClassVar[list[Any]] = [
        migrations.RunPython(_create, migrations.RunPython.noop, elidable=False),
        migrations.CreateModel(
            name="CustomerEvent",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("customer_id", models.BigIntegerField()),
                ("type", models.CharField(max_length=64)),
                ("actor_id", models.BigIntegerField(null=True, blank=True)),
                ("data", EventData()),
                ("occurred_at", models.DateTimeField()),
                ("leased_until", models.DateTimeField(null=True, blank=True)),
                ("published_at", models.DateTimeField(null=True, blank=True)),
            ],
            options={
                "db_table": "customer_events",
                "managed": False,
                "ordering": ("-occurred_at", "-id"),
            },
        ),
        migrations.CreateModel(
            name="PasswordResetToken",
            fields=[
                (
                    "email",
                    models.CharField(max_length=255, primary_key=True, serialize=False),
                ),
                ("token", models.CharField(max_length=255)),
                ("created_at", models.DateTimeField(null=True, blank=True)),
            ],
            options={"db_table": RESET_TABLE, "managed": False},
        ),
    ]
