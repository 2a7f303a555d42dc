"""The host's orders, as a Laravel shop keeps them (table ``orders``, no foreign key)."""

from __future__ import annotations

from django.db import models


class Order(models.Model):
    """One of the host's orders; customer_core reads it, never writes it."""

    customer_id = models.BigIntegerField(db_index=True)
    status = models.CharField(max_length=255)
    total_amount = models.DecimalField(max_digits=15, decimal_places=2)
    created_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "djshop"
        db_table = "orders"
