"""The library's three tables as Django models (``managed = False``: the migration creates
them with Laravel's DDL, only where missing, and never alters them).

The services own every write: these models serve the admin's lists and forms and
the storage's queries. The password hash column is never exposed by the admin.
"""

from __future__ import annotations

from typing import Any

from django.db import models

__all__ = ["Address", "Customer", "CustomerNote"]


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
