"""The library's tables as Django models (``managed = False``: the migrations create them
with Laravel's DDL and the SQLAlchemy adapter's, only where missing, and never alter them).

The services own every write: these models serve the admin's lists and forms and
the storage's queries. The password hash column is never exposed by the admin.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from customer_core.contrib.django._ddl import RESET_TABLE
from customer_core.contrib.django._fields import EventData

__all__ = ["Address", "Customer", "CustomerEvent", "CustomerNote", "PasswordResetToken"]


class Customer(models.Model):
    """A row of ``customers`` (Laravel's columns)."""

    id: models.BigAutoField[Any, Any] = models.BigAutoField(primary_key=True)
    name: models.CharField[Any, Any] = models.CharField(max_length=255)
    email: models.CharField[Any, Any] = models.CharField(max_length=255, unique=True)
    phone: models.CharField[Any, Any] = models.CharField(max_length=255, null=True, blank=True)
    password: models.CharField[Any, Any] = models.CharField(max_length=255)
    avatar: models.CharField[Any, Any] = models.CharField(max_length=255, null=True, blank=True)
    is_blocked: models.BooleanField[Any, Any] = models.BooleanField(default=False)
    lifetime_value: models.DecimalField[Any, Any] = models.DecimalField(
        max_digits=15, decimal_places=2, default=0
    )
    total_orders: models.IntegerField[Any, Any] = models.IntegerField(default=0)
    last_order_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)
    created_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)
    updated_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "customers"
        app_label = "customer_core"
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Address(models.Model):
    """A row of ``addresses``."""

    id: models.BigAutoField[Any, Any] = models.BigAutoField(primary_key=True)
    customer: models.ForeignKey[Any, Any] = models.ForeignKey(
        Customer, on_delete=models.CASCADE, db_column="customer_id", related_name="addresses"
    )
    type: models.CharField[Any, Any] = models.CharField(
        max_length=255, choices=[("shipping", "shipping"), ("billing", "billing")]
    )
    is_default: models.BooleanField[Any, Any] = models.BooleanField(default=False)
    full_name: models.CharField[Any, Any] = models.CharField(max_length=255)
    phone: models.CharField[Any, Any] = models.CharField(max_length=255)
    address_line1: models.CharField[Any, Any] = models.CharField(max_length=255)
    address_line2: models.CharField[Any, Any] = models.CharField(
        max_length=255, null=True, blank=True
    )
    city: models.CharField[Any, Any] = models.CharField(max_length=255)
    state: models.CharField[Any, Any] = models.CharField(max_length=255)
    zip_code: models.CharField[Any, Any] = models.CharField(max_length=255)
    country: models.CharField[Any, Any] = models.CharField(max_length=255)
    created_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)
    updated_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "addresses"
        app_label = "customer_core"
        ordering = ("-is_default", "id")

    def __str__(self) -> str:
        return f"{self.type}: {self.full_name}, {self.city}"


class CustomerNote(models.Model):
    """A row of ``customer_notes``; ``user_id`` is the host user who wrote it."""

    id: models.BigAutoField[Any, Any] = models.BigAutoField(primary_key=True)
    customer: models.ForeignKey[Any, Any] = models.ForeignKey(
        Customer, on_delete=models.CASCADE, db_column="customer_id", related_name="notes"
    )
    user_id: models.BigIntegerField[Any, Any] = models.BigIntegerField()
    note: models.TextField[Any, Any] = models.TextField()
    created_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)
    updated_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "customer_notes"
        app_label = "customer_core"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return str(self.note)[:60]


class CustomerEvent(models.Model):
    """A row of ``customer_events``: the timeline and the outbox (the services write them).

    ``customer_id`` is no foreign key: the events of a deleted customer stay until
    the outbox has published them.
    """

    id: models.BigAutoField[Any, Any] = models.BigAutoField(primary_key=True)
    customer_id: models.BigIntegerField[Any, Any] = models.BigIntegerField()
    type: models.CharField[Any, Any] = models.CharField(max_length=64)
    actor_id: models.BigIntegerField[Any, Any] = models.BigIntegerField(null=True, blank=True)
    data: EventData = EventData()
    occurred_at: models.DateTimeField[Any, Any] = models.DateTimeField()
    leased_until: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)
    published_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "customer_events"
        app_label = "customer_core"
        ordering = ("-occurred_at", "-id")

    def __str__(self) -> str:
        return f"{self.type} of customer {self.customer_id}"


class PasswordResetToken(models.Model):
    """A row of the reset tokens' table (Laravel's layout, only a hash in ``token``).

    The table has no primary key; Django needs one, and ``email`` serves: the
    storage keeps one row per e-mail (it deletes before it inserts, as Laravel does)
    and writes through querysets only, never ``save()`` on a loaded row.
    """

    email: models.CharField[Any, Any] = models.CharField(max_length=255, primary_key=True)
    token: models.CharField[Any, Any] = models.CharField(max_length=255)
    created_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = RESET_TABLE
        app_label = "customer_core"

    def __repr__(self) -> str:
        # The hash stays out of reprs (Django's default shows only the pk; said here).
        return f"<PasswordResetToken: {self.email}>"

    def __str__(self) -> str:
        return str(self.email)
