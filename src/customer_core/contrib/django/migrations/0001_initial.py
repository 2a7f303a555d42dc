"""Create ``customers``, ``addresses`` and ``customer_notes`` where missing (Laravel's DDL).

The models are unmanaged, so Django's state knows them without owning their
DDL; the database step creates only the tables the database lacks, and its
reverse drops nothing (the tables may be a Laravel application's).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import migrations, models

from customer_core.contrib.django._ddl import LARAVEL_TABLES, create_missing_tables

__all__ = ["Migration"]


def _create(apps: Any, schema_editor: Any) -> None:
    create_missing_tables(schema_editor.connection, LARAVEL_TABLES)


def _timestamps() -> list[tuple[str, Any]]:
    return [
        ("created_at", models.DateTimeField(null=True, blank=True)),
        ("updated_at", models.DateTimeField(null=True, blank=True)),
    ]


class Migration(migrations.Migration):
    """The tables where missing; the unmanaged models in Django's state."""

    initial = True
    dependencies: ClassVar[list[tuple[str, str]]] = []

    operations: ClassVar[list[Any]] = [
        migrations.RunPython(_create, migrations.RunPython.noop, elidable=False),
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=255)),
                ("email", models.CharField(max_length=255, unique=True)),
                ("phone", models.CharField(max_length=255, null=True, blank=True)),
                ("password", models.CharField(max_length=255)),
                ("avatar", models.CharField(max_length=255, null=True, blank=True)),
                ("is_blocked", models.BooleanField(default=False)),
                (
                    "lifetime_value",
                    models.DecimalField(max_digits=15, decimal_places=2, default=0),
                ),
                ("total_orders", models.IntegerField(default=0)),
                ("last_order_at", models.DateTimeField(null=True, blank=True)),
                *_timestamps(),
            ],
            options={"db_table": "customers", "managed": False, "ordering": ("id",)},
        ),
        migrations.CreateModel(
            name="Address",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        db_column="customer_id",
                        related_name="addresses",
                        to="customer_core.customer",
                    ),
                ),
                (
                    "type",
                    models.CharField(
                        max_length=255,
                        choices=[("shipping", "shipping"), ("billing", "billing")],
                    ),
                ),
                ("is_default", models.BooleanField(default=False)),
                ("full_name", models.CharField(max_length=255)),
                ("phone", models.CharField(max_length=255)),
                ("address_line1", models.CharField(max_length=255)),
                ("address_line2", models.CharField(max_length=255, null=True, blank=True)),
                ("city", models.CharField(max_length=255)),
                ("state", models.CharField(max_length=255)),
                ("zip_code", models.CharField(max_length=255)),
                ("country", models.CharField(max_length=255)),
                *_timestamps(),
            ],
            options={
                "db_table": "addresses",
                "managed": False,
                "ordering": ("-is_default", "id"),
            },
        ),
        migrations.CreateModel(
            name="CustomerNote",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        db_column="customer_id",
                        related_name="notes",
                        to="customer_core.customer",
                    ),
                ),
                ("user_id", models.BigIntegerField()),
                ("note", models.TextField()),
                *_timestamps(),
            ],
            options={
                "db_table": "customer_notes",
                "managed": False,
                "ordering": ("-created_at", "-id"),
            },
        ),
    ]
